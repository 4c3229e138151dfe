"""Each record's contributions to the 15-minute roll-ups: hand-worked cases, then properties."""

from __future__ import annotations

import random
from dataclasses import replace
from datetime import timedelta
from types import SimpleNamespace

from hypothesis import given, settings, strategies as st

from dashboard.metrics.counts import (INTERVAL, ContactPolicy, Counts, contact_contributions, counts_in_window,
                                      interval_start, state_contributions, survey_contributions, total)
from dashboard.records import AgentStateInterval, Contact, SurveyResponse
from tests.conftest import utc

T0 = utc(2026, 3, 2, 9, 0, 0)
VOICE = ContactPolicy(service_level_seconds=20, short_abandon_seconds=5)
EMAIL = ContactPolicy(response_target_seconds=3600)


def voice(source_id="c1", seconds=0, **fields) -> Contact:
    return Contact(source="s", source_id=source_id, channel="voice", queue="Billing",
                   arrived_at=T0 + timedelta(seconds=seconds), **fields)


def email(source_id="e1", **fields) -> Contact:
    return Contact(source="s", source_id=source_id, channel="email", queue="Mail", arrived_at=T0, **fields)


def at(seconds: float):
    return T0 + timedelta(seconds=seconds)


def one(contributions: dict) -> Counts:
    return total(contributions.values())


# ---- synchronous outcomes ------------------------------------------------------------------------

def test_answer_exactly_at_threshold_is_within_it():
    # waited 20 s = T: within; 21 s: not
    assert one(contact_contributions(voice(answered_at=at(20)), VOICE, at(60))).answered_within_threshold == 1
    late = one(contact_contributions(voice(answered_at=at(21)), VOICE, at(60)))
    assert (late.answered, late.answered_within_threshold, late.answer_wait_seconds) == (1, 0, 21.0)


def test_abandon_exactly_at_short_threshold_is_short():
    # waited 5 s = S: a short abandon, in no rate; 6 s: abandoned, and within T (6 ≤ 20)
    short = one(contact_contributions(voice(abandoned_at=at(5)), VOICE, at(60)))
    assert (short.short_abandoned, short.abandoned, short.abandon_wait_seconds) == (1, 0, 0.0)
    counted = one(contact_contributions(voice(abandoned_at=at(6)), VOICE, at(60)))
    assert (counted.abandoned, counted.abandoned_within_threshold, counted.abandon_wait_seconds) == (1, 1, 6.0)
    slow = one(contact_contributions(voice(abandoned_at=at(30)), VOICE, at(60)))
    assert (slow.abandoned, slow.abandoned_within_threshold) == (1, 0)


def test_contact_spanning_two_intervals_counts_where_each_thing_happened():
    # arrives 09:14:50 (interval 09:00), answered 09:15:10 (09:15), ended 09:31:00 (09:30)
    contact = voice(seconds=890, answered_at=at(910), ended_at=at(1860), wrap_seconds=30)
    parts = contact_contributions(contact, VOICE, at(3600))
    assert sorted(parts) == [T0, at(900), at(1800)]
    assert parts[T0].offered == 1 and parts[T0].answered == 0
    assert (parts[at(900)].answered, parts[at(900)].answer_wait_seconds) == (1, 20.0)
    assert (parts[at(1800)].ended, parts[at(1800)].talk_seconds, parts[at(1800)].wrap_seconds) == (1, 950.0, 30.0)


def test_handle_time_is_connected_span_plus_wrap_with_hold_inside_the_span():
    # answered 09:00:20, ended 09:05:20: span 300 s holding 60 s of hold → talk 240, hold 60, wrap 30
    # handle = 240 + 60 + 30 = 330 s = span + wrap (hold is not added twice)
    counts = one(contact_contributions(voice(answered_at=at(20), ended_at=at(320), hold_seconds=60,
                                             wrap_seconds=30), VOICE, at(900)))
    assert (counts.talk_seconds, counts.hold_seconds, counts.wrap_seconds) == (240.0, 60.0, 30.0)
    # a source reporting more hold than the span: hold is clipped to the span (talk 0, hold 100)
    odd = one(contact_contributions(voice(answered_at=at(20), ended_at=at(120), hold_seconds=500), VOICE, at(900)))
    assert (odd.talk_seconds, odd.hold_seconds) == (0.0, 100.0)


def test_transfer_and_first_contact_resolution():
    # resolved and never transferred: FCR; transferred once: resolved but not FCR; unknown: not counted
    policy = replace(VOICE, repeat_window_seconds=7 * 86400)
    base = dict(answered_at=at(10), ended_at=at(100))
    fcr = one(contact_contributions(voice(resolved=True, **base), policy, at(900)))
    moved = one(contact_contributions(voice(resolved=True, transfer_count=1, **base), policy, at(900)))
    unknown = one(contact_contributions(voice(resolved=None, **base), policy, at(900)))
    assert (fcr.resolved_known, fcr.first_contact_resolved, fcr.transferred) == (1, 1, 0)
    assert (moved.resolved_known, moved.first_contact_resolved, moved.transferred) == (1, 0, 1)
    assert (unknown.resolved_known, unknown.first_contact_resolved) == (0, 0)


def test_repeat_is_measured_from_arrival():
    # a stored row knows its customer's next arrival; window 7 days from this contact's arrival
    row = SimpleNamespace(**{f: getattr(voice(resolved=True, answered_at=at(10), ended_at=at(100)), f)
                             for f in Contact.__slots__})
    inside = SimpleNamespace(**vars(row), next_contact_at=T0 + timedelta(days=7))     # exactly 7 d: repeat
    outside = SimpleNamespace(**vars(row), next_contact_at=T0 + timedelta(days=7, seconds=1))
    assert one(contact_contributions(inside, VOICE, at(900))).repeated == 1
    assert one(contact_contributions(inside, VOICE, at(900))).first_contact_resolved == 0
    assert one(contact_contributions(outside, VOICE, at(900))).first_contact_resolved == 1


def test_outbound_adds_handle_time_only():
    contact = replace(voice(answered_at=at(0), ended_at=at(120)), direction="outbound")
    counts = one(contact_contributions(contact, VOICE, at(900)))
    assert (counts.offered, counts.answered, counts.ended, counts.talk_seconds) == (0, 0, 1, 120.0)


# ---- asynchronous responses ----------------------------------------------------------------------

def test_response_within_and_after_target():
    # R = 3600 s: answered after 1800 s is within; after 5400 s is late (counted where it happened)
    within = one(contact_contributions(email(answered_at=at(1800)), EMAIL, at(7200)))
    late = contact_contributions(email(answered_at=at(5400)), EMAIL, at(7200))
    assert (within.responded, within.responded_within_target, within.response_seconds) == (1, 1, 1800.0)
    assert late[at(5400)].responded == 1 and late[at(5400)].responded_within_target == 0
    assert one(late).expired_unanswered == 0


def test_unanswered_past_target_counts_once_the_target_passes():
    contact = email()
    assert one(contact_contributions(contact, EMAIL, at(3599))).expired_unanswered == 0
    parts = contact_contributions(contact, EMAIL, at(3600))  # exactly at R: breached, at 10:00
    assert parts[at(3600)].expired_unanswered == 1


def test_closed_before_target_without_response_is_no_breach():
    # the lead's rule: a contact closed (e.g. spam, merged) before R was never late
    assert one(contact_contributions(email(ended_at=at(600)), EMAIL, at(7200))).expired_unanswered == 0
    assert one(contact_contributions(email(ended_at=at(4000)), EMAIL, at(7200))).expired_unanswered == 1


# ---- surveys and states --------------------------------------------------------------------------

def test_survey_contributions():
    def survey(kind, score):
        return one(survey_contributions(SurveyResponse("s", f"{kind}{score}", "c1", kind, score, at(0))))
    assert (survey("csat", 4).csat_satisfied, survey("csat", 3).csat_satisfied) == (1, 0)
    assert survey("csat", 5).csat_score_sum == 5.0
    assert (survey("nps", 9).nps_promoters, survey("nps", 7).nps_promoters, survey("nps", 7).nps_detractors,
            survey("nps", 6).nps_detractors) == (1, 0, 0, 1)
    assert (survey("ces", 6).ces_responses, survey("ces", 6).ces_score_sum) == (1, 6.0)
    assert survey_contributions(SurveyResponse("s", "x", "c1", "other", 3, at(0))) == {}


def test_state_interval_split_across_intervals():
    # available 09:10 → 09:40: 300 s in 09:00, 900 s in 09:15, 600 s in 09:30
    state = AgentStateInterval("s", "a1", "ann", "available", at(600), at(2400))
    assert state_contributions(state) == {(T0, "available", ""): 300.0, (at(900), "available", ""): 900.0,
                                          (at(1800), "available", ""): 600.0}
    assert state_contributions(replace(state, ended_at=None)) == {}


# ---- direct computation over raw records ---------------------------------------------------------

def test_out_of_order_and_duplicate_records():
    # the same contact polled twice (waiting, then answered) counts once, as its last version;
    # and the order the records come in changes nothing
    waiting = voice("c1")
    answered = voice("c1", answered_at=at(15), ended_at=at(200))
    others = [voice(f"c{i}", seconds=i, abandoned_at=at(i + 30)) for i in range(2, 8)]
    records = others + [waiting, answered]
    expected = counts_in_window(records, [], lambda c: VOICE, T0, at(3600), at(3600))
    assert (expected.offered, expected.answered, expected.abandoned) == (7, 1, 6)
    shuffled = records[:]
    random.Random(3).shuffle(shuffled)
    shuffled.remove(waiting)
    shuffled.append(waiting)
    shuffled.remove(answered)
    shuffled.append(answered)  # shuffled, with the last version still last
    assert counts_in_window(shuffled, [], lambda c: VOICE, T0, at(3600), at(3600)) == expected


def test_interval_start_floors_to_the_quarter_hour():
    assert interval_start(utc(2026, 3, 2, 9, 29, 59)) == utc(2026, 3, 2, 9, 15)
    assert interval_start(utc(2026, 3, 2, 9, 30)) == utc(2026, 3, 2, 9, 30)


# ---- properties ----------------------------------------------------------------------------------

@st.composite
def voice_contacts(draw):
    contacts = []
    for i in range(draw(st.integers(0, 25))):
        arrive = draw(st.integers(0, 6 * 3600))
        outcome = draw(st.sampled_from(["answer", "abandon", "wait"]))
        wait = draw(st.integers(0, 120))
        fields = {}
        if outcome == "answer":
            fields = dict(answered_at=at(arrive + wait), ended_at=at(arrive + wait + draw(st.integers(1, 900))),
                          hold_seconds=draw(st.integers(0, 60)), transfer_count=draw(st.integers(0, 1)))
        elif outcome == "abandon":
            fields = dict(abandoned_at=at(arrive + wait))
        contacts.append(voice(f"c{i}", seconds=arrive, **fields))
    return contacts


@settings(max_examples=60, deadline=None)
@given(contacts=voice_contacts(), cuts=st.lists(st.integers(1, 31), max_size=4))
def test_any_split_of_a_window_sums_to_the_whole(contacts, cuts):
    # the window 09:00-17:00 cut at any interval boundaries: the parts add up to the whole,
    # and the whole equals the sum of the per-interval roll-ups
    now = at(8 * 3600)
    bounds = [T0] + sorted({T0 + INTERVAL * c for c in cuts}) + [T0 + INTERVAL * 32]
    policy = lambda c: VOICE  # noqa: E731
    whole = counts_in_window(contacts, [], policy, bounds[0], bounds[-1], now)
    parts = [counts_in_window(contacts, [], policy, lo, hi, now) for lo, hi in zip(bounds, bounds[1:])]
    assert total(parts) == whole
    rolled: dict = {}
    for contact in contacts:
        for start, counts in contact_contributions(contact, VOICE, now).items():
            rolled[start] = rolled.get(start, Counts()) + counts
    assert total(c for s, c in rolled.items() if bounds[0] <= s < bounds[-1]) == whole


def test_async_open_span_is_not_handle_time():
    # an email first answered at 09:10 and closed at 13:10 with 6 minutes of reported work:
    # the four open hours are elapsed time, not work, so handle time is the 360 s reported.
    from datetime import datetime, timedelta, timezone

    from dashboard.metrics.counts import ContactPolicy, contact_contributions, total
    from dashboard.metrics.ratios import aht_seconds
    from dashboard.records import Contact

    arrived = datetime(2026, 3, 2, 9, 0, tzinfo=timezone.utc)
    email = Contact(source="s", source_id="e1", channel="email", queue="Email Care", arrived_at=arrived,
                    answered_at=arrived + timedelta(minutes=10), ended_at=arrived + timedelta(hours=4, minutes=10),
                    wrap_seconds=360)
    counts = total(contact_contributions(email, ContactPolicy(), arrived + timedelta(days=1)).values())
    assert (counts.ended, counts.talk_seconds, aht_seconds(counts)) == (1, 0.0, 360.0)
