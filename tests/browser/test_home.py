"""The first page in a real browser: tiles render and a number changes by itself."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta, timezone

from collectors.pipeline import refresh_live, store_batch
from dashboard.app import create_app
from dashboard.records import Batch, Contact


def waiting_contacts(count: int, now: datetime) -> Batch:
    return Batch(contacts=[Contact(source="fake", source_id=f"c{n}", channel="voice", queue="Billing",
                                   arrived_at=now - timedelta(seconds=30 + n)) for n in range(count)])


def test_a_tile_number_changes_without_a_reload(dash_duo, app_server, engine, settings):
    settings = replace(settings, poll_seconds=1.0)
    now = datetime.now(timezone.utc)
    store_batch(engine, settings, "fake", "fake", waiting_contacts(2, now), {}, now)
    refresh_live(engine, settings, now)
    app_server.start(create_app(settings, engine))
    dash_duo.wait_for_page(url=app_server.url)
    dash_duo.wait_for_text_to_equal('[data-queue="Billing"] [data-metric="waiting"]', "2", timeout=10)

    later = datetime.now(timezone.utc)
    store_batch(engine, settings, "fake", "fake", waiting_contacts(5, later), {}, later)
    refresh_live(engine, settings, later)
    dash_duo.wait_for_text_to_equal('[data-queue="Billing"] [data-metric="waiting"]', "5", timeout=10)
    assert dash_duo.get_logs() == []
