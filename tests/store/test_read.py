"""Page-side reads over the roll-up tables: sums in SQL, grouping by site day and week, filters."""

from __future__ import annotations

from datetime import date, timedelta
from zoneinfo import ZoneInfo

import pytest

from dashboard.metrics.counts import Counts, counts_in_window
from dashboard.metrics.windows import day_window
from dashboard.records import Batch, Contact
from dashboard.store import raw, read
from dashboard.store.db import session_scope
from dashboard.store.models import (AgentIntervalStatRow, AgentStateRow, AgentStateStatRow, ContactRow,
                                    CustomerWeekRow, IntervalStatRow)
from tests.conftest import utc

BERLIN = ZoneInfo("Europe/Berlin")


def stat(at, queue="Billing", channel="voice", **counts) -> IntervalStatRow:
    return IntervalStatRow(interval_start=at, queue=queue, channel=channel, **counts)


def insert(engine, *rows) -> None:
    with session_scope(engine) as session:
        session.add_all(rows)


def test_counts_by_queue_channel_and_all(engine):
    t = utc(2026, 3, 2, 9)
    insert(engine,
           stat(t, offered=10, answered=8, answered_within_threshold=6, answer_wait_seconds=80.0),
           stat(t + timedelta(minutes=15), offered=4, answered=4, answered_within_threshold=4),
           stat(t, queue="Sales", offered=3, abandoned=1),
           stat(t, queue="Mail", channel="email", offered=5, responded=2, responded_within_target=1),
           stat(t + timedelta(hours=1), offered=99))  # outside [09:00, 10:00)
    end = t + timedelta(hours=1)
    with session_scope(engine) as session:
        everything = read.counts_by(session, t, end)
        by_queue = read.counts_by(session, t, end, "queue")
        by_channel = read.counts_by(session, t, end, "channel")
        only_voice = read.counts_by(session, t, end, queues=["Billing", "Sales"], channels=["voice"])
        by_interval = read.counts_by(session, t, end, "interval", queues=["Billing"])
    # all: offered 10 + 4 + 3 + 5 = 22; Billing answered 8 + 4 = 12, within 6 + 4 = 10
    assert everything[read.ALL].offered == 22
    assert (by_queue["Billing"].answered, by_queue["Billing"].answered_within_threshold) == (12, 10)
    assert set(by_queue) == {"Billing", "Sales", "Mail"}
    assert (by_channel["voice"].offered, by_channel["email"].responded) == (17, 2)
    assert only_voice[read.ALL].offered == 17
    assert by_interval == {t: Counts(offered=10, answered=8, answered_within_threshold=6, answer_wait_seconds=80.0),
                           t + timedelta(minutes=15): Counts(offered=4, answered=4, answered_within_threshold=4)}


def test_empty_window_gives_empty_counts(engine):
    with session_scope(engine) as session:
        assert read.counts_by(session, utc(2026, 1, 1), utc(2026, 1, 2)) == {read.ALL: Counts()}
        assert read.counts_by(session, utc(2026, 1, 1), utc(2026, 1, 2), "queue") == {}
    with pytest.raises(ValueError):
        with session_scope(engine) as session:
            read.counts_by(session, utc(2026, 1, 1), utc(2026, 1, 2), "month")


def test_days_follow_the_site_clock_on_a_dst_day(engine):
    # Berlin 2026-10-25 runs 22:00 UTC (24th) to 23:00 UTC (25th): 25 hours, 100 intervals.
    # 21:45 UTC on the 24th is 23:45 CEST → 24 Oct; 22:00 UTC → 25 Oct; 22:45 UTC on the 25th is
    # 23:45 CET → 25 Oct; 23:00 UTC → 26 Oct.
    insert(engine, stat(utc(2026, 10, 24, 21, 45), offered=1), stat(utc(2026, 10, 24, 22), offered=2),
           stat(utc(2026, 10, 25, 22, 45), offered=4), stat(utc(2026, 10, 25, 23), offered=8))
    window = day_window(date(2026, 10, 24), BERLIN)
    end = day_window(date(2026, 10, 26), BERLIN).end
    with session_scope(engine) as session:
        days = read.counts_by(session, window.start, end, "day", tz=BERLIN)
    assert {d: c.offered for d, c in days.items()} == {date(2026, 10, 24): 1, date(2026, 10, 25): 6,
                                                       date(2026, 10, 26): 8}


def test_weeks_across_a_year_end_with_empty_weeks_shown(engine):
    # ISO week 53 of 2026 runs Mon 28 Dec to Sun 3 Jan; the week of 4 Jan has nothing
    insert(engine, stat(utc(2026, 12, 31, 12), offered=3), stat(utc(2027, 1, 3, 23, 45), offered=2),
           stat(utc(2026, 12, 27, 23, 45), offered=7))
    with session_scope(engine) as session:
        weeks = read.counts_by(session, utc(2026, 12, 21), utc(2027, 1, 11), "week")
    assert {w: c.offered for w, c in weeks.items()} == {date(2026, 12, 21): 7, date(2026, 12, 28): 5,
                                                        date(2027, 1, 4): 0}


def test_agent_grouping_and_state_seconds(engine):
    t = utc(2026, 3, 2, 9)
    insert(engine,
           AgentIntervalStatRow(interval_start=t, agent_id="ann", queue="Billing", channel="voice", ended=3,
                                talk_seconds=600.0),
           AgentIntervalStatRow(interval_start=t, agent_id="ann", queue="Sales", channel="voice", ended=1,
                                talk_seconds=300.0),
           AgentIntervalStatRow(interval_start=t, agent_id="bob", queue="Billing", channel="voice", ended=2),
           AgentStateStatRow(interval_start=t, agent_id="ann", state="available", reason="", seconds=300.0),
           AgentStateStatRow(interval_start=t + timedelta(minutes=15), agent_id="ann", state="available",
                             reason="", seconds=900.0),
           AgentStateStatRow(interval_start=t, agent_id="ann", state="aux", reason="break", seconds=120.0),
           AgentStateStatRow(interval_start=t, agent_id="bob", state="aux", reason="lunch", seconds=600.0),
           AgentStateRow(source="s", source_id="x", agent_id="ann", state="available", started_at=t),
           AgentStateRow(source="s", source_id="y", agent_id="bob", state="aux", started_at=t - timedelta(hours=1),
                         ended_at=t))
    end = t + timedelta(hours=1)
    with session_scope(engine) as session:
        agents = read.counts_by(session, t, end, "agent")
        ann_billing = read.counts_by(session, t, end, agents=["ann"], queues=["Billing"])
        seconds = read.state_seconds_by_agent(session, t, end)
        reasons = read.aux_seconds_by_reason(session, t, end)
        open_states = raw.open_states(session)
    assert (agents["ann"].ended, agents["ann"].talk_seconds, agents["bob"].ended) == (4, 900.0, 2)
    assert ann_billing[read.ALL].ended == 3
    assert seconds == {"ann": {"available": 1200.0, "aux": 120.0}, "bob": {"aux": 600.0}}
    assert reasons == {"break": 120.0, "lunch": 600.0}
    assert [s.agent_id for s in open_states] == ["ann"]


def test_touchpoints_rows(engine):
    insert(engine, CustomerWeekRow(week_start=date(2026, 12, 28), customer_id="ann", contacts=2, channels="chat,voice"),
           CustomerWeekRow(week_start=date(2027, 1, 4), customer_id="ann", contacts=1, channels="email"),
           CustomerWeekRow(week_start=date(2026, 12, 28), customer_id="bob", contacts=4, channels="voice"))
    with session_scope(engine) as session:
        assert read.touchpoints(session, date(2026, 12, 28)) == [("ann", 2, "chat,voice"), ("bob", 4, "voice")]
        assert len(read.touchpoints(session, date(2026, 12, 28), date(2027, 1, 4))) == 3


def test_open_contacts_and_rollups_agree_with_direct_computation(engine, settings):
    from collectors.pipeline import policy_resolver, store_batch

    t = utc(2026, 3, 2, 9)
    contacts = [Contact("s", "c1", "voice", "Billing", t, answered_at=t + timedelta(seconds=15),
                        ended_at=t + timedelta(minutes=20), wrap_seconds=30),
                Contact("s", "c2", "voice", "Billing", t + timedelta(minutes=14, seconds=50),
                        answered_at=t + timedelta(minutes=15, seconds=30)),
                Contact("s", "c3", "voice", "Billing", t + timedelta(minutes=16), abandoned_at=t + timedelta(minutes=17)),
                Contact("s", "c4", "voice", "Billing", t + timedelta(minutes=50))]
    now = t + timedelta(hours=1)
    store_batch(engine, settings, "s", "fake", Batch(contacts=contacts), {}, now)
    policy = policy_resolver(settings)
    direct = counts_in_window(contacts, [], lambda c: policy(c.queue, c.channel), t, now, now)
    with session_scope(engine) as session:
        assert read.counts_by(session, t, now)[read.ALL] == direct
        assert [c.source_id for c in raw.open_contacts(session)] == ["c4"]
        assert session.get(ContactRow, 1) is not None
