"""The simulated contact center: determinism, live polls against backfill, and the world's invariants.

The fixed history runs over the 2026 spring daylight-saving change in Berlin
(29 March), so days of 23 hours are part of every check.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime, timedelta, timezone

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from collectors.sources.base import Source
from collectors.sources.simulation.journeys import journeys_started
from collectors.sources.simulation.world import simulate_day
from collectors.sources.simulator import SimulatorSource, backfill
from dashboard.records import AGENT_STATES, ASYNC_CHANNELS, KNOWN_CHANNELS, SURVEY_KINDS, SYNC_CHANNELS, Batch

ZONE = "Europe/Berlin"
END = datetime(2026, 3, 31, 18, 0, tzinfo=timezone.utc)


def merged(batches) -> Batch:
    total = Batch()
    for batch in batches:
        total.contacts += batch.contacts
        total.states += batch.states
        total.surveys += batch.surveys
        total.agents += batch.agents
    return total


@pytest.fixture(scope="module")
def history() -> Batch:
    return merged(backfill(7, 4, END, ZONE))


def record_times(batch: Batch):
    for c in batch.contacts:
        yield from (t for t in (c.arrived_at, c.answered_at, c.abandoned_at, c.ended_at) if t is not None)
    for s in batch.states:
        yield from (t for t in (s.started_at, s.ended_at) if t is not None)
    yield from (s.responded_at for s in batch.surveys)


def test_the_source_follows_the_protocol():
    assert isinstance(SimulatorSource(), Source)
    assert SimulatorSource().kind == "simulator"


def test_the_same_seed_gives_the_same_world_and_another_seed_another(history):
    day = END.date()
    first = simulate_day.__wrapped__(7, day, ZONE, 1.0)
    again = simulate_day.__wrapped__(7, day, ZONE, 1.0)
    at = int(END.timestamp() * 1000) + 10**9
    assert [first.view(r, at, "s") for r in range(len(first.first))] == \
        [again.view(r, at, "s") for r in range(len(again.first))]
    assert journeys_started(7, day, ZONE, 1.0) == journeys_started.__wrapped__(7, day, ZONE, 1.0)
    assert journeys_started(8, day, ZONE, 1.0) != journeys_started(7, day, ZONE, 1.0)


def test_the_center_has_its_queues_channels_and_agents(history):
    queues = {c.queue for c in history.contacts}
    assert len(queues) >= 6
    assert {c.channel for c in history.contacts} == set(KNOWN_CHANNELS)
    assert len(history.agents) >= 40
    assert len({a.agent_id for a in history.agents}) == len(history.agents)
    assert all(set(a.skills) <= queues and a.name and a.team for a in history.agents)
    assert {s.reason for s in history.states if s.state == "aux"} >= {"break", "lunch"}


def test_contacts_are_internally_consistent(history):
    for c in history.contacts:
        if c.answered_at is not None:
            assert c.answered_at >= c.arrived_at and c.agent_id is not None
        if c.ended_at is not None and c.answered_at is not None:
            assert c.ended_at >= c.answered_at
        if c.channel in SYNC_CHANNELS and c.abandoned_at is not None:
            assert c.answered_at is None and c.ended_at is None and c.abandoned_at >= c.arrived_at
        if c.channel in ASYNC_CHANNELS:
            assert c.abandoned_at is None
        assert c.wrap_seconds >= 0 and c.hold_seconds == 0 and c.transfer_count in (0, 1)
    assert all(c.source_id for c in history.contacts)
    assert len({c.source_id for c in history.contacts}) == len(history.contacts)


def test_outcomes_look_like_a_contact_center(history):
    sync = [c for c in history.contacts if c.channel in SYNC_CHANNELS]
    abandoned = sum(c.abandoned_at is not None for c in sync) / len(sync)
    assert 0.01 < abandoned < 0.35
    assert 0.02 < sum(c.transfer_count for c in history.contacts if c.channel == "voice") / len(sync)
    ended = [c for c in history.contacts if c.resolved is not None]
    assert 0.4 < sum(c.resolved for c in ended) / len(ended) < 0.9
    replies = [(c.answered_at - c.arrived_at).total_seconds() for c in history.contacts
               if c.channel in ASYNC_CHANNELS and c.answered_at is not None]
    assert min(replies) > 0 and max(replies) > 3600


def test_agent_states_are_contiguous_and_never_overlap(history):
    by_agent = defaultdict(list)
    for s in history.states:
        assert s.state in AGENT_STATES and (s.reason is not None) == (s.state == "aux")
        by_agent[s.agent_id].append(s)
    for intervals in by_agent.values():
        intervals.sort(key=lambda s: s.started_at)
        for before, after in zip(intervals, intervals[1:]):
            assert before.ended_at == after.started_at
            assert before.started_at < before.ended_at
    assert len({s.source_id for s in history.states}) == len(history.states)


def test_an_agent_holds_at_most_three_chats_and_one_other_contact(history):
    spans = defaultdict(list)
    for c in history.contacts:
        if c.answered_at is not None and c.ended_at is not None and c.channel == "chat":
            spans[c.agent_id].append((c.answered_at, c.ended_at))
    most = 0
    for intervals in spans.values():
        events = sorted([(a, 1) for a, _ in intervals] + [(b, -1) for _, b in intervals])
        held = 0
        for _, step in events:
            held += step
            most = max(most, held)
    assert 2 <= most <= 3


def test_customers_come_back_across_channels(history):
    channels = defaultdict(set)
    count = defaultdict(int)
    for c in history.contacts:
        channels[c.customer_id].add(c.channel)
        count[c.customer_id] += 1
    assert sum(len(v) >= 2 for v in channels.values()) > 20
    repeaters = sum(n >= 2 for n in count.values()) / len(count)
    assert 0.05 < repeaters < 0.5


def test_unresolved_contacts_come_back_more_often(history):
    later = defaultdict(list)
    for c in history.contacts:
        later[c.customer_id].append(c.arrived_at)

    def came_back(c):
        return any(c.arrived_at < t <= c.arrived_at + timedelta(days=3) for t in later[c.customer_id])
    early = [c for c in history.contacts if c.arrived_at < END - timedelta(days=3) and c.resolved is not None]
    resolved = [came_back(c) for c in early if c.resolved]
    unresolved = [came_back(c) for c in early if not c.resolved]
    assert sum(unresolved) / len(unresolved) > 2 * sum(resolved) / len(resolved)


def test_surveys_are_in_range_and_answer_real_contacts(history):
    contacts = {c.source_id: c for c in history.contacts}
    assert {s.kind for s in history.surveys} == set(SURVEY_KINDS)
    for s in history.surveys:
        low, high = SURVEY_KINDS[s.kind]
        assert low <= s.score <= high
        contact = contacts[s.contact_source_id]
        assert contact.ended_at is not None and s.responded_at >= contact.ended_at
    assert any(s.comment for s in history.surveys)
    assert len({s.source_id for s in history.surveys}) == len(history.surveys)


def test_polling_a_day_in_five_second_steps_matches_the_backfill():
    source = SimulatorSource(timezone=ZONE)
    start, end = datetime(2026, 3, 29, 22, 0, tzinfo=timezone.utc), datetime(2026, 3, 30, 22, 0, tzinfo=timezone.utc)
    cursor, now, latest = source.cursor_at(start), start, {}
    while now < end:
        now += timedelta(seconds=5)
        batch, cursor = source.poll(cursor, now)
        for record in batch.contacts + batch.states + batch.surveys:
            latest[(type(record).__name__, record.source_id)] = record
    final = {(type(r).__name__, r.source_id): r
             for r in (lambda b: b.contacts + b.states + b.surveys)(merged(backfill(7, 3, end, ZONE)))}
    before = {(type(r).__name__, r.source_id): r
              for r in (lambda b: b.contacts + b.states + b.surveys)(merged(backfill(7, 3, start, ZONE)))}
    assert latest and all(final[key] == record for key, record in latest.items())
    changed = {key for key, record in final.items() if before.get(key) != record}
    assert changed == set(latest)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(minutes=st.integers(min_value=0, max_value=3 * 24 * 60), step=st.integers(min_value=1, max_value=900))
def test_nothing_after_now_leaks(minutes, step):
    source = SimulatorSource(timezone=ZONE)
    now = datetime(2026, 3, 29, 0, 0, tzinfo=timezone.utc) + timedelta(minutes=minutes)
    batch, cursor = source.poll({}, now)
    assert all(t <= now for t in record_times(batch))
    later = now + timedelta(seconds=step)
    batch, cursor = source.poll(cursor, later)
    assert all(t <= later for t in record_times(batch))
    assert all(s.ended_at is None or s.ended_at <= later for s in batch.states)


def test_a_restarted_source_continues_exactly_where_the_cursor_says():
    now = datetime(2026, 3, 30, 9, 0, tzinfo=timezone.utc)
    running = SimulatorSource(timezone=ZONE)
    _, cursor = running.poll({}, now)
    expected, next_cursor = running.poll(cursor, now + timedelta(minutes=3))
    restarted = SimulatorSource(timezone=ZONE)
    assert restarted.poll(dict(cursor), now + timedelta(minutes=3)) == (expected, next_cursor)


def test_the_first_poll_shows_the_present_and_later_polls_catch_up_in_bounded_slices():
    source = SimulatorSource(timezone=ZONE)
    now = datetime(2026, 3, 30, 9, 0, tzinfo=timezone.utc)
    batch, cursor = source.poll({}, now)
    assert len(batch.agents) >= 40
    online = {s.agent_id for s in batch.states if s.ended_at is None and s.state != "offline"}
    assert len(online) >= 10
    assert any(c.answered_at is None and c.ended_at is None for c in batch.contacts)
    _, caught_up = source.poll(cursor, now + timedelta(days=2))
    assert caught_up["at_ms"] - cursor["at_ms"] == 6 * 3600 * 1000
    assert source.poll(cursor, now - timedelta(seconds=1)) == (Batch(), cursor)
    assert (cursor["seed"], cursor["timezone"], cursor["scale"]) == (7, ZONE, 1.0)


def test_scale_multiplies_the_arrivals():
    day = END.date()
    small, large = journeys_started(7, day, "UTC", 1.0), journeys_started(7, day, "UTC", 3.0)
    assert 2.6 < len(large) / len(small) < 3.4
