"""The live page's tiles as plain functions over a small store: waits and backlogs as METRICS.md says."""

from __future__ import annotations

from datetime import timedelta

from collectors.pipeline import poll_once, refresh_live
from collectors.sources.fake import FakeSource
from dashboard.app import create_app
from dashboard.i18n.format import DASH
from dashboard.records import Batch, Contact
from tests.conftest import utc
from tests.pages.test_wall import find, text_of

NOW = utc(2026, 3, 2, 10, 0, 0)


def figure(tile, label: str) -> str:
    """The value shown under ``label`` in a tile."""
    block = find(tile, lambda c: getattr(c, "className", "") == "figure__label" and c.children == label)[0]
    shown = find(tile, lambda c: getattr(c, "className", "").startswith("figure ") and block in c.children)[0]
    return text_of(find(shown, lambda c: getattr(c, "className", "") == "figure__value")[0])


def test_an_empty_backlog_has_no_oldest_age_and_an_empty_queue_waits_zero(engine, settings):
    source = FakeSource("crm", [Batch(contacts=[
        # answered: nobody waits in Billing, its longest wait is 0 (METRICS.md: "0 when none wait")
        Contact(source="crm", source_id="v1", channel="voice", queue="Billing", arrived_at=NOW - timedelta(minutes=3),
                answered_at=NOW - timedelta(minutes=2)),
        # answered: Support's backlog is empty, its oldest unanswered has no value (a dash, never 0:00)
        Contact(source="crm", source_id="e1", channel="email", queue="Support", arrived_at=NOW - timedelta(hours=2),
                answered_at=NOW - timedelta(hours=1)),
        # unanswered since 40 min: Sales Mail's oldest is 40:00
        Contact(source="crm", source_id="e2", channel="email", queue="Sales Mail",
                arrived_at=NOW - timedelta(minutes=40))])])
    poll_once(engine, settings, source, NOW)
    refresh_live(engine, settings, NOW)
    with create_app(settings, engine).server.app_context():
        from dashboard.pages.home import home_tiles

        tiles = {t.to_plotly_json()["props"]["data-queue"]: t for t in home_tiles("en", now=NOW)}
    assert figure(tiles["Billing"], "Longest wait") == "0:00"
    assert figure(tiles["Support"], "Oldest unanswered") == DASH
    assert figure(tiles["Sales Mail"], "Oldest unanswered") == "40:00"
