"""Plotly figures for the drill-down pages: values in, figure dicts out, on the theme's template.

Plain dicts rather than ``go.Figure``: Dash sends them as they are, and building
them skips plotly's validation, which costs more than the page's queries.
"""

from __future__ import annotations

from datetime import tzinfo

from dashboard.i18n import t
from layouts.theme import CHANNEL_COLOURS, COLOURS, PLOTLY_TEMPLATE, STATE_COLOURS

ANSWERED, OFFERED, LINE = CHANNEL_COLOURS["voice"], "#c5d3e2", "#1c2430"
INTERVAL_MS = 900_000


def _figure(title: str, height: int, **layout) -> dict:
    base = dict(PLOTLY_TEMPLATE["layout"])
    base.update({"title": {"text": title}, "height": height, "legend": {"orientation": "h", "y": -0.2}}, **layout)
    return {"data": [], "layout": base}


def _local(points, tz: tzinfo) -> list[str]:
    return [p.start.astimezone(tz).replace(tzinfo=None).isoformat() for p in points]


def intraday_figure(points: list, target: float | None, tz: tzinfo, language: str, title: str) -> dict:
    """Offered and answered bars per 15 minutes; service level (%) against its target, and ASA, on the right."""
    x = _local(points, tz)
    fig = _figure(title, 340, barmode="overlay",
                  yaxis={"title": {"text": t("drill.fig.contacts", language)}, "rangemode": "tozero"},
                  yaxis2={"overlaying": "y", "side": "right", "range": [0, 105], "ticksuffix": "%",
                          "showgrid": False},
                  yaxis3={"overlaying": "y", "side": "right", "anchor": "free", "autoshift": True,
                          "showgrid": False, "title": {"text": t("drill.fig.asa", language)}, "rangemode": "tozero"})
    data = fig["data"]
    data.append({"type": "bar", "x": x, "y": [p.offered for p in points], "name": t("drill.fig.offered", language),
                 "marker": {"color": OFFERED}})
    data.append({"type": "bar", "x": x, "y": [p.answered for p in points], "width": INTERVAL_MS * 0.6,
                 "name": t("drill.fig.answered", language), "marker": {"color": ANSWERED}})
    if target is not None:
        data.append({"type": "scatter", "x": x, "yaxis": "y2", "mode": "lines+markers",
                     "y": [None if p.service_level is None else p.service_level * 100 for p in points],
                     "name": t("drill.fig.service_level", language), "line": {"color": COLOURS["ok"]}})
        data.append({"type": "scatter", "x": [x[0], x[-1]] if x else [], "y": [target * 100] * (2 if x else 0),
                     "yaxis": "y2", "mode": "lines", "name": t("drill.fig.target", language),
                     "line": {"color": COLOURS["critical"], "dash": "dash"}})
    data.append({"type": "scatter", "x": x, "y": [p.asa_seconds for p in points], "yaxis": "y3", "mode": "lines",
                 "name": t("drill.fig.asa", language), "line": {"color": LINE, "dash": "dot"}})
    return fig


def staffing_figure(points: list, tz: tzinfo, language: str, title: str) -> dict:
    """Erlang C required agents (steps) against agents staffed per 15 minutes."""
    x = _local(points, tz)
    fig = _figure(title, 300, yaxis={"rangemode": "tozero"})
    fig["data"] = [
        {"type": "bar", "x": x, "y": [p.staffed_agents for p in points], "name": t("drill.fig.staffed", language),
         "marker": {"color": "#9fb7d1"}},
        {"type": "scatter", "x": x, "y": [p.required_agents for p in points], "mode": "lines",
         "name": t("drill.fig.required", language),
         "line": {"shape": "hv", "color": COLOURS["critical"], "width": 2}}]
    return fig


def timeline_figure(segments: list, tz: tzinfo, language: str, title: str) -> dict:
    """A Gantt of the day's states: one row per state, bars from start to end, the aux reason on hover."""
    fig = _figure(title, 260, barmode="overlay", showlegend=False, xaxis={"type": "date"},
                  yaxis={"automargin": True}, margin={"l": 130, "r": 16, "t": 36, "b": 36})
    for state, colour in STATE_COLOURS.items():
        own = [s for s in segments if s.state == state]
        if not own:
            continue
        fig["data"].append({
            "type": "bar", "orientation": "h", "name": t(f"state.{state}", language), "marker": {"color": colour},
            "base": [s.started_at.astimezone(tz).replace(tzinfo=None).isoformat() for s in own],
            "x": [(s.ended_at - s.started_at).total_seconds() * 1000 for s in own],
            "y": [t(f"state.{state}", language)] * len(own),
            "customdata": [[s.reason or "", s.started_at.astimezone(tz).strftime("%H:%M"),
                            s.ended_at.astimezone(tz).strftime("%H:%M")] for s in own],
            "hovertemplate": "%{y} %{customdata[0]}<br>%{customdata[1]}–%{customdata[2]}<extra></extra>"})
    return fig


def trend_figure(points: list, title: str, language: str, percent: bool) -> dict:
    """The agent's daily value against the team median; gaps where there is no value."""
    scale = 100 if percent else 1

    def values(attribute: str) -> list:
        return [None if getattr(p, attribute) is None else getattr(p, attribute) * scale for p in points]

    x = [p.day.isoformat() for p in points]
    fig = _figure(title, 260, xaxis={"type": "date", "tickformat": "%m-%d"}, legend={"orientation": "h", "y": -0.3},
                  yaxis={"ticksuffix": "%" if percent else "", "rangemode": "tozero"})
    fig["data"] = [
        {"type": "scatter", "x": x, "y": values("agent"), "name": t("drill.fig.agent", language),
         "mode": "lines+markers", "line": {"color": ANSWERED}},
        {"type": "scatter", "x": x, "y": values("team_median"), "name": t("drill.fig.team_median", language),
         "mode": "lines+markers", "line": {"color": LINE, "dash": "dash"}}]
    return fig
