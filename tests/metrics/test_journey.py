"""Touchpoints, channels per customer, repeat contacts and the provisional FCR mark."""

from __future__ import annotations

import random
from datetime import timedelta
from types import SimpleNamespace

import pytest

from dashboard.metrics.counts import Counts
from dashboard.metrics.journey import (fcr, fcr_provisional, is_repeat, next_contact_at, per_customer,
                                       repeat_contacts, touchpoints)
from dashboard.records import Contact
from tests.conftest import utc

T0 = utc(2026, 3, 2, 9, 0)
WEEK = 7 * 86400.0

# five customers: 1, 2, 3, 4 and 6 contacts; channels 1, 2, 1, 3, 2
ROWS = [("ann", 1, "voice"), ("bob", 2, "chat,voice"), ("cy", 3, "email"), ("di", 4, "chat,email,voice"),
        ("ed", 6, "sms,voice")]


def test_touchpoint_distribution():
    result = touchpoints(ROWS)
    # 5 customers, 16 contacts: mean 3.2; buckets 1/2/3/4+ = 1, 1, 1, 2 → 0.2, 0.2, 0.2, 0.4
    assert (result.customers, result.contacts, result.mean) == (5, 16, 3.2)
    assert result.shares == {"1": 0.2, "2": 0.2, "3": 0.2, "4+": 0.4}
    assert result.share_4plus == 0.4
    # channels: (1 + 2 + 1 + 3 + 2) ÷ 5 = 1.8
    assert result.channels_mean == pytest.approx(1.8)


def test_no_customers_is_no_value():
    result = touchpoints([])
    assert (result.customers, result.mean, result.share_4plus, result.channels_mean) == (0, None, None, None)
    assert result.shares == {"1": None, "2": None, "3": None, "4+": None}


def test_weeks_of_one_customer_add_up():
    # bob: 2 contacts (chat, voice) one week and 3 (email, voice) the next → 5 contacts, 3 channels
    rows = [("bob", 2, "chat,voice"), ("bob", 3, "email,voice"), ("", 9, "voice")]  # no id: no journey
    assert per_customer(rows) == {"bob": (5, frozenset({"chat", "email", "voice"}))}
    assert touchpoints(rows).shares["4+"] == 1.0


def test_accepts_store_rows():
    row = SimpleNamespace(customer_id="ann", contacts=2, channels="chat,voice")
    assert per_customer([row]) == {"ann": (2, frozenset({"chat", "voice"}))}


def contact(source_id, customer, days):
    return Contact(source="s", source_id=source_id, channel="voice", queue="Q", customer_id=customer,
                   arrived_at=T0 + timedelta(days=days))


def test_repeat_contacts_measured_from_arrival():
    # ann: day 0, day 3 (repeat of day 0), day 10.5 (7.5 days after day 3: no repeat) → 1
    # bob: day 0, day 7 exactly (repeat: within the window, inclusive) → 1; no customer id → never
    contacts = [contact("a1", "ann", 0), contact("a2", "ann", 3), contact("a3", "ann", 10.5),
                contact("b1", "bob", 0), contact("b2", "bob", 7), contact("n1", None, 0), contact("n2", None, 1)]
    random.Random(1).shuffle(contacts)  # order of arrival in the input does not matter
    following = next_contact_at(contacts)
    assert following[("s", "a1")] == T0 + timedelta(days=3)
    assert following[("s", "a3")] is None and following[("s", "n1")] is None
    assert repeat_contacts(contacts, WEEK) == 2


def test_is_repeat_edges():
    assert is_repeat(T0, T0 + timedelta(days=7), WEEK)
    assert not is_repeat(T0, T0 + timedelta(days=7, seconds=1), WEEK)
    assert not is_repeat(T0, None, WEEK)


def test_fcr_is_provisional_until_the_repeat_window_has_closed():
    # a window ending Monday 2 March 10:00 with a 7-day repeat window: provisional until 9 March 10:00
    end = utc(2026, 3, 2, 10)
    assert fcr_provisional(end, utc(2026, 3, 9, 9, 59), WEEK)
    assert not fcr_provisional(end, utc(2026, 3, 9, 10), WEEK)
    marked = fcr(Counts(resolved_known=4, first_contact_resolved=3), end, utc(2026, 3, 3), WEEK)
    assert (marked.value, marked.provisional) == (0.75, True)
    assert fcr(Counts(), end, utc(2026, 4, 1), WEEK).value is None
