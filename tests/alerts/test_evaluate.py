"""Rules × queues stepped each tick inside refresh_live: states and reasons stored, sources watched."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from collectors.pipeline import poll_once, refresh_live
from collectors.sources.fake import FakeSource
from dashboard.alerts.evaluate import acknowledge_alert
from dashboard.alerts.rules import load_rules, save_rule
from dashboard.records import Batch, Contact
from dashboard.store.db import session_scope
from dashboard.store.models import AlertEventRow, AlertRow, AlertRuleRow
from tests.conftest import utc

NOW = utc(2026, 3, 2, 10, 0, 0)


def waiting(source_id, seconds_ago, queue="Billing"):
    return Contact(source="fake", source_id=source_id, channel="voice", queue=queue,
                   arrived_at=NOW - timedelta(seconds=seconds_ago))


def alerts(engine):
    with session_scope(engine) as session:
        rules = {r.id: r.metric for r in session.scalars(select(AlertRuleRow))}
        return {(rules[a.rule_id], a.subject): (a.state, a.severity) for a in session.scalars(select(AlertRow))}


def test_a_long_wait_goes_pending_then_fires_after_its_hold_with_reasons_stored(engine, settings):
    source = FakeSource(batches=[Batch(contacts=[waiting("c1", 50)])])
    poll_once(engine, settings, source, NOW)
    refresh_live(engine, settings, NOW)  # 50 s: below the voice warning of 60 s
    assert ("longest_wait_seconds", "Billing") not in alerts(engine)
    refresh_live(engine, settings, NOW + timedelta(seconds=15))
    assert alerts(engine)[("longest_wait_seconds", "Billing")] == ("pending", None)
    refresh_live(engine, settings, NOW + timedelta(seconds=45))  # held 30 s, the default hold
    assert alerts(engine)[("longest_wait_seconds", "Billing")] == ("firing", "warning")
    with session_scope(engine) as session:
        reasons = [e.reason for e in session.scalars(select(AlertEventRow).order_by(AlertEventRow.id))]
        assert "Longest wait on Billing is 1:35: warning level crossed and held 30 s" in reasons
        alert = session.scalars(select(AlertRow).where(AlertRow.state == "firing", AlertRow.subject == "Billing")).one()
        assert acknowledge_alert(session, settings, alert.id, "kim", NOW + timedelta(minutes=1))
        assert not acknowledge_alert(session, settings, alert.id, "lee", NOW + timedelta(minutes=1))
    with session_scope(engine) as session:
        alert = session.scalars(select(AlertRow).where(AlertRow.state == "firing", AlertRow.subject == "Billing")).one()
        assert alert.acknowledged_by == "kim"


def test_rules_are_seeded_once_and_an_edited_rule_applies_at_the_next_tick(engine, settings):
    poll_once(engine, settings, FakeSource(batches=[Batch(contacts=[waiting("c1", 90)])]), NOW)
    refresh_live(engine, settings, NOW)
    with session_scope(engine) as session:
        rules = load_rules(session)
        wait = next(r for r in rules if r.metric == "longest_wait_seconds" and r.channel == "voice")
        from dataclasses import replace
        save_rule(session, replace(wait, warning=200.0, critical=300.0, recovery=150.0), by="kim", now=NOW)
    refresh_live(engine, settings, NOW + timedelta(seconds=5))
    with session_scope(engine) as session:
        assert len(load_rules(session)) == len(rules)  # not seeded twice
        assert session.get(AlertRuleRow, wait.id).updated_by == "kim"
    assert alerts(engine)[("longest_wait_seconds", "Billing")] == ("ok", None)


def test_a_source_without_a_successful_poll_for_n_intervals_fires_the_built_in_rule(engine, settings):
    source = FakeSource(batches=[Batch(contacts=[waiting("c1", 5)])])
    poll_once(engine, settings, source, NOW)
    source.fail = "connection refused"
    for tick in range(1, 5):
        at = NOW + timedelta(seconds=settings.poll_seconds * tick)
        poll_once(engine, settings, source, at)
        refresh_live(engine, settings, at)
    assert alerts(engine)[("source_silent_intervals", "fake")] == ("firing", "warning")
