"""Additive counts per 15-minute interval: what each record contributes to the roll-ups.

Every stored roll-up row is a ``Counts``; a longer window is the sum of its
intervals and its ratios are taken last (METRICS.md, "Aggregation rules"). The
same functions feed the roll-ups and the direct computation over raw records, so
the two cannot disagree.

Every current IANA zone's UTC offset is a whole number of quarter hours, so the
15-minute grid is the same in UTC and in the site's zone: intervals are floored
in UTC, and days and weeks are cut in the site's zone by ``dashboard.metrics.windows``.
"""

from __future__ import annotations

import operator
from collections import defaultdict
from dataclasses import dataclass, fields
from datetime import datetime, timedelta
from typing import Iterable

from dashboard.records import ASYNC_CHANNELS

INTERVAL = timedelta(minutes=15)
SATISFIED_CSAT = 4
PROMOTER_NPS, DETRACTOR_NPS = 9, 6


def interval_start(at: datetime) -> datetime:
    """The start of the 15-minute interval holding ``at`` (aware, same zone as ``at``)."""
    return at.replace(minute=at.minute - at.minute % 15, second=0, microsecond=0)


@dataclass(slots=True)
class Counts:
    """The additive figures of one scope over one interval (or the sum of several)."""

    offered: int = 0
    answered: int = 0
    answered_within_threshold: int = 0
    abandoned: int = 0
    abandoned_within_threshold: int = 0
    short_abandoned: int = 0
    answer_wait_seconds: float = 0.0
    abandon_wait_seconds: float = 0.0
    ended: int = 0
    talk_seconds: float = 0.0
    hold_seconds: float = 0.0
    wrap_seconds: float = 0.0
    transferred: int = 0
    responded: int = 0
    responded_within_target: int = 0
    response_seconds: float = 0.0
    expired_unanswered: int = 0
    resolved_known: int = 0
    first_contact_resolved: int = 0
    repeated: int = 0
    csat_responses: int = 0
    csat_satisfied: int = 0
    csat_score_sum: float = 0.0
    nps_responses: int = 0
    nps_promoters: int = 0
    nps_detractors: int = 0
    ces_responses: int = 0
    ces_score_sum: float = 0.0

    # the collector adds and subtracts these for every changed record: the field values are
    # read with one C-level attrgetter (_values) instead of a Python loop of getattr calls
    def __add__(self, other: Counts) -> Counts:
        return Counts(*map(operator.add, _values(self), _values(other)))

    def __sub__(self, other: Counts) -> Counts:
        return Counts(*map(operator.sub, _values(self), _values(other)))

    def __bool__(self) -> bool:
        return any(_values(self))

    def as_dict(self) -> dict[str, float]:
        return dict(zip(COUNT_FIELDS, _values(self)))

    @classmethod
    def of(cls, row: object) -> Counts:
        """The counts held by any object with these attributes (an ORM roll-up row)."""
        return cls(*((getattr(row, f) or 0) for f in COUNT_FIELDS))


COUNT_FIELDS: tuple[str, ...] = tuple(f.name for f in fields(Counts))
_values = operator.attrgetter(*COUNT_FIELDS)


def total(items: Iterable[Counts]) -> Counts:
    """The sum of ``items``, field by field in one pass (the snapshot sums 40 queues per channel every tick)."""
    columns = list(zip(*map(_values, items)))
    return Counts(*map(sum, columns)) if columns else Counts()


@dataclass(frozen=True, slots=True)
class ContactPolicy:
    """The thresholds that decide a contact's counts: T, S and R in seconds, repeat window."""

    service_level_seconds: float = 20.0
    short_abandon_seconds: float = 5.0
    response_target_seconds: float = 86400.0
    repeat_window_seconds: float = 7 * 86400.0


def is_async(channel: str) -> bool:
    return channel in ASYNC_CHANNELS


def response_due_at(contact, policy: ContactPolicy) -> datetime | None:
    """Arrival + R for an asynchronous contact, else None."""
    if not is_async(contact.channel):
        return None
    return contact.arrived_at + timedelta(seconds=policy.response_target_seconds)


def is_repeat(contact, policy: ContactPolicy) -> bool:
    """The same customer came back within the repeat window after this contact arrived."""
    next_at = getattr(contact, "next_contact_at", None)
    return next_at is not None and (next_at - contact.arrived_at).total_seconds() <= policy.repeat_window_seconds


Entry = tuple  # (interval start, count field, amount): one sparse addition to a roll-up row


def contact_entries(contact, policy: ContactPolicy, now: datetime) -> list[Entry]:
    """What one contact adds to the roll-ups, as known at ``now``: (interval, field, amount) entries.

    Offered counts at arrival; answered or abandoned at that outcome; handle time,
    transfers and resolution at the end. An asynchronous contact still unanswered
    when its response target R passes counts as ``expired_unanswered`` at that moment
    (only once ``now`` has reached it), and moves to a late response when answered.
    Outbound contacts add handle time only: they were never offered to a queue.

    Sparse on purpose: a contact touches a handful of the 28 counts, and the collector
    adds these for every changed record (``contact_contributions`` folds them into ``Counts``).
    """
    out: list[Entry] = []
    inbound = contact.direction != "outbound"
    if inbound:
        out.append((interval_start(contact.arrived_at), "offered", 1))
        if is_async(contact.channel):
            _add_response(out, contact, policy, now)
        else:
            _add_queue_outcome(out, contact, policy)
    if contact.ended_at is not None and (contact.answered_at is not None or not inbound):
        _add_end(out, contact, policy)
    return out


def contact_contributions(contact, policy: ContactPolicy, now: datetime) -> dict[datetime, Counts]:
    """What one contact adds to each 15-minute interval, as known at ``now`` (``contact_entries`` as Counts)."""
    return fold(contact_entries(contact, policy, now))


def fold(entries: Iterable[Entry]) -> dict[datetime, Counts]:
    """Sparse entries summed into one ``Counts`` per interval."""
    out: defaultdict[datetime, Counts] = defaultdict(Counts)
    for at, name, amount in entries:
        counts = out[at]
        setattr(counts, name, getattr(counts, name) + amount)
    return dict(out)


def _add_queue_outcome(out: list[Entry], contact, policy: ContactPolicy) -> None:
    if contact.answered_at is not None:
        wait = (contact.answered_at - contact.arrived_at).total_seconds()
        at = interval_start(contact.answered_at)
        out += [(at, "answered", 1), (at, "answer_wait_seconds", wait)]
        if wait <= policy.service_level_seconds:
            out.append((at, "answered_within_threshold", 1))
    elif contact.abandoned_at is not None:
        wait = (contact.abandoned_at - contact.arrived_at).total_seconds()
        at = interval_start(contact.abandoned_at)
        if wait <= policy.short_abandon_seconds:
            out.append((at, "short_abandoned", 1))
            return
        out += [(at, "abandoned", 1), (at, "abandon_wait_seconds", wait)]
        if wait <= policy.service_level_seconds:
            out.append((at, "abandoned_within_threshold", 1))


def _add_response(out: list[Entry], contact, policy: ContactPolicy, now: datetime) -> None:
    due_at = response_due_at(contact, policy)
    if contact.answered_at is not None:
        seconds = (contact.answered_at - contact.arrived_at).total_seconds()
        at = interval_start(contact.answered_at)
        out += [(at, "responded", 1), (at, "response_seconds", seconds)]
        if seconds <= policy.response_target_seconds:
            out.append((at, "responded_within_target", 1))
    elif due_at <= now and (contact.ended_at is None or contact.ended_at > due_at):
        out.append((interval_start(due_at), "expired_unanswered", 1))


def handle_parts(contact) -> tuple[float, float, float]:
    """An ended contact's talk, hold and after-contact work in seconds: what AHT adds up for it.

    The connected span (answer, else arrival, to end) holds any hold time, so talk is the span
    less hold (no double count), and hold is cut to the span. An asynchronous case stays open for
    hours between first reply and closure while nobody works on it: that span is elapsed time, not
    handle time, so only the after-contact work the source reports counts."""
    start = contact.answered_at or contact.arrived_at
    span = 0.0 if is_async(contact.channel) else max(0.0, (contact.ended_at - start).total_seconds())
    hold = min(float(contact.hold_seconds or 0.0), span)
    return span - hold, hold, float(contact.wrap_seconds or 0.0)


def _add_end(out: list[Entry], contact, policy: ContactPolicy) -> None:
    at = interval_start(contact.ended_at)
    talk, hold, wrap = handle_parts(contact)
    out += [(at, "ended", 1), (at, "talk_seconds", talk), (at, "hold_seconds", hold), (at, "wrap_seconds", wrap)]
    if (contact.transfer_count or 0) >= 1:
        out.append((at, "transferred", 1))
    repeat = is_repeat(contact, policy)
    if repeat:
        out.append((at, "repeated", 1))
    if contact.resolved is not None:
        out.append((at, "resolved_known", 1))
        if bool(contact.resolved) and not contact.transfer_count and not repeat:
            out.append((at, "first_contact_resolved", 1))


def survey_entries(survey) -> list[Entry]:
    """A survey response adds to its kind's counts in the interval it was given."""
    at, score = interval_start(survey.responded_at), survey.score
    if survey.kind == "csat":
        out = [(at, "csat_responses", 1), (at, "csat_score_sum", float(score))]
        return out + [(at, "csat_satisfied", 1)] if score >= SATISFIED_CSAT else out
    if survey.kind == "nps":
        out = [(at, "nps_responses", 1)]
        if score >= PROMOTER_NPS:
            out.append((at, "nps_promoters", 1))
        if score <= DETRACTOR_NPS:
            out.append((at, "nps_detractors", 1))
        return out
    if survey.kind == "ces":
        return [(at, "ces_responses", 1), (at, "ces_score_sum", float(score))]
    return []


def survey_contributions(survey) -> dict[datetime, Counts]:
    """``survey_entries`` as one ``Counts`` for the interval the response was given in."""
    return fold(survey_entries(survey))


def state_contributions(state) -> dict[tuple[datetime, str, str], float]:
    """Seconds a closed state interval spends in each 15-minute interval; an open one adds nothing yet."""
    if state.ended_at is None or state.ended_at <= state.started_at:
        return {}
    out: dict[tuple[datetime, str, str], float] = {}
    reason = state.reason or ""
    cursor = state.started_at
    while cursor < state.ended_at:
        start = interval_start(cursor)
        stop = min(start + INTERVAL, state.ended_at)
        key = (start, state.state, reason)
        out[key] = out.get(key, 0.0) + (stop - cursor).total_seconds()
        cursor = stop
    return out


def counts_in_window(contacts: Iterable, surveys: Iterable, policy_for, start: datetime, end: datetime,
                     now: datetime) -> Counts:
    """The counts of a window [start, end) computed straight from raw records.

    ``policy_for(contact)`` gives each contact's ContactPolicy. For a window on the
    15-minute grid this equals the sum of the roll-up rows of its intervals. A record
    given twice under one (source, source id) counts once, the last one winning, as
    the store's upsert keeps it.
    """
    result = Counts()
    for contact in _latest(contacts):
        for at, counts in contact_contributions(contact, policy_for(contact), now).items():
            if start <= at < end:
                result = result + counts
    for survey in _latest(surveys):
        for at, counts in survey_contributions(survey).items():
            if start <= at < end:
                result = result + counts
    return result


def _latest(records: Iterable) -> list:
    latest: dict[tuple, object] = {}
    for record in records:
        source_id = getattr(record, "source_id", None)
        latest[(getattr(record, "source", None), source_id if source_id is not None else id(record))] = record
    return list(latest.values())
