"""The snapshot's live state: waiting, oldest arrival and the backlog's progress towards its target."""

from __future__ import annotations

from datetime import timedelta

from collectors.pipeline import poll_once, refresh_live
from collectors.snapshot import read_snapshots
from collectors.sources.fake import FakeSource
from dashboard.records import Batch, Contact
from dashboard.store.db import session_scope
from tests.conftest import utc

NOW = utc(2026, 3, 2, 10, 0, 0)


def email(source_id: str, hours_ago: float, **fields) -> Contact:
    return Contact(source="fake", source_id=source_id, channel="email", queue="Email Care",
                   arrived_at=NOW - timedelta(hours=hours_ago), **fields)


def test_backlog_progress_counts_ages_at_or_past_each_share_of_the_target(engine, settings):
    # email target R = 24 h: shares at 12 h, 18 h and 24 h; e2 is exactly 12 h old and counts as past 50 %
    batch = Batch(contacts=[email("e1", 6), email("e2", 12), email("e3", 20), email("e4", 30),
                            email("e5", 40, answered_at=NOW - timedelta(hours=1))])
    poll_once(engine, settings, FakeSource(batches=[batch]), NOW)
    refresh_live(engine, settings, NOW)
    with session_scope(engine) as session:
        live = read_snapshots(session)[("queue", "Email Care")]["live"]
    assert (live["waiting"], live["past_50"], live["past_75"], live["past_100"]) == (4, 3, 2, 1)
    assert live["oldest_arrived_at"] == (NOW - timedelta(hours=30)).isoformat()


def test_a_voice_queue_has_no_backlog_progress(engine, settings):
    voice = Contact(source="fake", source_id="v1", channel="voice", queue="Billing",
                    arrived_at=NOW - timedelta(hours=30))
    poll_once(engine, settings, FakeSource(batches=[Batch(contacts=[voice])]), NOW)
    refresh_live(engine, settings, NOW)
    with session_scope(engine) as session:
        live = read_snapshots(session)[("queue", "Billing")]["live"]
    assert (live["waiting"], live["past_50"], live["past_100"]) == (1, 0, 0)
