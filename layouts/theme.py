"""Colours and the mapping of a threshold state to colour, icon and words (never colour alone)."""

from __future__ import annotations

OK, WARNING, CRITICAL, NO_DATA, STALE = "ok", "warning", "critical", "no_data", "stale"

COLOURS = {
    OK: "#1f9d55",
    WARNING: "#f2a900",
    CRITICAL: "#d64545",
    NO_DATA: "#7a8599",
    STALE: "#5b6270",
}
ICONS = {OK: "●", WARNING: "▲", CRITICAL: "■", NO_DATA: "○", STALE: "◌"}

CHANNEL_COLOURS = {
    "voice": "#4e79a7",
    "chat": "#59a14f",
    "email": "#9c755f",
    "social": "#b07aa1",
    "sms": "#f28e2b",
}

STATE_COLOURS = {
    "available": "#1f9d55",
    "on_contact": "#4e79a7",
    "after_contact_work": "#9c6ade",
    "aux": "#f2a900",
    "offline": "#5b6270",
}


def level(value: float | None, warning: float | None, critical: float | None, direction: str) -> str:
    """Which band a value falls in: 'above' rules breach upwards (waits), 'below' downwards (SL).

    A level is crossed only when the value is strictly beyond it: a service level of
    exactly 80 % meets an 80 % target. No value → NO_DATA; an unset level is never crossed.
    """
    if value is None:
        return NO_DATA

    def crossed(limit: float | None) -> bool:
        if limit is None:
            return False
        return value > limit if direction == "above" else value < limit

    if crossed(critical):
        return CRITICAL
    if crossed(warning):
        return WARNING
    return OK


PLOTLY_TEMPLATE = {
    "layout": {
        "font": {"family": "Inter, 'Noto Sans KR', system-ui, sans-serif", "size": 13},
        "colorway": list(CHANNEL_COLOURS.values()),
        "margin": {"l": 40, "r": 16, "t": 36, "b": 36},
        "paper_bgcolor": "rgba(0,0,0,0)",
        "plot_bgcolor": "rgba(0,0,0,0)",
    }
}
