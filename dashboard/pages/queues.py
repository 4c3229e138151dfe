"""``/queues``: every queue's KPIs for today and the range, one queue's intraday chart and its staffing."""

from __future__ import annotations

from datetime import datetime, timezone
from urllib.parse import urlencode

import dash
from dash import Input, Output, State, dcc, html
from sqlalchemy import Engine

from dashboard import context, ids
from dashboard.auth import require_role
from dashboard.i18n import t
from dashboard.metrics.windows import site_day
from dashboard.pages.drill import extras, filters_of, query_of, range_header, register_filter_callback
from dashboard.settings import Settings
from dashboard.store import read
from dashboard.store.db import session_scope
from dashboard.usecases.filters import to_query
from dashboard.usecases.queue_overview import intraday, queue_rows
from layouts.figures import intraday_figure, staffing_figure
from layouts.tables import queue_table

PAGE = "queues"
dash.register_page(__name__, path="/queues", name="Queues", title="ccpulse · queues", description="Queues")


def layout(lang: str | None = None, **query) -> html.Div:
    language, _filters, queues, header = range_header(PAGE, "drill.queues.heading", lang, query)
    return html.Div(className="page page--queues", children=[
        *header,
        dcc.Loading(html.Div(id=ids.QUEUES_TABLE, className="panel panel--table")),
        html.Div(className="panel", children=[
            html.Label([t("drill.queues.focus", language),
                        dcc.Dropdown(id=ids.QUEUES_FOCUS, value=query.get("focus"), clearable=False,
                                     options=[{"label": q, "value": q} for q in queues])],
                       className="focus"),
            dcc.Graph(id=ids.QUEUES_INTRADAY, config={"displaylogo": False}),
            html.Div(id=ids.QUEUES_GAP, className="gap"),
            dcc.Graph(id=ids.QUEUES_STAFFING, config={"displaylogo": False}),
        ]),
    ])


def queues_table(settings: Settings, engine: Engine, query: dict, language: str, now: datetime):
    """The KPI table of every queue (the filters narrow it); each queue links to its agents."""
    filters = filters_of(query, settings, now)
    with session_scope(engine) as session:
        rows = queue_rows(session, settings, filters, now)
    if not rows:
        return html.P(t("drill.no_data", language), className="empty")

    def agents_href(queue: str) -> str:
        keep = {k: v for k, v in query.items() if k in ("range", "from", "to", "lang")}
        return "/agents?" + urlencode({**keep, "queue": queue})

    return queue_table(rows, agents_href, language)


def queue_intraday(settings: Settings, engine: Engine, query: dict, language: str, now: datetime):
    """The focus queue's intraday figure, staffing figure and gap text for the range's last day (≤ today),
    and the queue they are for (the first with contacts in the range when none was chosen; "": none)."""
    filters = filters_of(query, settings, now)
    day = min(filters.last, site_day(now, settings.tz, settings.day_reset_hour))
    window = filters.window(settings.tz, settings.day_reset_hour)
    with session_scope(engine) as session:
        channels = {q: c for q, c in read.queue_channels(session, window.start, window.end).items()
                    if (filters.queues is None or q in filters.queues)
                    and (filters.channels is None or c in filters.channels)}
        if not channels:
            return {}, {}, t("drill.no_data", language), ""
        queue = query.get("focus") if query.get("focus") in channels else next(iter(channels))
        data = intraday(session, settings, queue, channels[queue], day, now)
    name = settings.queue(queue, channels[queue]).display_name or queue
    title = t("drill.queues.intraday", language, queue=name, day=day.isoformat())
    target = None if data.asynchronous else data.target
    intraday_fig = intraday_figure(data.points, target, settings.tz, language, title)
    if data.asynchronous:
        return intraday_fig, {}, t("drill.queues.async_staffing", language), queue
    staffing = staffing_figure(data.points, settings.tz, language, t("drill.queues.staffing", language))
    if data.gap_now is None:
        return intraday_fig, staffing, t("drill.queues.gap_past", language), queue
    gap = t("drill.queues.gap_now", language, gap=f"{data.gap_now:+d}", required=data.required_now,
            staffed=data.staffed_now)
    return intraday_fig, staffing, gap, queue


def register_callbacks(app: dash.Dash) -> None:
    register_filter_callback(app, PAGE)

    @app.callback(Output(ids.QUEUES_TABLE, "children"), Input(ids.FILTER_QUERY, "data"))
    @require_role("manager", "supervisor")
    def refresh_queue_table(data):
        return queues_table(context.settings(), context.engine(), data["query"], data["lang"],
                            datetime.now(timezone.utc))

    @app.callback(Output(ids.QUEUES_INTRADAY, "figure"), Output(ids.QUEUES_STAFFING, "figure"),
                  Output(ids.QUEUES_GAP, "children"), Output(ids.QUEUES_FOCUS, "placeholder"),
                  Input(ids.FILTER_QUERY, "data"))
    @require_role("manager", "supervisor")
    def refresh_intraday(data):
        # the queue shown stands in the empty selector, which would otherwise say nothing of it
        return queue_intraday(context.settings(), context.engine(), data["query"], data["lang"],
                              datetime.now(timezone.utc))

    @app.callback(Output(ids.LOCATION, "search", allow_duplicate=True), Input(ids.QUEUES_FOCUS, "value"),
                  State(ids.LOCATION, "search"), prevent_initial_call=True)
    def focus_queue(queue, search):
        settings = context.settings()
        filters = filters_of(query_of(search), settings)
        return to_query(filters, **{**extras(search), "focus": queue})

