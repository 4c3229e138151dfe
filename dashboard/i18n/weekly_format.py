"""A weekly KPI's value and its week-over-week change as text, by the KPI's kind; None is a dash."""

from __future__ import annotations

from dashboard.i18n import format as fmt
from dashboard.i18n import t


def kpi_value(kind: str, value: float | None) -> str:
    """Counts as whole numbers, shares as percent, seconds as m:ss, means with two decimals, NPS signed."""
    if value is None:
        return fmt.DASH
    if kind == "share":
        return fmt.percent(value, 1)
    if kind == "seconds":
        return fmt.duration(value)
    if kind == "mean":
        return f"{value:.2f}"
    if kind == "nps":
        return f"{value:+d}"
    return fmt.number(value)


def kpi_change(kind: str, delta: float | None, lang: str = "en") -> str:
    """The signed change: points for shares and NPS, seconds, two decimals, or percent for counts."""
    if delta is None:
        return fmt.DASH
    if kind == "share":
        return t("trends.change.points", lang, value=f"{delta * 100:+.1f}")
    if kind == "nps":
        return t("trends.change.points", lang, value=f"{delta:+d}")
    if kind == "seconds":
        return t("trends.change.seconds", lang, value=f"{delta:+.1f}" if abs(delta) < 10 else f"{delta:+.0f}")
    if kind == "mean":
        return f"{delta:+.2f}"
    return f"{delta * 100:+.1f}%"


def kpi_amount(kind: str, delta: float, lang: str = "en") -> str:
    """The size of a change without its sign, for sentences ("6.0 points", "12 s", "8.3 %")."""
    text = kpi_change(kind, abs(delta) if kind != "nps" else abs(int(delta)), lang)
    return text.lstrip("+")
