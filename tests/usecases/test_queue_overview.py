"""Queue KPIs from the roll-ups, and the staffing panel's Erlang C figures."""

from __future__ import annotations

from dashboard import erlang
from dashboard.metrics import ratios
from dashboard.store import read
from dashboard.store.db import session_scope
from dashboard.usecases.filters import Filters
from dashboard.usecases.queue_overview import intraday, queue_rows
from tests.conftest import utc
from tests.usecases.conftest import NOW

DAY = utc(2026, 3, 10).date()


def test_queue_rows_match_counts_and_leave_async_rates_empty(drill_store):
    settings, engine, _ = drill_store
    with session_scope(engine) as session:
        rows = queue_rows(session, settings, Filters("yesterday", DAY, DAY), NOW)
        counts = read.counts_by(session, utc(2026, 3, 10), utc(2026, 3, 11), "queue")
    assert [r.queue for r in rows] == ["sales", "support"]
    sales = rows[0]
    assert sales.range["offered"] == counts["sales"].offered == 6
    assert sales.range["service_level"] == ratios.service_level(counts["sales"])
    assert sales.range["response_sla"] is None and sales.today["offered"] == 0
    assert sales.today["service_level"] is None  # nothing today: no value, never 0 %


def test_intraday_required_agents_follow_erlang_c(drill_store):
    settings, engine, _ = drill_store
    with session_scope(engine) as session:
        data = intraday(session, settings, "sales", "voice", DAY, NOW)
    busy = [p for p in data.points if p.offered]
    assert len(data.points) == 96 and busy
    point = busy[0]
    assert point.required_agents >= 1
    assert data.gap_now is None  # not today
    # staffed: a1 and a2 both have "sales" skills; 09:00-09:15 both logged in all 15 minutes (a2 from 08:37)
    nine = next(p for p in data.points if p.start == utc(2026, 3, 10, 9, 0))
    assert nine.staffed_agents == 2.0
    assert erlang.required_agents(0.0, 100.0, 0.8, 20.0) == 0


def test_gap_now_for_today(drill_store):
    settings, engine, _ = drill_store
    with session_scope(engine) as session:
        data = intraday(session, settings, "sales", "voice", NOW.date(), NOW)
    # no traffic today: 0 required, a1 is available now → one spare
    assert (data.required_now, data.staffed_now, data.gap_now) == (0, 1, -1)
