"""``/contacts/<contact_id>``: one contact's timeline and survey, and the customer's journey across channels."""

from __future__ import annotations

from datetime import datetime

import dash
from dash import Input, Output, dcc, html
from sqlalchemy import Engine

from dashboard import context, ids
from dashboard.auth import require_role
from dashboard.i18n import format as fmt
from dashboard.i18n import pick_language, t
from dashboard.settings import Settings
from dashboard.store.db import session_scope
from dashboard.usecases.contact_detail import contact_detail

dash.register_page(__name__, path_template="/contacts/<contact_id>", name="Contact", title="ccpulse · contact",
                   description="Contact")


def layout(contact_id: str | None = None, lang: str | None = None, **_query) -> html.Div:
    language = pick_language(lang, context.settings().language)
    return html.Div(className="page page--contact", children=[
        html.H1(t("drill.contact.heading", language, id=contact_id or "")),
        dcc.Store(id=ids.FILTER_QUERY, data={"contact_id": contact_id, "lang": language}),
        html.Div(id=ids.CONTACT_BODY),
    ])


def _when(at: datetime | None, settings: Settings) -> str:
    return f"{at.astimezone(settings.tz):%Y-%m-%d %H:%M:%S}" if at else fmt.DASH


def _yes_no(value: bool | None, language: str) -> str:
    return t("drill.bool.unknown" if value is None else "drill.bool.yes" if value else "drill.bool.no", language)


def contact_body(settings: Settings, engine: Engine, contact_id: str, language: str):
    """The timeline, survey and journey panels; a message for an unknown or malformed id."""
    if not str(contact_id or "").isdigit():
        return html.P(t("drill.not_found", language), className="empty")
    with session_scope(engine) as session:
        detail = contact_detail(session, settings, int(contact_id))
        if detail is None:
            return html.P(t("drill.not_found", language), className="empty")
        c = detail.contact
        head = html.P(className="contact-head", children=[
            f"{t('channel.' + c.channel, language)} · {c.queue} · ",
            dcc.Link(c.agent_id, href=f"/agents/{c.agent_id}") if c.agent_id else fmt.DASH,
            f" · {t('drill.col.resolved', language)}: {_yes_no(c.resolved, language)}"])
    events = html.Ol(className="events", children=[
        html.Li([html.Span(_when(e.at, settings), className="events__at"), " ", t(e.key, language),
                 html.Span(f" {e.detail}" if e.detail else "", className="events__detail")]) for e in detail.events])
    survey = [html.Li(f"{t('drill.survey.' + s['kind'], language)}: {s['score']}"
                      + (f" — “{s['comment']}”" if s["comment"] else "")) for s in detail.surveys]
    return html.Div(className="contact", children=[
        head,
        html.P(t("drill.contact.repeat_note", language), className="status") if detail.repeat else None,
        html.Div(className="panel", children=[html.H2(t("drill.contact.timeline", language)), events]),
        html.Div(className="panel", children=[html.H2(t("drill.contact.survey", language)),
                                              html.Ul(survey) if survey else html.P(t("drill.contact.no_survey", language))]),
        html.Div(className="panel", children=[
            html.H2(t("drill.contact.journey", language, days=f"{detail.journey_days:g}")),
            _journey_table(detail.journey, settings, language) if detail.journey
            else html.P(t("drill.contact.no_customer", language))]),
    ])


def _journey_table(journey: list[dict], settings: Settings, language: str) -> html.Table:
    head = html.Tr([html.Th(t(f"drill.col.{k}", language)) for k in
                    ("arrived_at", "channel", "queue", "direction", "agent", "topic", "resolved", "repeat")])
    rows = [html.Tr(className="journey__this" if j["this"] else "", children=[
        html.Td(dcc.Link(_when(j["arrived_at"], settings), href=f"/contacts/{j['id']}")),
        html.Td(t(f"channel.{j['channel']}", language)), html.Td(j["queue"]), html.Td(j["direction"]),
        html.Td(j["agent_id"] or fmt.DASH), html.Td(j["topic"]), html.Td(_yes_no(j["resolved"], language)),
        html.Td(_yes_no(j["repeat"], language))]) for j in journey]
    return html.Table(className="kpi-table journey", children=[html.Thead(head), html.Tbody(rows)])


def register_callbacks(app: dash.Dash) -> None:
    @app.callback(Output(ids.CONTACT_BODY, "children"), Input(ids.FILTER_QUERY, "data"))
    @require_role("manager")
    def refresh_contact(data):
        return contact_body(context.settings(), context.engine(), data["contact_id"], data["lang"])
