"""rebuild_sums: the counting rules over columns agree with the record-at-a-time rules of counts.py."""

from __future__ import annotations

from collections import defaultdict
from datetime import timedelta
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd

from dashboard.metrics.counts import state_contributions
from dashboard.metrics.windows import site_week
from dashboard.store.rebuild_sums import NAT, customer_weeks, next_contacts, sorted_codes, state_seconds
from tests.conftest import utc


def micros(*times) -> np.ndarray:
    return np.array([NAT if t is None else np.datetime64(t.replace(tzinfo=None), "us").astype(np.int64)
                     for t in times], dtype=np.int64)


def test_the_next_contact_is_the_same_customers_next_arrival_by_time_then_id():
    at = utc(2026, 3, 2, 9)
    customer = np.array([0, 0, 0, -1, -1, 1, 0])
    arrived = micros(at, at, at + timedelta(hours=1), at, at, at, at + timedelta(days=8))
    ids = np.array([5, 3, 9, 1, 2, 4, 10])
    following = next_contacts(customer, arrived, ids, window_seconds=7 * 86400.0)
    # id 3 and id 5 arrive together: 3 links to 5, 5 to id 9, and 9 not to 10 (eight days on)
    assert following.tolist() == [arrived[2], arrived[0], NAT, NAT, NAT, NAT, NAT]


def test_state_seconds_equal_the_contributions_of_each_state():
    states = [("a1", "available", None, utc(2026, 3, 28, 21, 50, 7), utc(2026, 3, 29, 2, 20, 1)),  # midnight, DST
              ("a1", "aux", "break", utc(2026, 3, 29, 2, 20, 1), utc(2026, 3, 29, 2, 24)),
              ("a2", "on_contact", "", utc(2026, 3, 28, 22, 59, 59, 999999), utc(2026, 3, 28, 23, 0, 0, 1)),
              ("a2", "available", None, utc(2026, 3, 29, 2, 0), utc(2026, 3, 29, 1, 0)),  # ends before it starts
              ("a2", "available", None, utc(2026, 3, 29, 3, 0), None)]  # still open
    expected: dict = defaultdict(float)
    for agent, state, reason, started, ended in states:
        record = SimpleNamespace(state=state, reason=reason, started_at=started, ended_at=ended)
        for (at, name, why), seconds in state_contributions(record).items():
            expected[(at.replace(tzinfo=None), agent, name, why)] += seconds
    frame = state_seconds(pd.DataFrame({
        "agent_id": pd.Categorical([s[0] for s in states]), "state": pd.Categorical([s[1] for s in states]),
        "reason": pd.Categorical([s[2] for s in states]),
        "started_at": pd.to_datetime([s[3].replace(tzinfo=None) for s in states]).as_unit("us"),
        "ended_at": pd.to_datetime([s[4] and s[4].replace(tzinfo=None) for s in states]).as_unit("us")}))
    got = {(row.interval_start.to_pydatetime(), row.agent_id, row.state, row.reason): row.seconds
           for row in frame.itertuples(index=False)}
    assert got.keys() == expected.keys()
    assert all(abs(got[key] - seconds) < 1e-9 for key, seconds in expected.items())


def test_customer_weeks_start_on_the_sites_monday_with_the_channels_spelt_in_order():
    berlin = ZoneInfo("Europe/Berlin")
    arrivals = [utc(2026, 3, 29, 22, 30), utc(2026, 3, 29, 21, 30), utc(2026, 3, 29, 21, 45), utc(2026, 3, 25, 9)]
    customer, customers = sorted_codes(pd.Series(["k1", "k1", "k1", ""], dtype="category"), empty=False)
    channel, channels = sorted_codes(pd.Series(["voice", "sms", "chat", "voice"], dtype="category"))
    weeks = customer_weeks(customer, customers, channel, channels, micros(*arrivals), berlin)
    # 22:30 UTC on Sunday 29 March is 00:30 on Monday in Berlin (summer time): the next week
    assert [(row.week_start.date(), row.customer_id, row.contacts, row.channels)
            for row in weeks.itertuples(index=False)] == [
        (site_week(arrivals[1], berlin), "k1", 2, "chat,sms"), (site_week(arrivals[0], berlin), "k1", 1, "voice")]
