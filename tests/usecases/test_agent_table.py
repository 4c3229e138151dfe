"""The agents grid's figures equal the metric functions over the same raw records (no second implementation)."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from collectors.pipeline import policy_resolver
from dashboard.metrics import agents as agent_metrics
from dashboard.metrics import ratios
from dashboard.metrics.counts import counts_in_window
from dashboard.store.db import session_scope
from dashboard.store.models import ContactRow, SurveyRow
from dashboard.usecases.agent_table import agent_lines, grid_rows
from dashboard.usecases.filters import Filters
from tests.conftest import utc
from tests.usecases.conftest import NOW

RANGE = Filters("custom", utc(2026, 3, 9).date(), utc(2026, 3, 11).date())


def expected(session, batch, settings, agent_id, queues=None):
    """Counts straight from the raw contact and survey rows (the store links journeys), states from the batch."""
    window = RANGE.window(settings.tz)
    policy = policy_resolver(settings)
    contacts = [c for c in session.scalars(select(ContactRow).where(ContactRow.agent_id == agent_id))
                if queues is None or c.queue in queues]
    ids = {c.source_id for c in contacts}
    surveys = [s for s in session.scalars(select(SurveyRow)) if s.contact_source_id in ids]
    counts = counts_in_window(contacts, surveys, lambda c: policy(c.queue, c.channel), window.start, window.end, NOW)
    seconds = agent_metrics.state_seconds([s for s in batch.states if s.agent_id == agent_id],
                                          window.start, window.end, NOW).get(agent_id, {})
    return counts, seconds


@pytest.mark.parametrize("queues", [None, ("sales",)])
def test_agent_lines_equal_metric_functions_over_raw_records(drill_store, queues):
    settings, engine, batch = drill_store
    filters = Filters(RANGE.preset, RANGE.first, RANGE.last, queues)
    with session_scope(engine) as session:
        lines = {line.agent_id: line for line in agent_lines(session, settings, filters, NOW)}
        raw = {agent_id: expected(session, batch, settings, agent_id, queues) for agent_id in lines}
    assert set(lines) == {"a1", "a2"}
    for agent_id, line in lines.items():
        counts, seconds = raw[agent_id]
        assert line.contacts_handled == counts.ended > 0
        assert line.aht_seconds == pytest.approx(ratios.aht_seconds(counts))
        assert line.fcr == pytest.approx(ratios.fcr(counts))
        assert line.transfer_rate == pytest.approx(ratios.transfer_rate(counts))
        assert line.csat == pytest.approx(ratios.csat(counts))
        assert line.nps == ratios.nps(counts)
        assert line.occupancy == pytest.approx(agent_metrics.occupancy(seconds))
        assert line.utilization == pytest.approx(agent_metrics.utilization(seconds))
        assert line.acw_share == pytest.approx(agent_metrics.after_contact_work_share(seconds))
        assert line.aux_seconds == pytest.approx(seconds.get("aux", 0.0))
    # hand-worked: a1's aux is a 25-minute break and a 31-minute training, a2's the same
    assert lines["a1"].aux_by_reason == {"break": 1500.0, "training": 1860.0}


def test_open_state_counts_until_now(drill_store):
    settings, engine, _ = drill_store
    with session_scope(engine) as session:
        line = agent_lines(session, settings, Filters("today", NOW.date(), NOW.date()), NOW, only=["a1"])[0]
    # a1 has been available since 15:10, nothing else today: 50 minutes idle, no handle time
    assert line.occupancy == 0.0 and line.utilization == 0.0 and line.contacts_handled == 0


def test_grid_rows_carry_one_column_per_aux_reason(drill_store):
    settings, engine, _ = drill_store
    with session_scope(engine) as session:
        rows = grid_rows(agent_lines(session, settings, RANGE, NOW))
    assert rows[0]["aux:break"] == 1500.0 and rows[0]["agent_id"] == "a1"


def test_unhandled_contacts_are_in_no_agent_row(drill_store):
    settings, engine, batch = drill_store
    with session_scope(engine) as session:
        lines = agent_lines(session, settings, RANGE, NOW)
        ended = session.query(ContactRow).filter(ContactRow.agent_id.is_not(None)).count()
    assert sum(line.contacts_handled for line in lines) == ended == 11
