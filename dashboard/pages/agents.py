"""``/agents``: a grid of agents over the range and the queue/channel filter; a row opens the agent."""

from __future__ import annotations

from datetime import datetime, timezone
from urllib.parse import urlencode

import dash
import dash_ag_grid as dag
from dash import Input, Output, State, dcc, html
from sqlalchemy import Engine

from dashboard import context, ids
from dashboard.auth import require_role
from dashboard.i18n import t
from dashboard.pages.drill import extras, filters_of, query_of, range_header, register_filter_callback
from dashboard.settings import Settings
from dashboard.store.db import session_scope
from dashboard.usecases.agent_table import COLUMNS, DEFAULT_COLUMNS, agent_lines, aux_reasons, grid_rows
from dashboard.usecases.filters import to_query
from layouts.tables import PERCENT_KEYS, agent_column_defs

PAGE = "agents"
dash.register_page(__name__, path="/agents", name="Agents", title="ccpulse · agents", description="Agents")


def chosen_columns(query: dict) -> list[str]:
    """The columns named in ``?cols=`` (aux reasons as ``aux:<reason>``), else the default set."""
    named = [c for c in str(query.get("cols") or "").split(",") if c in COLUMNS or c.startswith("aux:")]
    return named or list(DEFAULT_COLUMNS)


def layout(lang: str | None = None, **query) -> html.Div:
    language, _filters, _queues, header = range_header(PAGE, "drill.agents.heading", lang, query)
    return html.Div(className="page page--agents", children=[
        *header,
        html.Div(className="grid-tools", children=[
            html.Label([t("drill.agents.columns", language), dcc.Dropdown(
                id=ids.AGENTS_COLUMNS, multi=True, value=chosen_columns(query), className="grid-tools__columns",
                options=[{"label": t(f"drill.col.{c}", language), "value": c} for c in COLUMNS])]),
            html.Button(t("drill.agents.export", language), id=ids.AGENTS_EXPORT, className="button"),
            html.Span(t("drill.agents.hint", language), className="hint"),
        ]),
        dag.AgGrid(id=ids.AGENTS_GRID, rowData=[], columnDefs=[], className="ag-theme-alpine grid",
                   getRowId="params.data.agent_id", style={"height": "640px"},
                   defaultColDef={"filter": True, "floatingFilter": True, "minWidth": 90, "flex": 1},
                   dashGridOptions={"animateRows": False, "rowSelection": "single"},
                   csvExportParams={"fileName": "ccpulse-agents.csv"}),
    ])


def agents_grid(settings: Settings, engine: Engine, query: dict, language: str, now: datetime):
    """The grid's rows and column definitions: rates in percent (one decimal), durations in whole seconds."""
    filters = filters_of(query, settings, now)
    with session_scope(engine) as session:
        lines = agent_lines(session, settings, filters, now)
    rows = [_rounded(row) for row in grid_rows(lines)]
    fields = list(COLUMNS) + [f"aux:{r}" for r in aux_reasons(lines)]
    return rows, agent_column_defs(fields, chosen_columns(query), language)


def _rounded(row: dict) -> dict:
    out = {}
    for key, value in row.items():
        if value is None or isinstance(value, str):
            out[key] = value
        elif key in PERCENT_KEYS:
            out[key] = round(value * 100, 1)
        elif isinstance(value, float):
            out[key] = round(value)
        else:
            out[key] = value
    return out


def register_callbacks(app: dash.Dash) -> None:
    register_filter_callback(app, PAGE)

    @app.callback(Output(ids.AGENTS_GRID, "rowData"), Output(ids.AGENTS_GRID, "columnDefs"),
                  Input(ids.FILTER_QUERY, "data"))
    @require_role("manager")
    def refresh_agents(data):
        return agents_grid(context.settings(), context.engine(), data["query"], data["lang"],
                           datetime.now(timezone.utc))

    @app.callback(Output(ids.LOCATION, "search", allow_duplicate=True), Input(ids.AGENTS_COLUMNS, "value"),
                  State(ids.LOCATION, "search"), prevent_initial_call=True)
    def choose_columns(columns, search):
        filters = filters_of(query_of(search), context.settings())
        return to_query(filters, **{**extras(search), "cols": ",".join(columns or [])})

    @app.callback(Output(ids.AGENTS_GRID, "exportDataAsCsv"), Input(ids.AGENTS_EXPORT, "n_clicks"),
                  prevent_initial_call=True)
    def export_agents(_clicks):
        return True

    @app.callback(Output(ids.LOCATION, "href", allow_duplicate=True), Input(ids.AGENTS_GRID, "cellClicked"),
                  State(ids.LOCATION, "search"), prevent_initial_call=True)
    def open_agent(cell, search):
        if not cell or not cell.get("rowId"):
            return dash.no_update
        keep = {k: v for k, v in query_of(search).items() if k in ("range", "from", "to", "queue", "channel", "lang")}
        return f"/agents/{cell['rowId']}" + ("?" + urlencode(keep, safe=",") if keep else "")
