"""``/agents/<agent_id>``: the day's states, the agent's contacts (paged on the server), trends, comments."""

from __future__ import annotations

from datetime import date, datetime, timezone

import dash
import dash_ag_grid as dag
from dash import Input, Output, State, dcc, html
from sqlalchemy import Engine

from dashboard import context, ids
from dashboard.auth import require_role
from dashboard.i18n import format as fmt
from dashboard.i18n import pick_language, t
from dashboard.metrics.windows import site_day
from dashboard.pages.drill import filters_of, query_of, register_filter_callback
from dashboard.records import KNOWN_CHANNELS
from dashboard.settings import Settings
from dashboard.store.db import session_scope
from dashboard.usecases.agent_detail import PAGE_ROWS, agent_detail, contact_rows
from layouts.figures import timeline_figure, trend_figure
from layouts.filters import filter_bar
from layouts.tables import contact_column_defs, kpi_text
from layouts.tiles import figure_block

PAGE = "agent"
SUMMARY = ("contacts_handled", "aht_seconds", "acw_share", "occupancy", "utilization", "fcr", "transfer_rate",
           "csat", "nps", "aux_seconds")
dash.register_page(__name__, path_template="/agents/<agent_id>", name="Agent", title="ccpulse · agent",
                   description="Agent")


def layout(agent_id: str | None = None, lang: str | None = None, **query) -> html.Div:
    settings = context.settings()
    language = pick_language(lang, settings.language)
    filters = filters_of(query, settings)
    return html.Div(className="page page--agent", children=[
        html.H1(t("drill.agent.heading", language, name=agent_id or "")),
        filter_bar(filters, list(filters.queues or []), list(KNOWN_CHANNELS), language, PAGE),
        dcc.Store(id=ids.FILTER_QUERY, data={"query": query, "lang": language, "agent_id": agent_id}),
        html.Div(id=ids.AGENT_SUMMARY, className="tile__figures summary"),
        dcc.Graph(id=ids.AGENT_TIMELINE, config={"displaylogo": False}),
        html.H2(t("drill.agent.contacts", language)),
        dag.AgGrid(id=ids.AGENT_CONTACTS, columnDefs=contact_column_defs(language), rowModelType="infinite",
                   getRowId="params.data.id", className="ag-theme-alpine grid", style={"height": "420px"},
                   defaultColDef={"flex": 1, "minWidth": 90},
                   dashGridOptions={"cacheBlockSize": PAGE_ROWS, "maxBlocksInCache": 4, "rowBuffer": 0,
                                    "infiniteInitialRowCount": 1}),
        html.H2(t("drill.agent.trends", language)),
        html.Div(id=ids.AGENT_TRENDS, className="trends"),
        html.H2(t("drill.agent.comments", language)),
        html.Div(id=ids.AGENT_COMMENTS, className="comments"),
    ])


def agent_panels(settings: Settings, engine: Engine, query: dict, agent_id: str, language: str, now: datetime):
    """Heading figures, the day's timeline, the trend figures and the comments of one agent."""
    filters = filters_of(query, settings, now)
    today = site_day(now, settings.tz, settings.day_reset_hour)
    day = min(_date(query.get("day")) or filters.last, today)
    with session_scope(engine) as session:
        detail = agent_detail(session, settings, filters, agent_id, day, now)
    if detail is None:
        empty = html.P(t("drill.not_found", language), className="empty")
        return empty, {}, [], []
    summary = detail.summary
    figures = [figure_block(t("drill.col.team", language), detail.team or fmt.DASH),
               *[figure_block(t(f"drill.col.{k}", language), kpi_text(k, getattr(summary, k) if summary else None),
                              data_id=k) for k in SUMMARY]]
    timeline = timeline_figure(detail.segments, settings.tz, language,
                               f"{detail.name} · " + t("drill.fig.timeline", language, day=day.isoformat()))
    trends = [dcc.Graph(figure=trend_figure(points, t(f"drill.col.{name}", language), language,
                                            percent=name != "aht_seconds"), config={"displaylogo": False})
              for name, points in detail.trends.items()]
    comments = [html.Blockquote(className="comment", children=[
        html.Span(f"{c['responded_at'].astimezone(settings.tz):%Y-%m-%d %H:%M} · {c['kind'].upper()} {c['score']}"
                  f" · {c['queue'] or ''}", className="comment__meta"),
        html.P(c["comment"])]) for c in detail.comments] or [html.P(t("drill.agent.no_comments", language))]
    return figures, timeline, trends, comments


def _date(text) -> date | None:
    try:
        return date.fromisoformat(str(text)) if text else None
    except ValueError:
        return None


def contacts_block(settings: Settings, engine: Engine, query: dict, agent_id: str, request: dict,
                   now: datetime) -> dict:
    """One block of the contacts grid for AG Grid's infinite row model: rows and the total row count."""
    filters = filters_of(query, settings, now)
    start = int(request.get("startRow", 0))
    end = int(request.get("endRow", start + PAGE_ROWS))
    sort = (request.get("sortModel") or [{}])[0]
    with session_scope(engine) as session:
        rows, total = contact_rows(session, settings, filters, agent_id, start, end - start,
                                   sort.get("colId", "ended_at"), sort.get("sort", "desc") != "asc")
    return {"rowData": rows, "rowCount": total}


def register_callbacks(app: dash.Dash) -> None:
    register_filter_callback(app, PAGE)

    @app.callback(Output(ids.AGENT_SUMMARY, "children"), Output(ids.AGENT_TIMELINE, "figure"),
                  Output(ids.AGENT_TRENDS, "children"), Output(ids.AGENT_COMMENTS, "children"),
                  Input(ids.FILTER_QUERY, "data"))
    @require_role("manager")
    def refresh_agent(data):
        return agent_panels(context.settings(), context.engine(), data["query"], data["agent_id"], data["lang"],
                            datetime.now(timezone.utc))

    @app.callback(Output(ids.AGENT_CONTACTS, "getRowsResponse"), Input(ids.AGENT_CONTACTS, "getRowsRequest"),
                  State(ids.FILTER_QUERY, "data"), prevent_initial_call=True)
    @require_role("manager")
    def page_contacts(request, data):
        if not request:
            return dash.no_update
        return contacts_block(context.settings(), context.engine(), data["query"], data["agent_id"], request,
                              datetime.now(timezone.utc))

    @app.callback(Output(ids.LOCATION, "href", allow_duplicate=True), Input(ids.AGENT_CONTACTS, "cellClicked"),
                  State(ids.LOCATION, "search"), prevent_initial_call=True)
    def open_contact(cell, search):
        if not cell or cell.get("rowId") in (None, ""):
            return dash.no_update
        lang = query_of(search).get("lang")
        return f"/contacts/{cell['rowId']}" + (f"?lang={lang}" if lang else "")
