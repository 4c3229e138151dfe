"""rebuild_sums: the rules over columns agree with the record-at-a-time rules of counts.py."""

from __future__ import annotations

from collections import defaultdict
from types import SimpleNamespace

import numpy as np
import pandas as pd

from dashboard.metrics.counts import state_contributions
from dashboard.store.rebuild_sums import NAT, state_seconds
from tests.conftest import utc


def micros(*times) -> np.ndarray:
    return np.array([NAT if t is None else np.datetime64(t.replace(tzinfo=None), "us").astype(np.int64)
                     for t in times], dtype=np.int64)


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
