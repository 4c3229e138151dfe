"""The store's upserts: idempotent, never duplicated, roll-ups always equal to the raw records."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

from sqlalchemy import func, select

from collectors.pipeline import policy_resolver, store_batch
from dashboard.metrics.counts import Counts, counts_in_window
from dashboard.records import AgentStateInterval, Batch, Contact, SurveyResponse
from dashboard.store.db import session_scope
from dashboard.store.models import (AgentStateStatRow, ContactLinkRow, ContactRow, CustomerWeekRow, IntervalStatRow,
                                    SourceStateRow, SurveyRow)
from tests.conftest import utc

T0 = utc(2026, 3, 2, 9, 0, 0)


def voice(source_id: str, **fields) -> Contact:
    return Contact(source="s", source_id=source_id, channel="voice", queue="Billing",
                   arrived_at=fields.pop("arrived_at", T0), **fields)


def rollup_total(engine) -> Counts:
    with session_scope(engine) as session:
        return sum((Counts.of(row) for row in session.scalars(select(IntervalStatRow))), Counts())


def raw_total(engine, settings, now) -> Counts:
    policy = policy_resolver(settings)
    with session_scope(engine) as session:
        contacts = session.scalars(select(ContactRow)).all()
        surveys = [s for s in session.scalars(select(SurveyRow)) if s.queue]
        return counts_in_window(contacts, surveys, lambda c: policy(c.queue, c.channel),
                                utc(2000, 1, 1), utc(2100, 1, 1), now)


def test_waiting_then_answered_then_ended_is_one_contact_counted_once(engine, settings):
    waiting = voice("c1")
    answered = replace(waiting, answered_at=T0 + timedelta(seconds=12), agent_id="a1")
    ended = replace(answered, ended_at=T0 + timedelta(seconds=312), wrap_seconds=30, resolved=True)
    for step, contact in enumerate((waiting, answered, ended)):
        store_batch(engine, settings, "s", "fake", Batch(contacts=[contact]), {"n": step}, T0 + timedelta(minutes=10))
    with session_scope(engine) as session:
        assert session.scalar(select(func.count()).select_from(ContactRow)) == 1
    total = rollup_total(engine)
    # offered 1, answered 1 within 20 s (12 s wait), ended 1: talk 300 s + wrap 30 s
    assert (total.offered, total.answered, total.answered_within_threshold, total.ended) == (1, 1, 1, 1)
    assert (total.talk_seconds, total.wrap_seconds, total.answer_wait_seconds) == (300.0, 30.0, 12.0)


def test_the_same_batch_twice_changes_nothing(engine, settings):
    batch = Batch(contacts=[voice("c1", answered_at=T0 + timedelta(seconds=30), ended_at=T0 + timedelta(minutes=5)),
                            voice("c2", abandoned_at=T0 + timedelta(seconds=40))],
                  states=[AgentStateInterval("s", "st1", "a1", "available", T0, T0 + timedelta(minutes=20))])
    now = T0 + timedelta(hours=1)
    store_batch(engine, settings, "s", "fake", batch, {"n": 1}, now)
    first = rollup_total(engine)
    store_batch(engine, settings, "s", "fake", batch, {"n": 1}, now)
    assert rollup_total(engine) == first
    with session_scope(engine) as session:
        assert session.scalar(select(func.count()).select_from(ContactRow)) == 2
        # 20 minutes available: 15 in the 09:00 interval, 5 in the 09:15 one
        seconds = sorted(r.seconds for r in session.scalars(select(AgentStateStatRow)))
        assert seconds == [300.0, 900.0]
        state = session.get(SourceStateRow, "s")
        assert state.cursor == '{"n": 1}' and state.accepted == 6


def test_roll_ups_equal_raw_records_after_journeys_and_surveys(engine, settings):
    now = T0 + timedelta(days=1)
    first = voice("c1", customer_id="k1", answered_at=T0 + timedelta(seconds=5), ended_at=T0 + timedelta(minutes=4),
                  resolved=True)
    back = voice("c2", customer_id="k1", arrived_at=T0 + timedelta(days=2), answered_at=T0 + timedelta(days=2, seconds=9),
                 ended_at=T0 + timedelta(days=2, minutes=3), resolved=True)
    survey = SurveyResponse("s", "v1", "c1", "csat", 5, T0 + timedelta(minutes=10), "great")
    store_batch(engine, settings, "s", "fake", Batch(surveys=[survey]), {}, now)  # before its contact
    store_batch(engine, settings, "s", "fake", Batch(contacts=[first]), {}, now)
    before = rollup_total(engine)
    assert (before.first_contact_resolved, before.csat_satisfied) == (1, 1)
    store_batch(engine, settings, "s", "fake", Batch(contacts=[back]), {}, now)
    after = rollup_total(engine)
    # c1 is now a repeat (c2 came back within 7 days): c1 no longer first-contact resolved, c2 still is
    assert (after.repeated, after.first_contact_resolved, after.resolved_known) == (1, 1, 2)
    assert after == raw_total(engine, settings, now)
    with session_scope(engine) as session:
        week = session.scalars(select(CustomerWeekRow)).all()
        assert [(w.customer_id, w.contacts, w.channels) for w in week] == [("k1", 2, "voice")]


def test_async_contact_counts_against_response_sla_once_its_target_passes(engine, settings):
    email = Contact(source="s", source_id="e1", channel="email", queue="Email Care", arrived_at=T0)
    store_batch(engine, settings, "s", "fake", Batch(contacts=[email]), {}, T0 + timedelta(hours=1))
    assert rollup_total(engine).expired_unanswered == 0
    store_batch(engine, settings, "s", "fake", Batch(), {}, T0 + timedelta(hours=25))  # 24 h target passed
    assert rollup_total(engine).expired_unanswered == 1
    late = replace(email, answered_at=T0 + timedelta(hours=26))
    store_batch(engine, settings, "s", "fake", Batch(contacts=[late]), {}, T0 + timedelta(hours=27))
    total = rollup_total(engine)
    assert (total.expired_unanswered, total.responded, total.responded_within_target) == (0, 1, 0)
    assert total == raw_total(engine, settings, T0 + timedelta(hours=27))


def test_journeys_link_out_of_order_in_one_batch_and_follow_a_changed_customer(engine, settings):
    now = T0 + timedelta(days=1)
    ended = {"answered_at": timedelta(seconds=5), "ended_at": timedelta(minutes=3)}

    def call(source_id, customer, minutes, **extra):
        arrived = T0 + timedelta(minutes=minutes)
        return voice(source_id, customer_id=customer, arrived_at=arrived, resolved=True,
                     **{name: arrived + offset for name, offset in ended.items()}, **extra)

    # one batch, out of order: k1 calls at 09:40, 09:00 and 09:20; k2 once at 09:10
    store_batch(engine, settings, "s", "fake", Batch(contacts=[call("c3", "k1", 40), call("c1", "k1", 0),
                                                               call("c2", "k1", 20), call("k2-1", "k2", 10)]), {}, now)
    # c3 turns out to be k2's call, and a stored call is sent again unchanged
    store_batch(engine, settings, "s", "fake", Batch(contacts=[call("c3", "k2", 40), call("c1", "k1", 0)]), {}, now)
    with session_scope(engine) as session:
        following = dict(session.execute(select(ContactRow.source_id, ContactLinkRow.next_contact_at).outerjoin(
            ContactLinkRow, ContactLinkRow.contact_id == ContactRow.id)).all())
    # c1 → c2 (k1's next call); c2 had c3 next until c3 moved to k2; k2's 09:10 call now has c3 next
    assert following == {"c1": T0 + timedelta(minutes=20), "c2": None, "c3": None,
                         "k2-1": T0 + timedelta(minutes=40)}
    total = rollup_total(engine)
    assert (total.ended, total.repeated, total.first_contact_resolved) == (4, 2, 2)
    assert total == raw_total(engine, settings, now)
