"""``/alerts``: firing alerts to acknowledge, recent transitions with reasons, the threshold editor,
failed webhook deliveries and each source's status."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta, timezone

import dash
import dash_ag_grid as dag
from dash import ALL, Input, Output, State, ctx, dcc, html

from collectors.snapshot import read_snapshots
from dashboard import context, ids
from dashboard.alerts.read import failed_notifications, firing_alerts, recent_events
from dashboard.alerts.rules import load_rules, save_rule
from dashboard.alerts.values import display
from dashboard.auth import require_role
from dashboard.i18n import format as fmt
from dashboard.i18n import pick_language, t
from dashboard.pages.wall import acknowledge, actor
from dashboard.store.db import session_scope

dash.register_page(__name__, path="/alerts", name="Alerts", title="ccpulse · alerts", description="Alerts")

EDITABLE = ("warning", "critical", "recovery", "hold", "direction", "enabled")


def layout(lang: str | None = None, **_query) -> html.Div:
    settings = context.settings()
    language = pick_language(lang, settings.language)
    return html.Div(className="page page--alerts", children=[
        html.H1(t("alerts.heading", language)),
        dcc.Interval(id=ids.ALERTS_INTERVAL, interval=int(settings.poll_seconds * 1000)),
        dcc.Store(id="alerts-language", data=language),
        html.H2(t("alerts.firing", language)),
        html.Div(firing_view(language), id=ids.ALERTS_FIRING),
        html.H2(t("alerts.thresholds", language)),
        html.P(t("alerts.thresholds_hint", language), className="hint"),
        html.Div(id=ids.ALERTS_RULES_STATUS, className="status"),
        dag.AgGrid(id=ids.ALERTS_RULES, rowData=rule_rows(), columnDefs=rule_columns(language),
                   getRowId="params.data.id", dashGridOptions={"domLayout": "autoHeight", "singleClickEdit": True},
                   columnSize="sizeToFit"),
        html.H2(t("alerts.recent", language)),
        html.Div(id=ids.ALERTS_EVENTS),
        html.H2(t("alerts.webhooks", language)),
        html.Div(id=ids.ALERTS_WEBHOOKS),
        html.H2(t("alerts.sources", language)),
        html.Div(id=ids.ALERTS_SOURCES),
    ])


def table(headers: list[str], rows: list[list]) -> html.Table:
    return html.Table(className="table", children=[html.Thead(html.Tr([html.Th(h) for h in headers])),
                                                    html.Tbody([html.Tr([html.Td(c) for c in row]) for row in rows])])


def firing_view(language: str) -> list:
    settings = context.settings()
    with session_scope(context.engine()) as session:
        firing = firing_alerts(session)
    if not firing:
        return [html.P(t("alerts.none_firing", language), className="empty")]
    rows = []
    for alert in firing:
        acked = (t("alerts.acknowledged_by", language, by=alert["acknowledged_by"],
                   time=fmt.clock(alert["acknowledged_at"], settings.tz, language)) if alert["acknowledged_at"]
                 else html.Button(t("alerts.acknowledge", language), id={"type": ids.ALERTS_ACK, "alert": alert["id"]},
                                  n_clicks=0))
        rows.append([t(f"alerts.severity.{alert['severity']}", language), alert["subject"],
                     display(alert["rule"].metric, alert["value"]), alert["reason"], acked])
    return [table([t("alerts.col.state", language), t("alerts.col.subject", language), t("alerts.col.value", language),
                   t("alerts.col.reason", language), ""], rows)]


def rule_rows() -> list[dict]:
    with session_scope(context.engine()) as session:
        rules = load_rules(session)
    return [{"id": r.id, "name": r.name, "metric": r.metric, "queue": r.queue, "channel": r.channel,
             "direction": r.direction, "warning": r.warning, "critical": r.critical, "recovery": r.recovery,
             "hold": r.hold.total_seconds(), "enabled": r.enabled} for r in rules]


def rule_columns(language: str) -> list[dict]:
    def col(field, key, **extra):
        return {"field": field, "headerName": t(key, language), "editable": field in EDITABLE, **extra}
    return [col("name", "alerts.col.rule"), col("metric", "alerts.col.metric"), col("queue", "alerts.col.queue"),
            col("channel", "alerts.col.channel"),
            col("direction", "alerts.col.direction", cellEditor="agSelectCellEditor",
                cellEditorParams={"values": ["above", "below"]}),
            col("warning", "alerts.col.warning", cellDataType="number"),
            col("critical", "alerts.col.critical", cellDataType="number"),
            col("recovery", "alerts.col.recovery", cellDataType="number"),
            col("hold", "alerts.col.hold", cellDataType="number"),
            col("enabled", "alerts.col.enabled", cellDataType="boolean")]


@require_role("supervisor")
def edit_rule(rule_id: int, field: str, value, now: datetime | None = None) -> str:
    """Change one field of one rule through ``save_rule``; returns the rule's name."""
    if field not in EDITABLE:
        raise ValueError(f"{field}: not editable")
    with session_scope(context.engine()) as session:
        rule = next(r for r in load_rules(session) if r.id == int(rule_id))
        if field == "hold":
            changed = replace(rule, hold=timedelta(seconds=float(value)))
        elif field in ("warning", "critical", "recovery"):
            changed = replace(rule, **{field: None if value in (None, "") else float(value)})
        else:
            changed = replace(rule, **{field: value})
        return save_rule(session, changed, by=actor(), now=now or datetime.now(timezone.utc)).name


def details_view(language: str) -> tuple:
    settings = context.settings()
    with session_scope(context.engine()) as session:
        events = recent_events(session)
        failures = failed_notifications(session)
        sources = read_snapshots(session).get(("sources", "all"), {}).get("sources", [])
    clock = lambda at: fmt.clock(at, settings.tz, language, seconds=True)  # noqa: E731
    event_rows = [[clock(e.at), subject, t(f"alerts.state.{e.to_state}", language), e.reason] for e, subject in events]
    hook_rows = [[clock(n.at), n.target, n.attempts, n.error] for n in failures]
    source_rows = [[s["name"], clock(datetime.fromisoformat(s["last_success_at"])) if s["last_success_at"] else fmt.DASH,
                    s["consecutive_failures"], s["last_error"] or "", s["accepted"], s["rejected"]] for s in sources]
    return (table([t("alerts.col.at", language), t("alerts.col.subject", language), t("alerts.col.state", language),
                   t("alerts.col.reason", language)], event_rows),
            table([t("alerts.col.at", language), t("alerts.col.target", language), t("alerts.col.attempts", language),
                   t("alerts.col.error", language)], hook_rows) if hook_rows
            else html.P(t("alerts.no_webhook_failures", language), className="empty"),
            table([t("alerts.sources", language), t("alerts.col.last_success", language),
                   t("alerts.col.failures", language), t("alerts.col.error", language),
                   t("alerts.col.accepted", language), t("alerts.col.rejected", language)], source_rows))


def register_callbacks(app: dash.Dash) -> None:
    @app.callback(Output(ids.ALERTS_FIRING, "children"), Output(ids.ALERTS_EVENTS, "children"),
                  Output(ids.ALERTS_WEBHOOKS, "children"), Output(ids.ALERTS_SOURCES, "children"),
                  Input(ids.ALERTS_INTERVAL, "n_intervals"), Input("alerts-language", "data"))
    def refresh_alerts(_n, language):
        return (firing_view(language), *details_view(language))

    @app.callback(Output(ids.ALERTS_FIRING, "children", allow_duplicate=True),
                  Input({"type": ids.ALERTS_ACK, "alert": ALL}, "n_clicks"), State("alerts-language", "data"),
                  prevent_initial_call=True)
    def acknowledge_from_alerts(_clicks, language):
        if not ctx.triggered_id or not ctx.triggered or not ctx.triggered[0]["value"]:
            raise dash.exceptions.PreventUpdate
        acknowledge(ctx.triggered_id["alert"])
        return firing_view(language)

    @app.callback(Output(ids.ALERTS_RULES_STATUS, "children"), Input(ids.ALERTS_RULES, "cellValueChanged"),
                  State("alerts-language", "data"), prevent_initial_call=True)
    def save_threshold(changes, language):
        messages = []
        for change in changes or []:
            try:
                name = edit_rule(change["data"]["id"], change["colId"], change["value"])
                messages.append(t("alerts.saved", language, name=name))
            except ValueError as error:
                messages.append(t("alerts.save_failed", language, error=str(error)))
        return " · ".join(messages)
