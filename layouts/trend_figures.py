"""Pure Plotly builders for the weekly trend page: a ``WeeklyReport`` and a language in, figures out."""

from __future__ import annotations

import plotly.graph_objects as go
from plotly.subplots import make_subplots

from dashboard.i18n import t
from dashboard.metrics.windows import iso_week
from layouts.theme import CHANNEL_COLOURS, COLOURS, CRITICAL, OK, PLOTLY_TEMPLATE

LINE_KPIS = ("service_level", "response_sla", "abandon_rate", "fcr", "asa_seconds", "aht_seconds", "csat", "nps")
SHARE_KPIS = {"service_level", "response_sla", "abandon_rate", "fcr", "csat"}
LINE_COLOUR, TARGET_COLOUR, BEFORE_COLOUR = "#2b6cb0", "#c53030", "#a0aec0"
HEATMAP_SCALE = [[0.0, COLOURS[CRITICAL]], [0.5, "#f6e05e"], [1.0, COLOURS[OK]]]
PNG_SIZE = {"lines": (1600, 800), "heatmap": (1200, 500), "touchpoints": (900, 500), "mix": (1000, 500),
            "topics": (1000, 500)}


def week_label(monday) -> str:
    """An ISO week as 2026-W09 (the label ``ccpulse report --by week`` prints)."""
    year, number = iso_week(monday)
    return f"{year}-W{number:02d}"


def _base(fig: go.Figure, height: int) -> go.Figure:
    fig.update_layout(template={"layout": PLOTLY_TEMPLATE["layout"]}, height=height, showlegend=True,
                      legend={"orientation": "h", "y": -0.15})
    return fig


def trend_lines_figure(report, lang: str = "en") -> go.Figure:
    """Small multiples of eight KPIs over the 13 weeks, each with its target where one is set; gaps stay gaps."""
    labels = [f"W{iso_week(w)[1]:02d}" for w in report.weeks]
    fig = make_subplots(rows=2, cols=4, subplot_titles=[t(f"trends.kpi.{k}", lang) for k in LINE_KPIS],
                        vertical_spacing=0.16, horizontal_spacing=0.06)
    for n, key in enumerate(LINE_KPIS):
        trend, row, col = report.kpi(key), n // 4 + 1, n % 4 + 1
        scale = 100 if key in SHARE_KPIS else 1
        values = [None if v is None else v * scale for v in trend.values]
        fig.add_trace(go.Scatter(x=labels, y=values, mode="lines+markers", name=t(f"trends.kpi.{key}", lang),
                                 line={"color": LINE_COLOUR, "width": 2}, connectgaps=False, showlegend=False,
                                 hovertemplate="%{x}: %{y:.1f}<extra></extra>"), row=row, col=col)
        if trend.target is not None:
            fig.add_trace(go.Scatter(x=labels, y=[trend.target * scale] * len(labels), mode="lines",
                                     name=t("trends.chart.target", lang), showlegend=n == 0,
                                     line={"color": TARGET_COLOUR, "dash": "dash", "width": 1.5}),
                          row=row, col=col)
        if key in SHARE_KPIS:
            fig.update_yaxes(ticksuffix="%", row=row, col=col)
        elif key.endswith("_seconds"):
            fig.update_yaxes(ticksuffix=" s", row=row, col=col)
    fig.update_xaxes(tickangle=0, nticks=7)
    return _base(fig, 560)


def heatmap_figure(report, lang: str = "en") -> go.Figure:
    """Service level of the picked week per weekday (rows) and hour (columns); empty cells stay blank."""
    value = report.kpi("service_level").kpi.value
    rows = [[value(report.breakdown.cells_this[(day, hour)]) if (day, hour) in report.breakdown.cells_this
             else None for hour in range(24)] for day in range(7)]
    z = [[None if v is None else round(100 * v, 1) for v in row] for row in rows]
    fig = go.Figure(go.Heatmap(
        z=z, x=[f"{h:02d}" for h in range(24)], y=[t(f"trends.weekday_short.{d}", lang) for d in range(7)],
        zmin=50, zmax=100, colorscale=HEATMAP_SCALE, xgap=2, ygap=2, hoverongaps=False,
        colorbar={"ticksuffix": "%", "title": {"text": "SL"}},
        hovertemplate="%{y} %{x}h: %{z:.1f}%<extra></extra>"))
    fig.update_yaxes(autorange="reversed")
    fig.update_xaxes(title={"text": t("trends.chart.hour", lang)})
    return _base(fig, 360)


def touchpoint_figure(report, lang: str = "en") -> go.Figure:
    """Share of customers with 1, 2, 3 and 4+ touchpoints: this week against twelve weeks earlier."""
    buckets = ("1", "2", "3", "4+")
    fig = go.Figure()
    for name, journey, colour in ((t("trends.chart.weeks_before", lang), report.touchpoints_before, BEFORE_COLOUR),
                                  (t("trends.chart.this_week", lang), report.touchpoints_this, LINE_COLOUR)):
        shares = [None if journey.shares[b] is None else 100 * journey.shares[b] for b in buckets]
        fig.add_trace(go.Bar(x=list(buckets), y=shares, name=name, marker_color=colour,
                             text=[f"{s:.0f}%" if s is not None else "" for s in shares], textposition="outside"))
    fig.update_layout(barmode="group")
    fig.update_yaxes(ticksuffix="%", title={"text": t("trends.chart.customers", lang)})
    fig.update_xaxes(title={"text": t("trends.chart.touchpoints", lang)})
    return _base(fig, 360)


def channel_mix_figure(report, lang: str = "en") -> go.Figure:
    """Each channel's share of contacts per week over the 13 weeks (stacked to 100 %)."""
    labels = [f"W{iso_week(w)[1]:02d}" for w in report.weeks]
    fig = go.Figure()
    for channel in report.channels:
        values = report.kpi(f"contacts.{channel}").values
        fig.add_trace(go.Scatter(x=labels, y=[v or 0 for v in values], name=t(f"channel.{channel}", lang),
                                 stackgroup="mix", groupnorm="percent", mode="lines",
                                 line={"color": CHANNEL_COLOURS.get(channel, BEFORE_COLOUR), "width": 0.5}))
    fig.update_yaxes(ticksuffix="%", range=[0, 100], title={"text": t("trends.chart.share", lang)})
    return _base(fig, 360)


def topics_figure(report, lang: str = "en") -> go.Figure:
    """The week's top topics by contacts, each labelled with its repeat-contact rate."""
    topics = list(reversed(report.topics))
    fig = go.Figure(go.Bar(
        y=[tp.topic for tp in topics], x=[tp.contacts for tp in topics], orientation="h",
        marker_color=LINE_COLOUR, name=t("trends.chart.contacts", lang),
        text=[f"{tp.contacts:,} · {t('trends.chart.repeat_rate', lang)} "
              f"{'–' if tp.repeat_rate is None else f'{100 * tp.repeat_rate:.0f}%'}" for tp in topics],
        textposition="auto"))
    fig.update_xaxes(title={"text": t("trends.chart.contacts", lang)})
    fig = _base(fig, 360)
    fig.update_layout(showlegend=False)
    return fig


FIGURES = {"lines": trend_lines_figure, "heatmap": heatmap_figure, "touchpoints": touchpoint_figure,
           "mix": channel_mix_figure, "topics": topics_figure}
