"""What the drill-down pages share: reading the filters from the URL and writing them back.

Not a page: ``/queues``, ``/agents``, ``/agents/<id>`` import it and each registers
its own filter callback on its own bar (``page`` in the ids).
"""

from __future__ import annotations

from datetime import datetime, timezone
from urllib.parse import parse_qsl

from typing import NamedTuple

import dash
from dash import Input, Output, State, ctx, dcc, html

from dashboard import context, ids
from dashboard.i18n import pick_language, t
from dashboard.records import KNOWN_CHANNELS
from dashboard.settings import Settings
from dashboard.store import read
from dashboard.store.db import session_scope
from dashboard.usecases.filters import Filters, from_controls, from_query, to_query
from layouts.filters import filter_bar, filter_id

FILTER_KEYS = ("range", "from", "to", "queue", "channel")


def filters_of(query: dict, settings: Settings, now: datetime | None = None) -> Filters:
    return from_query(query, now or datetime.now(timezone.utc), settings.tz, settings.day_reset_hour)


class RangeHeader(NamedTuple):
    """The top of a drill-down page over a range: its language, filters, the queues seen, and components."""

    language: str
    filters: Filters
    queues: list[str]
    children: list


def range_header(page: str, heading: str, lang: str | None, query: dict) -> RangeHeader:
    """Heading, filter bar (offering the queues seen in the range) and the store the callbacks read."""
    settings = context.settings()
    language = pick_language(lang, settings.language)
    filters = filters_of(query, settings)
    window = filters.window(settings.tz, settings.day_reset_hour)
    with session_scope(context.engine()) as session:
        queues = sorted(read.queue_channels(session, window.start, window.end))
    return RangeHeader(language, filters, queues, [
        html.H1(t(heading, language)),
        filter_bar(filters, queues, list(KNOWN_CHANNELS), language, page),
        dcc.Store(id=ids.FILTER_QUERY, data={"query": query, "lang": language}),
    ])


def query_of(search: str | None) -> dict:
    """The URL search string as a dict of its values."""
    return dict(parse_qsl((search or "").lstrip("?")))


def extras(search: str | None) -> dict:
    """The URL's values that are not filters (columns, focus, day), kept when the filters change."""
    return {k: v for k, v in parse_qsl((search or "").lstrip("?")) if k not in FILTER_KEYS}


def register_filter_callback(app: dash.Dash, page: str) -> None:
    """Every change on ``page``'s filter bar becomes the URL's search: shareable, and the back button works."""

    @app.callback(Output(ids.LOCATION, "search", allow_duplicate=True),
                  Input(filter_id(ids.FILTER_RANGE, page), "value"),
                  Input(filter_id(ids.FILTER_DATES, page), "start_date"),
                  Input(filter_id(ids.FILTER_DATES, page), "end_date"),
                  Input(filter_id(ids.FILTER_QUEUES, page), "value"),
                  Input(filter_id(ids.FILTER_CHANNELS, page), "value"),
                  State(ids.LOCATION, "search"), prevent_initial_call=True)
    def push_filters(preset, start, end, queues, channels, search):
        settings = context.settings()
        triggered = ctx.triggered_id or {}
        if triggered.get("type") == ids.FILTER_DATES:
            preset = "custom"
        filters = from_controls(preset, start, end, queues, channels, datetime.now(timezone.utc),
                                settings.tz, settings.day_reset_hour)
        new = to_query(filters, **extras(search))
        return dash.no_update if new == (search or "") else new


