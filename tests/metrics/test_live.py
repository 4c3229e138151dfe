"""Live figures at ``now``: waiting, longest wait, backlog, oldest unanswered, time to breach."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest

from dashboard.metrics.counts import ContactPolicy
from dashboard.metrics.live import (backlog, breach_shares, is_waiting, live_by_queue, longest_wait_seconds,
                                    oldest_unanswered_seconds, waiting_now)
from dashboard.records import Contact
from tests.conftest import utc

NOW = utc(2026, 3, 2, 10, 0, 0)


def ago(seconds: float):
    return NOW - timedelta(seconds=seconds)


def call(source_id: str, waited: float, queue="Billing", **fields) -> Contact:
    return Contact(source="s", source_id=source_id, channel="voice", queue=queue, arrived_at=ago(waited), **fields)


def mail(source_id: str, age: float, queue="Mail", **fields) -> Contact:
    return Contact(source="s", source_id=source_id, channel="email", queue=queue, arrived_at=ago(age), **fields)


CALLS = [
    call("w1", 95),                                   # waiting 95 s
    call("w2", 30),                                   # waiting 30 s
    call("a1", 300, answered_at=ago(280)),            # answered: not waiting
    call("x1", 200, abandoned_at=ago(150)),           # abandoned: not waiting
    call("f1", -5),                                   # arrives 5 s after now: not yet
    call("l1", 60, answered_at=NOW + timedelta(seconds=3)),  # answered after now: still waiting now
]


def test_waiting_and_longest_wait():
    # waiting: w1, w2, l1 = 3; longest = 95 s (w1)
    assert waiting_now(CALLS, NOW) == 3
    assert longest_wait_seconds(CALLS, NOW) == 95.0


def test_nobody_waiting_is_zero_not_a_dash():
    assert waiting_now([], NOW) == 0
    assert longest_wait_seconds([call("a1", 10, answered_at=ago(5))], NOW) == 0.0


def test_duplicate_and_out_of_order_records():
    # w1 polled again, now answered: the last version wins; order otherwise does not matter
    records = list(reversed(CALLS)) + [replace(CALLS[0], answered_at=ago(10))]
    assert waiting_now(records, NOW) == 2
    assert longest_wait_seconds(records, NOW) == 60.0


def test_outbound_never_waits():
    assert not is_waiting(replace(call("o1", 50), direction="outbound"), NOW)


# R = 3600 s. Ages: 1000 (28 %), 1800 (50 %: exactly half), 2800 (78 %), 3600 (100 %: breached), 5000 (139 %)
MAILS = [mail("m1", 1000), mail("m2", 1800), mail("m3", 2800), mail("m4", 3600), mail("m5", 5000),
         mail("r1", 9000, answered_at=ago(100)),     # responded: out of the backlog
         mail("c1", 9000, ended_at=ago(100))]        # closed: out of the backlog


def test_backlog_and_oldest_unanswered():
    assert backlog(MAILS, NOW) == 5
    assert oldest_unanswered_seconds(MAILS, NOW) == 5000.0


def test_empty_backlog_has_no_oldest_and_no_shares():
    assert backlog([], NOW) == 0
    assert oldest_unanswered_seconds([], NOW) is None
    assert breach_shares([], NOW, 3600) == {0.5: None, 0.75: None, 1.0: None}


def test_time_to_breach_shares():
    # past 50 %: m2 m3 m4 m5 = 4/5; past 75 %: m3 m4 m5 = 3/5; past 100 %: m4 m5 = 2/5
    assert breach_shares(MAILS, NOW, 3600) == {0.5: 0.8, 0.75: 0.6, 1.0: 0.4}


def test_live_by_queue_uses_each_queues_target():
    # Mail has R = 1 h; Social R = 15 min (900 s): its one item aged 1000 s has breached
    contacts = CALLS + MAILS + [mail("s1", 1000, queue="Social")]
    targets = {"Mail": 3600.0, "Social": 900.0}
    live = live_by_queue(contacts, NOW, lambda c: ContactPolicy(response_target_seconds=targets.get(c.queue, 0)))
    assert sorted(live) == ["Billing", "Mail", "Social"]
    assert (live["Billing"].waiting, live["Billing"].longest_wait_seconds, live["Billing"].backlog) == (3, 95.0, 0)
    assert live["Billing"].breach_shares == {0.5: None, 0.75: None, 1.0: None}
    assert (live["Mail"].backlog, live["Mail"].oldest_unanswered_seconds) == (5, 5000.0)
    assert live["Social"].breach_shares[1.0] == pytest.approx(1.0)
