"""Plotly figures for the drill-down pages: values in, figures out, on the theme's template."""

from __future__ import annotations

from datetime import tzinfo

import plotly.graph_objects as go

from dashboard.i18n import t
from layouts.theme import CHANNEL_COLOURS, COLOURS, PLOTLY_TEMPLATE, STATE_COLOURS

TEMPLATE = go.layout.Template(PLOTLY_TEMPLATE)
ANSWERED, OFFERED, LINE = CHANNEL_COLOURS["voice"], "#c5d3e2", "#1c2430"


def _local(points, tz: tzinfo) -> list:
    return [p.start.astimezone(tz).replace(tzinfo=None) for p in points]


def intraday_figure(points: list, target: float | None, tz: tzinfo, language: str, title: str) -> go.Figure:
    """Offered and answered bars per 15 minutes; service level (%) against its target and ASA on the right."""
    x = _local(points, tz)
    fig = go.Figure(layout={"template": TEMPLATE, "title": title, "barmode": "overlay", "height": 340,
                            "legend": {"orientation": "h", "y": -0.18},
                            "yaxis": {"title": t("drill.fig.contacts", language), "rangemode": "tozero"},
                            "yaxis2": {"overlaying": "y", "side": "right", "range": [0, 105],
                                       "ticksuffix": "%", "showgrid": False}})
    fig.add_bar(x=x, y=[p.offered for p in points], name=t("drill.fig.offered", language), marker_color=OFFERED)
    fig.add_bar(x=x, y=[p.answered for p in points], name=t("drill.fig.answered", language), marker_color=ANSWERED,
                width=900_000 * 0.6)
    if target is not None:
        fig.add_scatter(x=x, y=[None if p.service_level is None else p.service_level * 100 for p in points],
                        name=t("drill.fig.service_level", language), yaxis="y2", mode="lines+markers",
                        line={"color": COLOURS["ok"]}, connectgaps=False)
        fig.add_scatter(x=[x[0], x[-1]] if x else [], y=[target * 100] * (2 if x else 0), yaxis="y2",
                        name=t("drill.fig.target", language), mode="lines",
                        line={"color": COLOURS["critical"], "dash": "dash"})
    fig.add_scatter(x=x, y=[p.asa_seconds for p in points], name=t("drill.fig.asa", language), mode="lines",
                    line={"color": LINE, "dash": "dot"}, yaxis="y3")
    fig.update_layout(yaxis3={"overlaying": "y", "side": "right", "anchor": "free", "autoshift": True,
                              "showgrid": False, "title": t("drill.fig.asa", language), "rangemode": "tozero"})
    return fig


def staffing_figure(points: list, tz: tzinfo, language: str, title: str) -> go.Figure:
    """Erlang C required agents (steps) against agents staffed per 15 minutes."""
    x = _local(points, tz)
    fig = go.Figure(layout={"template": TEMPLATE, "title": title, "height": 300,
                            "legend": {"orientation": "h", "y": -0.2}, "yaxis": {"rangemode": "tozero"}})
    fig.add_bar(x=x, y=[p.staffed_agents for p in points], name=t("drill.fig.staffed", language),
                marker_color="#9fb7d1")
    fig.add_scatter(x=x, y=[p.required_agents for p in points], name=t("drill.fig.required", language),
                    mode="lines", line={"shape": "hv", "color": COLOURS["critical"], "width": 2})
    return fig


def timeline_figure(segments: list, tz: tzinfo, language: str, title: str) -> go.Figure:
    """A Gantt of the day's states: one row per state, bars from start to end, the aux reason on hover."""
    fig = go.Figure(layout={"template": TEMPLATE, "title": title, "height": 260, "barmode": "overlay",
                            "showlegend": False, "xaxis": {"type": "date"},
                            "yaxis": {"automargin": True}, "margin": {"l": 130}})
    for state in STATE_COLOURS:
        own = [s for s in segments if s.state == state]
        if not own:
            continue
        fig.add_bar(
            base=[s.started_at.astimezone(tz).replace(tzinfo=None).isoformat() for s in own],
            x=[(s.ended_at - s.started_at).total_seconds() * 1000 for s in own],
            y=[t(f"state.{state}", language)] * len(own), orientation="h", marker_color=STATE_COLOURS[state],
            customdata=[[s.reason or "", s.started_at.astimezone(tz).strftime("%H:%M"),
                         s.ended_at.astimezone(tz).strftime("%H:%M")] for s in own],
            hovertemplate="%{y} %{customdata[0]}<br>%{customdata[1]}–%{customdata[2]}<extra></extra>",
            name=t(f"state.{state}", language))
    return fig


def trend_figure(points: list, title: str, language: str, percent: bool) -> go.Figure:
    """The agent's daily value against the team median; gaps where there is no value."""
    scale = 100 if percent else 1

    def values(attribute: str) -> list:
        return [None if getattr(p, attribute) is None else getattr(p, attribute) * scale for p in points]

    x = [p.day.isoformat() for p in points]
    fig = go.Figure(layout={"template": TEMPLATE, "title": title, "height": 240,
                            "legend": {"orientation": "h", "y": -0.3},
                            "xaxis": {"type": "category"},
                            "yaxis": {"ticksuffix": "%" if percent else "", "rangemode": "tozero"}})
    fig.add_scatter(x=x, y=values("agent"), name=t("drill.fig.agent", language), mode="lines+markers",
                    line={"color": ANSWERED})
    fig.add_scatter(x=x, y=values("team_median"), name=t("drill.fig.team_median", language), mode="lines+markers",
                    line={"color": LINE, "dash": "dash"})
    return fig
