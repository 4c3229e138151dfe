"""Tables for the drill-down pages: the queues' KPI table and the column definitions of the AG grids."""

from __future__ import annotations

from dash import dcc, html

from dashboard.i18n import format as fmt
from dashboard.i18n import t

PERCENT_KEYS = ("service_level", "abandon_rate", "fcr", "transfer_rate", "csat", "response_sla",
                "acw_share", "occupancy", "utilization")
SECONDS_KEYS = ("asa_seconds", "aht_seconds", "aux_seconds", "wait_seconds", "handle_seconds")
QUEUE_KPIS = ("offered", "answered", "service_level", "asa_seconds", "abandon_rate", "aht_seconds", "fcr",
              "transfer_rate", "csat", "response_sla")
DASH_JS = f"'{fmt.DASH}'"
PERCENT_JS = {"function": f"params.value == null ? {DASH_JS} : d3.format('.1f')(params.value) + '%'"}
SECONDS_JS = {"function": "ccDuration(params.value)"}  # assets/drilldown_grid.js
NUMBER_JS = {"function": f"params.value == null ? {DASH_JS} : d3.format(',')(params.value)"}
BOOL_JS = {"function": f"params.value == null ? {DASH_JS} : (params.value ? '✔' : '·')"}


def kpi_text(key: str, value) -> str:
    """One KPI as text: rates as percents, durations as m:ss, counts with separators; None → a dash."""
    if key in PERCENT_KEYS:
        return fmt.percent(value)
    if key in SECONDS_KEYS:
        return fmt.duration(value)
    return fmt.number(value)


def queue_table(rows: list, agents_href, language: str) -> html.Table:
    """Two lines per queue (today, then the range); the queue links to its agents over the range."""
    head = html.Tr([html.Th(t("drill.col.queue", language)), html.Th(t("drill.col.channel", language)),
                    html.Th(t("drill.col.period", language)),
                    *[html.Th(t(f"drill.col.{k}", language)) for k in QUEUE_KPIS]])
    body = []
    for row in rows:
        for period in ("today", "range"):
            figures = getattr(row, period)
            first = period == "today"
            body.append(html.Tr(className=f"qrow qrow--{period}", **{"data-queue": row.queue}, children=[
                html.Td(dcc.Link(row.name, href=agents_href(row.queue), className="qrow__link") if first else "",
                        rowSpan=1),
                html.Td(t(f"channel.{row.channel}", language) if first else ""),
                html.Td(t(f"drill.period.{period}", language), className="qrow__period"),
                *[html.Td(kpi_text(k, figures[k]), **{"data-kpi": k}) for k in QUEUE_KPIS]]))
    return html.Table(className="kpi-table", children=[html.Thead(head), html.Tbody(body)])


def _column(field: str, header: str, kind: str = "text", hide: bool = False) -> dict:
    column = {"field": field, "headerName": header, "hide": hide, "sortable": True, "resizable": True}
    if kind == "percent":
        column.update(valueFormatter=PERCENT_JS, filter="agNumberColumnFilter", type="rightAligned")
    elif kind == "seconds":
        column.update(valueFormatter=SECONDS_JS, filter="agNumberColumnFilter", type="rightAligned")
    elif kind == "number":
        column.update(valueFormatter=NUMBER_JS, filter="agNumberColumnFilter", type="rightAligned")
    elif kind == "bool":
        column.update(valueFormatter=BOOL_JS)
    else:
        column.update(filter="agTextColumnFilter")
    return column


def _kind(field: str) -> str:
    if field in PERCENT_KEYS:
        return "percent"
    if field in SECONDS_KEYS or field.startswith("aux:"):
        return "seconds"
    if field in ("contacts_handled", "nps"):
        return "number"
    return "text"


def agent_column_defs(fields: list[str], visible: list[str], language: str) -> list[dict]:
    """The agents grid's columns, in order; those not in ``visible`` are hidden (and left out of the CSV)."""
    def header(field: str) -> str:
        if field.startswith("aux:"):
            reason = field[4:] or t("drill.col.aux_none", language)
            return t("drill.col.aux_reason", language, reason=reason)
        return t(f"drill.col.{field}", language)

    return [_column(f, header(f), _kind(f), hide=f not in visible) for f in fields]


def contact_column_defs(language: str) -> list[dict]:
    """The agent's contacts grid (server-side paged): only a few columns sort on the server."""
    kinds = {"arrived_at": "text", "ended_at": "text", "channel": "text", "queue": "text",
             "wait_seconds": "seconds", "handle_seconds": "seconds", "transferred": "bool", "resolved": "bool",
             "csat": "number", "repeat": "bool"}
    sortable = {"arrived_at", "ended_at", "channel", "queue"}
    columns = []
    for field, kind in kinds.items():
        column = _column(field, t(f"drill.col.{field}", language), kind)
        column.update(sortable=field in sortable, filter=False)
        if field in ("arrived_at", "ended_at"):
            column["valueFormatter"] = {"function": "params.value == null ? '' : params.value.slice(0, 16)"
                                                    ".replace('T', ' ')"}
        columns.append(column)
    return columns
