"""poll_once and refresh_live: failures recorded not raised, rejections kept, the snapshot right."""

from __future__ import annotations

import json
import math
import time
from dataclasses import replace
from datetime import timedelta

from sqlalchemy import insert, select

from collectors.pipeline import poll_once, refresh_live
from collectors.scheduler import Collector, build_scheduler
from collectors.snapshot import read_snapshots
from collectors.sources.fake import FakeSource
from dashboard.metrics import ratios
from dashboard.metrics.counts import Counts
from dashboard.records import AgentStateInterval, Agent, Batch, Contact, Rejection
from dashboard.store.db import session_scope
from dashboard.store.models import CollectorRow, RejectionRow, SnapshotRow, SourceStateRow
from tests.conftest import utc

NOW = utc(2026, 3, 2, 10, 7, 30)


def contact(source_id, arrived_min_ago, answered_after=None, abandoned_after=None, queue="Billing", channel="voice"):
    arrived = NOW - timedelta(minutes=arrived_min_ago)
    return Contact(source="fake", source_id=source_id, channel=channel, queue=queue, arrived_at=arrived,
                   answered_at=arrived + timedelta(seconds=answered_after) if answered_after is not None else None,
                   abandoned_at=arrived + timedelta(seconds=abandoned_after) if abandoned_after is not None else None)


def test_a_failing_source_is_recorded_and_retried_never_raised(engine, settings):
    source = FakeSource(batches=[Batch(contacts=[contact("c1", 5)])])
    source.fail = "connection refused"
    outcome = poll_once(engine, settings, source, NOW)
    assert not outcome.ok and "connection refused" in outcome.error
    outcome = poll_once(engine, settings, source, NOW + timedelta(seconds=5))
    with session_scope(engine) as session:
        state = session.get(SourceStateRow, "fake")
        assert state.consecutive_failures == 2 and state.last_success_at is None
    source.fail = None
    assert poll_once(engine, settings, source, NOW + timedelta(seconds=10)).accepted == 1
    with session_scope(engine) as session:
        state = session.get(SourceStateRow, "fake")
        assert state.consecutive_failures == 0 and state.cursor == '{"next": 1}'


def test_rejections_are_counted_by_reason_and_kept_with_location(engine, settings):
    batch = Batch(contacts=[contact("c1", 5)], rejections=[
        Rejection("calls.csv:17", "answered_at", "answer before arrival (09:00:00 < 09:01:00)"),
        Rejection("calls.csv:18", "queue", "unknown queue: 'Biling'")])
    poll_once(engine, settings, FakeSource(batches=[batch]), NOW)
    with session_scope(engine) as session:
        state = session.get(SourceStateRow, "fake")
        assert (state.accepted, state.rejected) == (1, 2)
        assert '"answer before arrival": 1' in state.rejected_by_reason
        kept = session.scalars(select(RejectionRow).order_by(RejectionRow.location)).all()
        assert [(r.location, r.field) for r in kept] == [("calls.csv:17", "answered_at"), ("calls.csv:18", "queue")]


def test_snapshot_figures_for_a_hand_worked_queue(engine, settings):
    # today (UTC day from 00:00): c1 answered after 10 s (within 20 s), c2 after 50 s, c3 abandoned after 30 s,
    # c4 abandoned after 3 s (a short abandon, in no rate); c5 and c6 still waiting, c6 for 4 minutes.
    batch = Batch(contacts=[contact("c1", 50, answered_after=10), contact("c2", 40, answered_after=50),
                            contact("c3", 20, abandoned_after=30), contact("c4", 10, abandoned_after=3),
                            contact("c5", 1), contact("c6", 4)],
                  agents=[Agent("fake", "a1", "Ana Park", skills=("Billing",))],
                  states=[AgentStateInterval("fake", "s1", "a1", "available", NOW - timedelta(minutes=30))])
    poll_once(engine, settings, FakeSource(batches=[batch]), NOW)
    refresh_live(engine, settings, NOW)
    with session_scope(engine) as session:
        snapshots = read_snapshots(session)
        beat = session.get(CollectorRow, "collector")
    billing = snapshots[("queue", "Billing")]
    today = Counts(**billing["counts"]["today"])
    assert (today.offered, today.answered, today.abandoned, today.short_abandoned) == (6, 2, 1, 1)
    assert ratios.service_level(today) == 1 / 3      # 1 within 20 s of (2 answered + 1 abandoned)
    assert ratios.abandon_rate(today) == 1 / 3
    assert ratios.asa_seconds(today) == 30.0         # (10 + 50) / 2
    assert billing["live"]["waiting"] == 2
    assert billing["live"]["oldest_arrived_at"] == (NOW - timedelta(minutes=4)).isoformat()
    assert billing["agents"]["available"] == 1
    # the current interval is 10:00-10:15, so "last 15" holds only what happened since 10:00:
    # c3's abandon (09:47:30 + 30 s) is before it, c4's short abandon (09:57:30 + 3 s) too.
    last_15 = Counts(**billing["counts"]["last_15"])
    assert (last_15.offered, last_15.abandoned) == (2, 0)
    assert snapshots[("centre", "all")]["live"]["waiting"] == 2
    assert beat.last_tick_at == NOW


def test_a_job_that_raises_does_not_stop_the_real_scheduler(engine, settings):
    source = FakeSource(batches=[Batch(contacts=[contact("c1", 5)])])
    source.fail = "boom"
    collector = Collector(engine, replace(settings, poll_seconds=0.2), [source])
    scheduler = build_scheduler(collector)
    checkpoints = {"checkpoint"} if engine.dialect.name == "sqlite" else set()  # SQLite's log, between ticks
    assert {job.id for job in scheduler.get_jobs()} == {"poll:fake", "live"} | checkpoints
    scheduler.start()
    try:
        wait_for(lambda: source.polls >= 3)  # failing polls keep coming
        source.fail = None
        wait_for(lambda: accepted(engine) == 1)
        wait_for(lambda: heartbeat(engine) is not None)
    finally:
        scheduler.shutdown(wait=True)


def wait_for(condition, seconds: float = 10.0) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "condition not met in time"
        time.sleep(0.05)


def accepted(engine) -> int:
    with session_scope(engine) as session:
        state = session.get(SourceStateRow, "fake")
        return state.accepted if state else 0


def heartbeat(engine):
    with session_scope(engine) as session:
        row = session.get(CollectorRow, "collector")
        return row.last_tick_at if row else None


def test_the_live_job_skips_a_refresh_a_poll_just_made(engine, settings):
    refreshes = []
    collector = Collector(engine, replace(settings, poll_seconds=60), [],
                          after_refresh=[lambda snapshots: refreshes.append(snapshots)])
    collector.refresh_if_due()  # nothing refreshed yet: refreshes
    collector.refresh()  # a poll with records refreshes
    collector.refresh_if_due()  # the live job right after: skipped, nothing new to show
    assert len(refreshes) == 2
    collector.refreshed_at -= 30  # half an interval later the live job refreshes again
    collector.refresh_if_due()
    assert len(refreshes) == 3


def test_stored_snapshots_read_back_as_written_even_with_values_orjson_refuses(engine, settings):
    """read_snapshots parses with orjson; a payload json wrote with NaN (orjson refuses it) still reads."""
    payload = {"taken_at": NOW.isoformat(), "counts": {"today": {"offered": 3}}, "ratio": float("nan"),
               "name": "Ünïcode ✓"}
    with session_scope(engine) as session:
        session.execute(insert(SnapshotRow.__table__), [
            {"scope": "queue", "key": "Billing", "taken_at": NOW, "payload": json.dumps({**payload, "ratio": 0.5})},
            {"scope": "queue", "key": "Odd", "taken_at": NOW, "payload": json.dumps(payload)}])
    with session_scope(engine) as session:
        read = read_snapshots(session, ("queue",))
    assert read[("queue", "Billing")] == {**payload, "ratio": 0.5}
    assert math.isnan(read[("queue", "Odd")]["ratio"]) and read[("queue", "Odd")]["name"] == "Ünïcode ✓"
