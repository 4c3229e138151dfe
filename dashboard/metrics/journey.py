"""The customer journey: touchpoints per customer, their distribution, channels, repeats, provisional FCR.

Touchpoints come from per-customer rows ``(customer_id, contacts, channels)``,
the shape of the ``customer_weeks`` roll-up, where ``channels`` is a sorted comma
string or any iterable of names. Several rows of one customer (several weeks) add
up: contacts are summed and channel sets joined. Contacts without a customer id
belong to no journey.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Iterable

from dashboard.metrics import ratios
from dashboard.metrics.counts import Counts


@dataclass(frozen=True, slots=True)
class Touchpoints:
    """The touchpoint distribution over customers; shares are fractions, None when there are no customers."""

    customers: int
    contacts: int
    shares: dict[str, float | None]  # "1", "2", "3", "4+" → share of customers
    mean: float | None
    share_4plus: float | None
    channels_mean: float | None


@dataclass(frozen=True, slots=True)
class MarkedFcr:
    """First-contact resolution with its provisional mark: True while a repeat window is still open."""

    value: float | None
    provisional: bool


def _channel_set(channels) -> frozenset[str]:
    if isinstance(channels, str):
        return frozenset(c.strip() for c in channels.split(",") if c.strip())
    return frozenset(channels or ())


def per_customer(rows: Iterable) -> dict[str, tuple[int, frozenset[str]]]:
    """Contacts and distinct channels per customer id, summed over the rows given (tuples or ORM rows)."""
    contacts: defaultdict[str, int] = defaultdict(int)
    channels: defaultdict[str, frozenset[str]] = defaultdict(frozenset)
    for row in rows:
        customer_id, count, names = (row if isinstance(row, tuple)
                                     else (row.customer_id, row.contacts, row.channels))
        if not customer_id:
            continue
        contacts[customer_id] += int(count)
        channels[customer_id] |= _channel_set(names)
    return {c: (contacts[c], channels[c]) for c in contacts}


def bucket(touchpoints: int) -> str:
    """The distribution's bucket of a customer: "1", "2", "3" or "4+"."""
    return "4+" if touchpoints >= 4 else str(touchpoints)


def touchpoints(rows: Iterable) -> Touchpoints:
    """The 1/2/3/4+ distribution, mean touchpoints, share with 4 or more, mean channels per customer.

    Customers with no contacts do not count. No customers → every share and mean None.
    """
    customers = {c: v for c, v in per_customer(rows).items() if v[0] > 0}
    n = len(customers)
    contacts = sum(count for count, _ in customers.values())
    counted: defaultdict[str, int] = defaultdict(int)
    for count, _ in customers.values():
        counted[bucket(count)] += 1
    share = (lambda k: counted[k] / n) if n else (lambda _k: None)
    return Touchpoints(
        customers=n, contacts=contacts,
        shares={k: share(k) for k in ("1", "2", "3", "4+")},
        mean=contacts / n if n else None,
        share_4plus=share("4+"),
        channels_mean=sum(len(names) for _, names in customers.values()) / n if n else None)


def next_contact_at(contacts: Iterable) -> dict[tuple, datetime | None]:
    """For each contact, keyed by (source, source id), the arrival of its customer's next contact.

    Contacts are ordered by arrival (ties by source id), so the input order does
    not matter; a contact with no customer id has no next contact.
    """
    by_customer: defaultdict[str, list] = defaultdict(list)
    result: dict[tuple, datetime | None] = {}
    for contact in contacts:
        result[(contact.source, contact.source_id)] = None
        if contact.customer_id:
            by_customer[contact.customer_id].append(contact)
    for items in by_customer.values():
        items.sort(key=lambda c: (c.arrived_at, c.source, c.source_id))
        for this, following in zip(items, items[1:]):
            result[(this.source, this.source_id)] = following.arrived_at
    return result


def is_repeat(arrived_at: datetime, next_arrival: datetime | None, repeat_window_seconds: float) -> bool:
    """A repeat contact: the customer's next contact arrived within the window after this one arrived."""
    return next_arrival is not None and (next_arrival - arrived_at).total_seconds() <= repeat_window_seconds


def repeat_contacts(contacts: Iterable, repeat_window_seconds: float) -> int:
    """How many of ``contacts`` were followed by their customer's next contact within the window."""
    contacts = list(contacts)
    following = next_contact_at(contacts)
    return sum(is_repeat(c.arrived_at, following[(c.source, c.source_id)], repeat_window_seconds)
               for c in contacts)


def fcr_provisional(window_end: datetime, now: datetime, repeat_window_seconds: float) -> bool:
    """Whether a window's FCR may still fall: some contact in it can still see a repeat.

    A contact ended before ``window_end`` arrived before it, so every repeat window
    has closed once ``now`` ≥ ``window_end`` + the repeat window.
    """
    return now < window_end + timedelta(seconds=repeat_window_seconds)


def fcr(counts: Counts, window_end: datetime, now: datetime, repeat_window_seconds: float) -> MarkedFcr:
    """FCR (first-contact resolution) of a window with its provisional mark; no resolution known → None."""
    return MarkedFcr(ratios.fcr(counts), fcr_provisional(window_end, now, repeat_window_seconds))
