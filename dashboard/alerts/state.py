"""The alert state machine: one pure step per evaluation, the clock and the value passed in.

OK → PENDING (the condition has held less than the rule's ``hold``) → FIRING
(warning or critical) → RESOLVED once the value passes the rule's recovery level
and has stayed there for ``keep_firing``. The recovery level sits on the good side
of the warning level, so a value hovering at the threshold does not flap.
NO_DATA (the metric has no value) and ERROR (it could not be read) are states of
their own, unless the rule's policy says to treat them as OK, keep the state, or
alert. An escalation to critical asks for a fresh acknowledgement.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import NamedTuple

from dashboard.alerts.rules import Rule
from layouts.theme import CRITICAL, WARNING, level

OK, PENDING, FIRING, RESOLVED, NO_DATA, ERROR = "ok", "pending", "firing", "resolved", "no_data", "error"
QUIET = (OK, RESOLVED)


class Alert(NamedTuple):
    """One rule's state for one subject (a queue or a source).

    A named tuple, not a dataclass: every rule steps every queue every tick, and its
    ``_replace`` costs a quarter of ``dataclasses.replace``.
    """

    state: str = OK
    severity: str | None = None
    value: float | None = None
    pending_since: datetime | None = None
    fired_at: datetime | None = None
    resolved_at: datetime | None = None
    last_breach_at: datetime | None = None
    acknowledged_by: str | None = None
    acknowledged_at: datetime | None = None
    reason: str | None = None


@dataclass(frozen=True)
class Transition:
    """A change of state, with why: ``reason`` is an i18n key (``alerts.reason.*``) filled from ``params``."""

    from_state: str
    to_state: str
    severity: str | None
    value: float | None
    reason: str
    params: tuple[tuple[str, object], ...] = ()


class Error:
    """A metric that could not be read, passed to ``step`` instead of a value."""

    def __init__(self, message: str):
        self.message = message


def breach(rule: Rule, value: float) -> str | None:
    """WARNING or CRITICAL when the value crosses a level, else None."""
    band = level(value, rule.warning, rule.critical, rule.direction)
    return band if band in (WARNING, CRITICAL) else None


def recovered(rule: Rule, value: float) -> bool:
    """The value is back at or past the recovery level on the good side (the warning level when none is set)."""
    limit = rule.recovery_level()
    if limit is None:
        return breach(rule, value) is None
    return value <= limit if rule.direction == "above" else value >= limit


def _move(alert: Alert, to_state: str, value, reason: str, now: datetime, severity=None, **changes):
    params = tuple(sorted({"value": value, **changes.pop("params", {})}.items()))
    moved = alert._replace(state=to_state, value=value, severity=severity, reason=reason, **changes)
    return moved, Transition(alert.state, to_state, severity, value, reason, params)


def _fire(rule: Rule, alert: Alert, value: float, severity: str, now: datetime):
    return _move(alert, FIRING, value, "alerts.reason.fired", now, severity=severity, fired_at=now,
                 last_breach_at=now, pending_since=None, resolved_at=None, acknowledged_by=None,
                 acknowledged_at=None, params={"held": int((now - (alert.pending_since or now)).total_seconds())})


def _on_breach(rule: Rule, alert: Alert, value: float, severity: str, now: datetime):
    if alert.state == FIRING:
        if severity == CRITICAL and alert.severity != CRITICAL:
            return _move(alert, FIRING, value, "alerts.reason.escalated", now, severity=CRITICAL,
                         last_breach_at=now, acknowledged_by=None, acknowledged_at=None)
        return alert._replace(value=value, last_breach_at=now), None
    if alert.state == PENDING:
        if now - alert.pending_since >= rule.hold:
            return _fire(rule, alert, value, severity, now)
        return alert._replace(value=value), None
    if rule.hold.total_seconds() <= 0:
        return _fire(rule, alert._replace(pending_since=now), value, severity, now)
    return _move(alert, PENDING, value, "alerts.reason.pending", now, pending_since=now,
                 params={"hold": int(rule.hold.total_seconds())})


def _on_clear(rule: Rule, alert: Alert, value: float, now: datetime):
    if alert.state == FIRING:
        if not recovered(rule, value):
            return alert._replace(value=value, last_breach_at=now), None  # inside the hysteresis band
        if now - (alert.last_breach_at or now) < rule.keep_firing:
            return alert._replace(value=value), None
        return _move(alert, RESOLVED, value, "alerts.reason.resolved", now, resolved_at=now, last_breach_at=None,
                     acknowledged_by=alert.acknowledged_by, acknowledged_at=alert.acknowledged_at)
    if alert.state == PENDING:
        return _move(alert, OK, value, "alerts.reason.cleared_before_hold", now, pending_since=None)
    if alert.state in (NO_DATA, ERROR):
        return _move(alert, OK, value, "alerts.reason.value_back", now)
    return alert._replace(value=value), None


def _on_missing(rule: Rule, alert: Alert, now: datetime, error: Error | None):
    policy = rule.error_policy if error else rule.no_data_policy
    state = ERROR if error else NO_DATA
    reason = "alerts.reason.error" if error else "alerts.reason.no_data"
    params = {"error": error.message} if error else {}
    if policy == "keep_state":
        return alert._replace(value=None), None
    if policy == "alerting":
        return _on_breach(rule, alert, None, CRITICAL, now)
    if policy == "ok":
        if alert.state in QUIET:
            return alert._replace(value=None), None
        return _move(alert, OK, None, "alerts.reason.no_data_ok", now, pending_since=None, resolved_at=now)
    if alert.state == state:
        return alert._replace(value=None), None
    return _move(alert, state, None, reason, now, pending_since=None, params=params)


def step(rule: Rule, alert: Alert, value: float | None | Error, now: datetime) -> tuple[Alert, Transition | None]:
    """The alert after one evaluation at ``now``, and the transition it made (None when it stayed)."""
    if not rule.enabled:
        if alert.state in QUIET:
            return alert._replace(value=None), None
        return _move(alert, RESOLVED if alert.state == FIRING else OK, None, "alerts.reason.disabled", now,
                     pending_since=None, resolved_at=now)
    if isinstance(value, Error):
        return _on_missing(rule, alert, now, value)
    if value is None:
        return _on_missing(rule, alert, now, None)
    severity = breach(rule, value)
    if severity is not None:
        return _on_breach(rule, alert, value, severity, now)
    return _on_clear(rule, alert, value, now)


def acknowledge(alert: Alert, by: str, now: datetime) -> tuple[Alert, Transition | None]:
    """Record who acknowledged a firing alert and when; anything but a firing alert stays as it is."""
    if alert.state != FIRING or alert.acknowledged_at is not None:
        return alert, None
    acked = alert._replace(acknowledged_by=by, acknowledged_at=now)
    return acked, Transition(FIRING, FIRING, alert.severity, alert.value, "alerts.reason.acknowledged",
                             (("by", by), ("value", alert.value)))
