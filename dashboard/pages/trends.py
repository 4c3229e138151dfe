"""``/trends``: the executive week against last week and the twelve before, read in one minute.

``?week=YYYY-MM-DD`` (any day of the ISO week; default the latest complete week)
and ``?lang=``. Exports: ``/trends/export.pdf``, ``/trends/chart.png?chart=...``
and the KPI table as CSV through a download button.
"""

from __future__ import annotations

from datetime import date, datetime, timezone

import dash
from dash import Input, Output, State, dcc, html
from flask import Response, request
from itsdangerous import BadSignature, URLSafeTimedSerializer
from werkzeug.exceptions import BadRequest, HTTPException

from dashboard import auth, context, ids
from dashboard.i18n import pick_language, t
from dashboard.metrics.windows import week_start
from dashboard.store.db import session_scope
from dashboard.usecases import trend_export
from dashboard.usecases.trend_summary import summary_sentences
from dashboard.usecases.weekly_trends import WeeklyReport, available_weeks, latest_complete_week, weekly_report
from layouts import trend_figures as figures
from layouts.trend_view import chart, kpi_card, section, summary_panel

dash.register_page(__name__, path="/trends", name="Trends", title="ccpulse · trends",
                   description="Executive weekly trends")

ROLES = ("executive", "manager")
PRINT_TOKEN_SECONDS = 120
CHARTS = (("heatmap", ids.TRENDS_HEATMAP), ("touchpoints", ids.TRENDS_TOUCHPOINTS), ("mix", ids.TRENDS_MIX),
          ("topics", ids.TRENDS_TOPICS))


def _signer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(context.settings().secret_key, salt="ccpulse-trends-print")


def _allowed(token: str | None) -> bool:
    """The viewer's role may see trends, or the request is the PDF renderer's, carrying a fresh token."""
    if token:
        try:
            _signer().loads(token, max_age=PRINT_TOKEN_SECONDS)
            return True
        except BadSignature:
            return False
    try:
        auth.check_role(ROLES)
        return True
    except HTTPException:
        return False


def pick_week(requested: str | None, weeks: list[date], now: datetime) -> date:
    """The requested week when it is a valid date, else the latest complete week (or the newest stored)."""
    if requested:
        try:
            return week_start(date.fromisoformat(requested))
        except ValueError:
            pass
    return _default_week(weeks, now)


def _default_week(weeks: list[date], now: datetime) -> date:
    settings = context.settings()
    complete = latest_complete_week(now, settings.tz, settings.day_reset_hour)
    return complete if not weeks or complete in weeks else weeks[0]


def build_report(week: date, now: datetime) -> WeeklyReport:
    settings = context.settings()
    with session_scope(context.engine()) as session:
        return weekly_report(session, settings, week, now)


def _status(report: WeeklyReport, language: str) -> list:
    notes = []
    if not report.has_data:
        notes.append(t("trends.no_data", language))
    elif report.days_elapsed < 7:
        notes.append(t("trends.in_progress", language, days=report.days_elapsed))
    if report.has_data and report.fcr_provisional:
        notes.append(t("trends.fcr_provisional", language))
    return [html.Div(note, className="status trends-status", **{"data-status": "note"}) for note in notes]


def trends_body(week: date, language: str, now: datetime | None = None) -> list:
    """Everything below the header for ``week``: status, summary, cards, then the chart sections."""
    report = build_report(week, now or datetime.now(timezone.utc))
    label = figures.week_label(report.week)
    cards = [kpi_card(tr, language, provisional=tr.kpi.key == "fcr" and report.fcr_provisional)
             for tr in report.kpis]
    graphs = {name: chart(figures.FIGURES[name](report, language), graph_id, f"ccpulse-{label}-{name}")
              for name, graph_id in (("lines", ids.TRENDS_LINES), *CHARTS)}
    return [
        section(t("trends.section.kpis", language), [
            html.Div(_week_options([report.week], language)[0]["label"], className="trends-weekline"),
            *_status(report, language), summary_panel(summary_sentences(report, language), language),
            html.Div(cards, className="kpis")], "kpis"),
        section(t("trends.section.lines", language), [graphs["lines"]], "lines"),
        section(t("trends.section.heatmap", language) + " · " + t("trends.section.touchpoints", language),
                [html.Div([graphs["heatmap"], graphs["touchpoints"]], className="trends-pair")], "week"),
        section(t("trends.section.mix", language) + " · " + t("trends.section.topics", language),
                [html.Div([graphs["mix"], graphs["topics"]], className="trends-pair")], "mix"),
    ]


def _week_options(weeks: list[date], language: str) -> list[dict]:
    return [{"label": t("trends.week_option", language, label=figures.week_label(w), first=w.strftime("%d %b"),
                        last=date.fromordinal(w.toordinal() + 6).strftime("%d %b %Y")), "value": w.isoformat()}
            for w in weeks]


def export_links(week: date, language: str) -> list:
    query = f"week={week.isoformat()}&lang={language}"
    return [html.A(t("trends.export.pdf", language), id=ids.TRENDS_PDF, href=f"/trends/export.pdf?{query}",
                   className="button", target="_blank"),
            html.Button(t("trends.export.csv", language), id=ids.TRENDS_CSV, className="button"),
            html.Span([t("trends.export.png", language), ": ",
                       *[html.A(name, href=f"/trends/chart.png?chart={name}&{query}", className="trends-png",
                                target="_blank") for name in figures.FIGURES]], id=ids.TRENDS_PNG)]


def layout(week: str | None = None, lang: str | None = None, token: str | None = None, **_query) -> html.Div:
    settings = context.settings()
    language = pick_language(lang, settings.language)
    if not _allowed(token):
        return html.Div(html.P(t("trends.forbidden", language), className="empty"), className="page")
    now = datetime.now(timezone.utc)
    with session_scope(context.engine()) as session:
        weeks = available_weeks(session, settings, now)
    if not weeks:
        return html.Div([html.H1(t("trends.title", language)),
                         html.P(t("trends.no_history", language), className="empty")], className="page page--trends")
    picked = pick_week(week, weeks, now)
    return html.Div(className="page page--trends", children=[
        dcc.Store(id=ids.TRENDS_LANGUAGE, data=language),
        dcc.Download(id=ids.TRENDS_CSV_DOWNLOAD),
        html.Div(className="trends-header", children=[
            html.H1(t("trends.title", language)),
            html.Label([t("trends.week", language),
                        dcc.Dropdown(id=ids.TRENDS_WEEK, options=_week_options(weeks, language),
                                     value=picked.isoformat(), clearable=False, className="trends-week")],
                       className="trends-picker"),
            html.Div(export_links(picked, language), className=ids.TRENDS_EXPORTS, id=ids.TRENDS_EXPORTS),
        ]),
        html.Div(trends_body(picked, language, now), id=ids.TRENDS_BODY),
    ])


@auth.require_role(*ROLES)
def refresh_trends(week: str, language: str) -> tuple[list, list]:
    """The picked week's body and export links."""
    picked = week_start(date.fromisoformat(week))
    return trends_body(picked, language), export_links(picked, language)


@auth.require_role(*ROLES)
def download_csv(week: str, language: str) -> dict:
    """The KPI table of the picked week, the figures the cards show."""
    report = build_report(week_start(date.fromisoformat(week)), datetime.now(timezone.utc))
    return dcc.send_string(trend_export.kpi_csv(report, language),
                           f"ccpulse-kpis-{figures.week_label(report.week)}.csv")


def _requested_week() -> tuple[date, str]:
    try:
        week = week_start(date.fromisoformat(request.args.get("week", "")))
    except ValueError:
        raise BadRequest("week must be a date YYYY-MM-DD") from None
    return week, pick_language(request.args.get("lang"), context.settings().language)


def export_pdf() -> Response:
    """The page printed to PDF, one landscape page per section."""
    auth.check_role(ROLES)
    week, language = _requested_week()
    token = _signer().dumps("print")
    url = f"{request.host_url}trends?week={week.isoformat()}&lang={language}&token={token}"
    pdf = trend_export.render_pdf(url)
    return Response(pdf, mimetype="application/pdf", headers={
        "Content-Disposition": f'attachment; filename="ccpulse-trends-{figures.week_label(week)}.pdf"'})


def export_png() -> Response:
    """One chart of the picked week as PNG (Plotly's static export)."""
    auth.check_role(ROLES)
    week, language = _requested_week()
    name = request.args.get("chart", "lines")
    if name not in figures.FIGURES:
        raise BadRequest(f"chart must be one of {', '.join(figures.FIGURES)}")
    png = trend_export.chart_png(build_report(week, datetime.now(timezone.utc)), name, language)
    return Response(png, mimetype="image/png", headers={
        "Content-Disposition": f'attachment; filename="ccpulse-{figures.week_label(week)}-{name}.png"'})


def register_callbacks(app: dash.Dash) -> None:
    app.server.add_url_rule("/trends/export.pdf", "trends_export_pdf", export_pdf)
    app.server.add_url_rule("/trends/chart.png", "trends_export_png", export_png)

    @app.callback(Output(ids.TRENDS_BODY, "children"), Output(ids.TRENDS_EXPORTS, "children"),
                  Input(ids.TRENDS_WEEK, "value"), State(ids.TRENDS_LANGUAGE, "data"), prevent_initial_call=True)
    def refresh(week, language):
        return refresh_trends(week, language)

    @app.callback(Output(ids.TRENDS_CSV_DOWNLOAD, "data"), Input(ids.TRENDS_CSV, "n_clicks"),
                  State(ids.TRENDS_WEEK, "value"), State(ids.TRENDS_LANGUAGE, "data"), prevent_initial_call=True)
    def csv_download(_clicks, week, language):
        return download_csv(week, language)
