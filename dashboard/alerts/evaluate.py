"""Evaluate every rule against the snapshot just built, and store what changed (in the caller's transaction).

Called from ``collectors.pipeline.refresh_live`` each tick: each rule × queue (and
the built-in "source silent" rule × source) is stepped through the state machine;
the alert's new state and every transition, with its reason, are written in the
same transaction as the snapshot they were read from.
"""

from __future__ import annotations

import logging
from datetime import datetime
from operator import attrgetter

from sqlalchemy import select
from sqlalchemy.orm import Session

from dashboard.alerts import state as machine
from dashboard.alerts.rules import SOURCE_METRIC, Rule, rules_for, seed_rules, to_rule
from dashboard.alerts.values import display, queue_values, silent_intervals
from dashboard.i18n import t
from dashboard.settings import Settings
from dashboard.store.bulk import insert_statement, update_statement
from dashboard.store.models import AlertEventRow, AlertRow, AlertRuleRow

log = logging.getLogger(__name__)
ALERT_FIELDS = machine.Alert._fields  # the stored columns of the state machine's alert, in its order
ALERT_COLUMNS = (AlertRow.id, AlertRow.rule_id, AlertRow.subject, *(getattr(AlertRow, name) for name in ALERT_FIELDS))
STORED = tuple(name for name in ALERT_FIELDS if name != "reason")  # the reason changes with a transition only
_stored = attrgetter(*STORED)
_fields = attrgetter(*ALERT_FIELDS)
ALERTS = AlertRow.__table__
EVENT_COLUMNS = ("alert_id", "at", "from_state", "to_state", "severity", "value", "reason", "notified")


def to_alert(row) -> machine.Alert:
    """The state machine's alert of a stored one (an ORM row or a plain row of ``ALERT_COLUMNS``)."""
    if row is None:
        return machine.Alert()
    return machine.Alert(*_fields(row))


def reason_text(rule: Rule, subject: str, transition: machine.Transition, language: str) -> str:
    """The stored sentence for a transition: what, where, the value and why."""
    params = dict(transition.params)
    params["value"] = display(rule.metric, params.get("value"))
    severity = t(f"alerts.severity.{transition.severity}", language) if transition.severity else ""
    return t(transition.reason, language, rule=t(f"alerts.metric.{rule.metric}", language), subject=subject,
             severity=severity, **params)


def _queue_values(snapshots: dict, now: datetime) -> dict[str, tuple[dict, dict | machine.Error]]:
    """Each queue's payload and its metric values (``state.Error`` when unreadable), computed once a tick."""
    out = {}
    for (scope, _), payload in snapshots.items():
        if scope != "queue":
            continue
        try:
            out[payload["queue"]] = (payload, queue_values(payload, now))
        except (KeyError, TypeError, ValueError) as error:
            out[payload["queue"]] = (payload, machine.Error(f"{type(error).__name__}: {error}"))
    return out


def _subjects(rule: Rule, queues: set[str] | None, snapshots: dict, values_by_queue: dict, now: datetime,
              settings: Settings):
    """(subject, value) pairs this rule reads now, of the ``queues`` it governs (``_effective``; None
    for the sources' rule); an unreadable value comes back as ``state.Error``."""
    if rule.metric == SOURCE_METRIC:
        for source in snapshots.get(("sources", "all"), {}).get("sources", []):
            yield source["name"], silent_intervals(source, now, settings.poll_seconds)
        return
    for queue, (_, values) in values_by_queue.items():
        if queue not in queues:
            continue
        if isinstance(values, machine.Error):
            yield queue, values
        elif rule.metric in values:
            yield queue, values[rule.metric]


def _effective(rules: list[Rule], snapshots: dict) -> list[tuple[Rule, set[str] | None]]:
    """Each rule with the queues it governs (a queue's own rule hides its channel's default)."""
    queues = [(p["queue"], p["channel"]) for (scope, _), p in snapshots.items() if scope == "queue"]
    governed: dict[int, set[str]] = {}
    for queue, channel in queues:
        for rule in rules_for(rules, queue, channel).values():
            governed.setdefault(id(rule), set()).add(queue)
    return [(rule, None if rule.metric == SOURCE_METRIC else governed.get(id(rule), set())) for rule in rules]


def evaluate_alerts(session: Session, settings: Settings, snapshots: dict, now: datetime) -> list[dict]:
    """``step_alerts`` in a savepoint: a fault in the rules is logged and never loses the snapshot."""
    try:
        with session.begin_nested():
            return step_alerts(session, settings, snapshots, now)
    except Exception:  # noqa: BLE001 - the live view matters more than one tick of alerts
        log.exception("evaluating the alert rules failed; the snapshot is kept")
        return []


def step_alerts(session: Session, settings: Settings, snapshots: dict, now: datetime) -> list[dict]:
    """Step every rule for every subject at ``now``; returns the transitions stored.

    Plain rows in, bulk updates and inserts out (``store.bulk``): the collector runs this every
    tick for every rule and queue, and the ORM's unit of work cost more than the evaluation.
    """
    rules = seed_rules(session, settings, now)
    rows = {(row.rule_id, row.subject): row for row in session.execute(select(*ALERT_COLUMNS))}
    values_by_queue = _queue_values(snapshots, now)
    changed, moved, events = [], [], []  # rows changed, rows changed by a transition, transitions
    for rule, queues in _effective(rules, snapshots):
        for subject, value in _subjects(rule, queues, snapshots, values_by_queue, now, settings):
            row = rows.get((rule.id, subject))
            before = to_alert(row)
            alert, transition = machine.step(rule, before, value, now)
            if transition is None and (row is None or _stored(alert) == _stored(before)):
                continue  # an OK alert that never changed needs no row, an unchanged one no write
            alert_id = row.id if row is not None else _new_row(session, rule, subject).id
            if transition is None:
                changed.append((*_stored(alert), now, alert_id))
                continue
            reason = reason_text(rule, subject, transition, settings.language)
            moved.append((*_stored(alert), now, reason, alert_id))
            events.append((alert_id, now, transition.from_state, transition.to_state, transition.severity,
                           transition.value, reason, False))
    update_statement(session, ALERTS, (*STORED, "evaluated_at")).run(session, changed)
    update_statement(session, ALERTS, (*STORED, "evaluated_at", "reason")).run(session, moved)
    if events:
        insert_statement(session, AlertEventRow.__table__, EVENT_COLUMNS).run(session, events)
    return [dict(zip(EVENT_COLUMNS, event)) for event in events]


def _new_row(session: Session, rule: Rule, subject: str) -> AlertRow:
    row = AlertRow(rule_id=rule.id, subject=subject, state=machine.OK)
    session.add(row)
    session.flush()
    return row


def _store(row: AlertRow, alert: machine.Alert, now: datetime) -> None:
    for name in ALERT_FIELDS:
        if name != "reason":
            setattr(row, name, getattr(alert, name))
    row.evaluated_at = now


def _event(session, row: AlertRow, rule: Rule, subject: str, transition: machine.Transition, now: datetime,
           language: str) -> AlertEventRow:
    session.flush()
    reason = reason_text(rule, subject, transition, language)
    row.reason = reason
    event = AlertEventRow(alert_id=row.id, at=now, from_state=transition.from_state, to_state=transition.to_state,
                          severity=transition.severity, value=transition.value, reason=reason, notified=False)
    session.add(event)
    return event


def acknowledge_alert(session: Session, settings: Settings, alert_id: int, by: str, now: datetime) -> bool:
    """Record who acknowledged a firing alert (guard the caller by role); False when it was not firing."""
    row = session.get(AlertRow, alert_id, with_for_update=True)
    if row is None:
        return False
    alert, transition = machine.acknowledge(to_alert(row), by, now)
    if transition is None:
        return False
    rule = to_rule(session.get(AlertRuleRow, row.rule_id))
    _store(row, alert, row.evaluated_at or now)
    event = _event(session, row, rule, row.subject, transition, now, settings.language)
    event.notified = True  # an acknowledgement is news on the wall, not for the webhook
    return True
