"""Live figures from the open contacts at ``now``: waiting now, longest wait, backlog, oldest unanswered.

Input is any iterable of records with the attributes of ``dashboard.records.Contact``
(dataclasses or ORM rows). Each function reads the records as known at ``now``:
a contact that arrives after ``now``, or an answer, abandon or end stamped after
``now``, has not happened yet. A record repeated under the same (source, source id)
counts once, the last one given winning, as the store's upsert does.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime
from typing import Callable, Iterable

from dashboard.metrics.counts import ContactPolicy, is_async

BREACH_FRACTIONS = (0.5, 0.75, 1.0)


@dataclass(frozen=True, slots=True)
class LiveQueue:
    """One queue's live figures at ``now``; seconds are ages, None is shown as a dash."""

    queue: str
    channel: str
    waiting: int = 0
    longest_wait_seconds: float = 0.0
    backlog: int = 0
    oldest_unanswered_seconds: float | None = None
    breach_shares: dict[float, float | None] | None = None


def unique_contacts(contacts: Iterable) -> list:
    """One record per (source, source id), the last one given winning; order of first sight kept."""
    latest: dict[tuple, object] = {}
    for contact in contacts:
        key = (getattr(contact, "source", None), getattr(contact, "source_id", None) or id(contact))
        latest[key] = contact
    return list(latest.values())


def _happened(at: datetime | None, now: datetime) -> bool:
    return at is not None and at <= now


def is_waiting(contact, now: datetime) -> bool:
    """A synchronous inbound contact that has arrived with no answer, abandon or end by ``now``."""
    return (not is_async(contact.channel) and contact.direction != "outbound"
            and _happened(contact.arrived_at, now)
            and not any(_happened(at, now) for at in (contact.answered_at, contact.abandoned_at, contact.ended_at)))


def is_backlog(contact, now: datetime) -> bool:
    """An asynchronous inbound contact that has arrived with no first response and is not closed by ``now``."""
    return (is_async(contact.channel) and contact.direction != "outbound"
            and _happened(contact.arrived_at, now)
            and not _happened(contact.answered_at, now) and not _happened(contact.ended_at, now))


def waiting_now(contacts: Iterable, now: datetime) -> int:
    """Synchronous contacts waiting at ``now`` (a count, 0 when none)."""
    return sum(is_waiting(c, now) for c in unique_contacts(contacts))


def longest_wait_seconds(contacts: Iterable, now: datetime) -> float:
    """now − the earliest arrival among contacts waiting now, seconds; 0 when none wait."""
    ages = [(now - c.arrived_at).total_seconds() for c in unique_contacts(contacts) if is_waiting(c, now)]
    return max(ages, default=0.0)


def backlog(contacts: Iterable, now: datetime) -> int:
    """Asynchronous contacts with no first response and not closed at ``now`` (a count)."""
    return sum(is_backlog(c, now) for c in unique_contacts(contacts))


def oldest_unanswered_seconds(contacts: Iterable, now: datetime) -> float | None:
    """now − the earliest arrival in the backlog, seconds; empty backlog → None, shown as a dash."""
    ages = [(now - c.arrived_at).total_seconds() for c in unique_contacts(contacts) if is_backlog(c, now)]
    return max(ages, default=None)


def breach_shares(contacts: Iterable, now: datetime, target_seconds: float | Callable[[object], float],
                  fractions: tuple[float, ...] = BREACH_FRACTIONS) -> dict[float, float | None]:
    """Time to breach: the share of the backlog whose age has reached 50 %, 75 % and 100 % of its target R.

    ``target_seconds`` is R, or a function giving a contact's R. A contact exactly
    at 100 % has breached (as in the response SLA). Empty backlog → None for each
    fraction, shown as a dash.
    """
    target_of = target_seconds if callable(target_seconds) else (lambda _c: target_seconds)
    ages = [((now - c.arrived_at).total_seconds(), target_of(c))
            for c in unique_contacts(contacts) if is_backlog(c, now)]
    if not ages:
        return {f: None for f in fractions}
    return {f: sum(age >= f * target for age, target in ages) / len(ages) for f in fractions}


def live_by_queue(contacts: Iterable, now: datetime,
                  policy_for: Callable[[object], ContactPolicy]) -> dict[str, LiveQueue]:
    """Every queue's live figures at ``now``, keyed by queue name; ``policy_for`` gives each contact's R.

    Only queues with a contact given appear. Waiting figures count the queue's
    synchronous contacts and backlog figures its asynchronous ones, so a queue of
    one kind shows the other kind's figures at their empty values.
    """
    by_queue: defaultdict[str, list] = defaultdict(list)
    for contact in unique_contacts(contacts):
        by_queue[contact.queue].append(contact)
    return {
        queue: LiveQueue(
            queue=queue, channel=items[0].channel,
            waiting=waiting_now(items, now), longest_wait_seconds=longest_wait_seconds(items, now),
            backlog=backlog(items, now), oldest_unanswered_seconds=oldest_unanswered_seconds(items, now),
            breach_shares=breach_shares(items, now, lambda c: policy_for(c).response_target_seconds))
        for queue, items in sorted(by_queue.items())}
