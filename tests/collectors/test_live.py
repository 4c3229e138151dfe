"""The collector's memory of today (``collectors.live``) against the store it follows.

The memory is only worth keeping if it always equals what a fresh read of the store
gives: after every tick of a simulated centre (across midnight, when "today" starts
again), after another writer stored a batch behind its back, and after a failed tick.
"""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import timedelta

import pytest

from collectors.live import LiveState
from collectors.pipeline import poll_once, refresh_live, store_batch
from collectors.snapshot import board_payload, build_snapshots, read_snapshots, window_starts
from collectors.sources.fake import FakeSource
from collectors.sources.simulator import SimulatorSource
from dashboard.records import Agent, AgentStateInterval, Batch, Contact
from dashboard.store.db import session_scope
from dashboard.store.models import SourceStateRow
from dashboard.store.write import ROLLUP_CLOCK, clock_batches
from tests.conftest import utc

START = utc(2026, 3, 2, 23, 20, 0)


def rounded(snapshots: dict) -> dict:
    """The payloads as JSON values, sums of seconds rounded (memory and store add in another order)."""
    def tidy(value):
        if isinstance(value, float):
            return round(value, 6)
        if isinstance(value, dict):
            return {key: tidy(item) for key, item in value.items()}
        if isinstance(value, list):
            return [tidy(item) for item in value]
        return value
    return {f"{scope}/{key}": tidy(json.loads(json.dumps(payload, default=str)))
            for (scope, key), payload in snapshots.items()}


def fresh_snapshots(engine, settings, now) -> dict:
    """What the snapshot would be if the memory were read from the store now."""
    with session_scope(engine) as session:
        number = clock_batches(session.get(SourceStateRow, ROLLUP_CLOCK))
        state = LiveState()
        state.load(session, min(window_starts(now, settings).values()), number)
        return {**build_snapshots(session, settings, now, state), ("agents", "all"): board_payload(state, now)}


def with_board(engine, snapshots: dict) -> dict:
    """A refresh's payloads with the agent board as stored (a refresh does not return it)."""
    with session_scope(engine) as session:
        return {**snapshots, **read_snapshots(session, ("agents",))}


def test_the_memory_equals_a_fresh_read_after_every_tick_across_midnight(engine, settings):
    # the site's day starts at 15:00 UTC (midnight in Tokyo); the simulated centre, on UTC, is busy then
    settings = replace(settings, timezone="Asia/Tokyo")
    source = SimulatorSource(name="simulator", seed=3, scale=0.3)
    live = LiveState()
    at, most_held, most_waiting = utc(2026, 3, 2, 14, 20), 0, 0
    for _ in range(30):  # 14:20 to 15:20 UTC, every two minutes
        assert poll_once(engine, settings, source, at, live).ok
        kept = with_board(engine, refresh_live(engine, settings, at, live=live))  # the board from its kept JSON
        assert live.batches is not None  # followed, not reloaded
        assert rounded(kept) == rounded(fresh_snapshots(engine, settings, at)), at
        most_held = max(most_held, sum(live.held.values()))
        most_waiting = max(most_waiting, sum(len(arrivals) for arrivals in live.waiting.values()))
        at += timedelta(minutes=2)
    assert most_held > 0 and most_waiting > 0 and live.board.states  # the memory was put to work


def test_a_batch_stored_by_another_writer_makes_the_memory_reload(engine, settings):
    live = LiveState()
    refresh_live(engine, settings, START, live=live)
    waiting = Contact(source="import", source_id="w1", channel="voice", queue="Billing",
                      arrived_at=START - timedelta(seconds=40))
    store_batch(engine, settings, "import", "file", Batch(contacts=[waiting]), {}, START)  # not told
    snapshots = refresh_live(engine, settings, START + timedelta(seconds=5), live=live)
    assert snapshots[("queue", "Billing")]["live"]["waiting"] == 1


def test_a_batch_the_memory_already_loaded_is_not_counted_twice(engine, settings):
    live = LiveState()
    waiting = Contact(source="fake", source_id="w1", channel="voice", queue="Billing",
                      arrived_at=START - timedelta(seconds=40))
    result = store_batch(engine, settings, "fake", "fake", Batch(contacts=[waiting]), {}, START)
    refresh_live(engine, settings, START, live=live)  # loads: the batch is in
    live.follow(result.delta, result.number)  # told late, as a parallel poll may be
    assert live.queue_live(START, lambda queue, channel: None)[("Billing", "voice")]["waiting"] == 1


def test_a_failed_tick_leaves_no_trace_in_the_memory(engine, settings, monkeypatch):
    live = LiveState()
    refresh_live(engine, settings, START, live=live)
    answered = Contact(source="fake", source_id="c1", channel="voice", queue="Billing", agent_id="a1",
                       arrived_at=START, answered_at=START + timedelta(seconds=10))
    poll_once(engine, settings, FakeSource(batches=[Batch(contacts=[answered])]), START + timedelta(seconds=20), live)

    def broken(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr("collectors.snapshot.source_health", broken)
    with pytest.raises(RuntimeError):
        refresh_live(engine, settings, START + timedelta(seconds=25), live=live)
    assert live.batches is None  # distrusted: reloaded next time
    monkeypatch.undo()
    snapshots = refresh_live(engine, settings, START + timedelta(seconds=30), live=live)
    assert snapshots[("queue", "Billing")]["counts"]["today"]["answered"] == 1


def test_agents_states_and_held_conversations_follow_their_changes(engine, settings):
    live = LiveState()
    refresh_live(engine, settings, START, live=live)
    batch = Batch(agents=[Agent(source="fake", agent_id="a1", name="Ada", team="Blue", skills=("Billing",))],
                  states=[AgentStateInterval(source="fake", source_id="s1", agent_id="a1", state="on_contact",
                                             started_at=START)],
                  contacts=[Contact(source="fake", source_id="c1", channel="voice", queue="Billing", agent_id="a1",
                                    arrived_at=START, answered_at=START + timedelta(seconds=5))])
    source = FakeSource(batches=[batch])
    poll_once(engine, settings, source, START + timedelta(seconds=10), live)
    board = with_board(engine, refresh_live(engine, settings, START + timedelta(seconds=10), live=live))[
        ("agents", "all")]["agents"]
    assert [(a["name"], a["state"], a["held"]) for a in board] == [("Ada", "on_contact", 1)]
    ended = Batch(states=[AgentStateInterval(source="fake", source_id="s1", agent_id="a1", state="on_contact",
                                             started_at=START, ended_at=START + timedelta(seconds=60))],
                  contacts=[Contact(source="fake", source_id="c1", channel="voice", queue="Billing", agent_id="a1",
                                    arrived_at=START, answered_at=START + timedelta(seconds=5),
                                    ended_at=START + timedelta(seconds=60))])
    source.add(ended)
    poll_once(engine, settings, source, START + timedelta(seconds=65), live)
    snapshots = with_board(engine, refresh_live(engine, settings, START + timedelta(seconds=65), live=live))
    assert snapshots[("agents", "all")]["agents"] == [] and live.batches is not None
    assert rounded(snapshots) == rounded(fresh_snapshots(engine, settings, START + timedelta(seconds=65)))


def test_a_queue_without_an_arrival_today_goes_stale_with_the_sources_that_fed_it_before(engine, settings):
    """Billing's backlog holds an email from yesterday, none came today: its tile follows the mail
    source that brought it, not the pbx that fed only Support today (before, a queue with no
    arrival today listed no source and went stale with any source down)."""
    yesterday, today = utc(2026, 3, 1, 15), utc(2026, 3, 2, 9)
    email = Contact(source="mail", source_id="e1", channel="email", queue="Billing", arrived_at=yesterday)
    store_batch(engine, settings, "mail", "fake", Batch(contacts=[email]), {}, yesterday + timedelta(minutes=1))
    call = Contact(source="pbx", source_id="c1", channel="voice", queue="Support", arrived_at=today)
    store_batch(engine, settings, "pbx", "fake", Batch(contacts=[call]), {}, today + timedelta(minutes=1))
    snapshots = fresh_snapshots(engine, settings, today + timedelta(minutes=1))
    assert snapshots[("queue", "Billing")]["live"]["waiting"] == 1
    assert snapshots[("queue", "Billing")]["sources"] == ["mail"]
    assert snapshots[("queue", "Support")]["sources"] == ["pbx"]
