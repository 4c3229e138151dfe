"""An agent's contacts grid: each contact's handle time is what the agent's AHT adds up for it."""

from __future__ import annotations

from datetime import timedelta

import pytest

from collectors.pipeline import store_batch
from dashboard.records import Batch, Contact
from dashboard.store.db import session_scope
from dashboard.usecases.agent_detail import contact_rows
from dashboard.usecases.agent_table import agent_lines
from dashboard.usecases.filters import Filters
from tests.conftest import utc

NOW = utc(2026, 3, 11, 18, 0)


def test_the_grid_s_handle_times_average_to_the_agent_s_aht(settings, engine):
    """A call: answered at 09:00:10, ended 300 s later with 20 s of hold inside and 30 s of wrap:
    talk 280 + hold 20 + wrap 30 = 330 s. An email: first reply an hour after arrival, closed
    eight hours later, 120 s of reported work: its open hours are nobody's work, so 120 s.
    AHT = (330 + 120) / 2 = 225 s, and the grid shows 330 and 120, not 8 h 2 min for the email."""
    at = utc(2026, 3, 11, 9, 0)
    call = Contact(source="t", source_id="call", channel="voice", queue="sales", arrived_at=at,
                   answered_at=at + timedelta(seconds=10), ended_at=at + timedelta(seconds=310),
                   hold_seconds=20, wrap_seconds=30, agent_id="a1")
    email = Contact(source="t", source_id="mail", channel="email", queue="sales", arrived_at=at,
                    answered_at=at + timedelta(hours=1), ended_at=at + timedelta(hours=9),
                    wrap_seconds=120, agent_id="a1")
    store_batch(engine, settings, "t", "test", Batch(contacts=[call, email]), {}, NOW)
    filters = Filters("custom", at.date(), at.date())
    with session_scope(engine) as session:
        rows, total = contact_rows(session, settings, filters, "a1", 0, 50)
        (line,) = agent_lines(session, settings, filters, NOW)
    assert total == 2
    assert {row["channel"]: row["handle_seconds"] for row in rows} == {"voice": 330.0, "email": 120.0}
    assert line.aht_seconds == pytest.approx(225.0) == sum(row["handle_seconds"] for row in rows) / total
