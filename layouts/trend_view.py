"""Pure view builders of the weekly trend page: KPI cards with sparklines, the summary, sections."""

from __future__ import annotations

from urllib.parse import quote

from dash import dcc, html

from dashboard.i18n import t
from dashboard.i18n.weekly_format import kpi_change, kpi_value
from dashboard.metrics.weekly import FLAT

SPARK_W, SPARK_H = 120, 32


def arrow(delta: float | None, verdict: str | None) -> str:
    """▲ for a rise, ▼ for a fall, → for no change, ○ when unknown: the direction, whatever the colour."""
    if delta is None or verdict is None:
        return "○"
    if verdict == FLAT or delta == 0:
        return "→"
    return "▲" if delta > 0 else "▼"


def sparkline(values, colour: str = "#2b6cb0") -> str:
    """A tiny SVG line of ``values`` (None leaves a gap) as a data URI; the last point is marked."""
    known = [v for v in values if v is not None]
    if not known:
        return ""
    low, high = min(known), max(known)
    span = (high - low) or 1.0
    step = SPARK_W / max(1, len(values) - 1)
    points, paths = [], []
    for n, value in enumerate(values):
        if value is None:
            if points:
                paths.append(points)
            points = []
            continue
        points.append(f"{n * step:.1f},{SPARK_H - 3 - (value - low) / span * (SPARK_H - 6):.1f}")
    if points:
        paths.append(points)
    lines = "".join(f'<polyline fill="none" stroke="{colour}" stroke-width="1.6" points="{" ".join(p)}"/>'
                    for p in paths)
    dot = ""
    if values[-1] is not None:
        x, y = paths[-1][-1].split(",")
        dot = f'<circle cx="{x}" cy="{y}" r="2.6" fill="{colour}"/>'
    svg = (f'<svg xmlns="http://www.w3.org/2000/svg" width="{SPARK_W}" height="{SPARK_H}" '
           f'viewBox="-3 0 {SPARK_W + 6} {SPARK_H}">{lines}{dot}</svg>')
    return "data:image/svg+xml;utf8," + quote(svg)


def kpi_label(key: str, lang: str) -> str:
    if key.startswith("contacts.") and f"trends.kpi.{key}" not in _known():
        return t("trends.kpi.contacts.other", lang, channel=key.split(".", 1)[1])
    return t(f"trends.kpi.{key}", lang)


def _known():
    from dashboard.i18n import catalog

    return catalog()


def kpi_card(trend, lang: str, provisional: bool = False) -> html.Div:
    """One KPI: this week's value, the change with an arrow and words (never colour alone), last week,
    the target when set and a 13-week sparkline."""
    kpi, verdict = trend.kpi, trend.verdict
    value = kpi_value(kpi.kind, trend.this) + ("*" if provisional and trend.this is not None else "")
    hint = t(f"trends.hint.{kpi.key}", lang) if f"trends.hint.{kpi.key}" in _known() else None
    spark = sparkline(trend.values)
    return html.Div(className=f"kpi kpi--{verdict or 'none'}", **{"data-kpi": kpi.key}, children=[
        html.Div(kpi_label(kpi.key, lang), className="kpi__label"),
        html.Div(value, className="kpi__value", **{"data-value": kpi.key}),
        html.Div(className="kpi__change", **{"data-change": kpi.key}, children=[
            html.Span(arrow(trend.change, verdict), className="kpi__arrow", **{"aria-hidden": "true"}),
            html.Span(kpi_change(kpi.kind, trend.change, lang), className="kpi__delta"),
            html.Span(t(f"trends.verdict.{verdict}", lang) if verdict else "", className="kpi__verdict"),
        ]),
        html.Div(t("trends.last_value", lang, value=kpi_value(kpi.kind, trend.last)), className="kpi__last"),
        html.Div(t("trends.target", lang, value=kpi_value(kpi.kind, trend.target)), className="kpi__target")
        if trend.target is not None else None,
        html.Img(src=spark, className="kpi__spark", alt=t("trends.sparkline", lang)) if spark else None,
        html.Div(hint, className="kpi__hint") if hint else None,
    ])


def summary_panel(sentences: list[str], lang: str) -> html.Div:
    return html.Div(className="trends-summary", children=[
        html.H2(t("trends.summary.heading", lang)),
        html.Ol([html.Li(s) for s in sentences], className="trends-summary__list"),
    ])


def section(title: str, children, name: str) -> html.Section:
    """One printed page: a titled block that starts a new landscape page in the PDF."""
    return html.Section(className=f"trends-section trends-section--{name}", **{"data-section": name},
                        children=[html.H2(title, className="trends-section__title"), *children])


def chart(figure, graph_id: str, filename: str) -> dcc.Graph:
    """A figure with Plotly's own "download as PNG" button named for the chart and week."""
    return dcc.Graph(id=graph_id, figure=figure, className="trends-chart",
                     config={"displaylogo": False, "toImageButtonOptions": {"format": "png", "filename": filename},
                             "modeBarButtonsToRemove": ["lasso2d", "select2d"]})
