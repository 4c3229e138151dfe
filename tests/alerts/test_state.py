"""The alert state machine over scripted value series: the state after every step."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

from dashboard.alerts.rules import Rule
from dashboard.alerts.state import (ERROR, FIRING, NO_DATA, OK, PENDING, RESOLVED, Alert, Error, acknowledge,
                                    step)
from tests.conftest import utc

T0 = utc(2026, 3, 2, 9, 0, 0)
WAIT = Rule(metric="longest_wait_seconds", direction="above", warning=60, critical=120, recovery=45,
            hold=timedelta(seconds=20), id=1)
SL = Rule(metric="service_level", direction="below", warning=0.8, critical=0.7, recovery=0.83,
          hold=timedelta(seconds=0), id=2)


def run(rule, values, every=10, alert=None):
    """Feed ``values`` one per ``every`` seconds; return the (state, severity) after each, and the transitions."""
    alert = alert or Alert()
    seen, transitions = [], []
    for i, value in enumerate(values):
        alert, transition = step(rule, alert, value, T0 + timedelta(seconds=every * i))
        seen.append((alert.state, alert.severity))
        if transition:
            transitions.append((transition.from_state, transition.to_state, transition.reason))
    return alert, seen, transitions


def test_a_breach_fires_only_after_it_has_held_for_the_hold():
    _, seen, transitions = run(WAIT, [30, 70, 75, 80, 90])
    assert [s for s, _ in seen] == [OK, PENDING, PENDING, FIRING, FIRING]
    assert seen[3] == (FIRING, "warning")
    assert transitions == [("ok", "pending", "alerts.reason.pending"), ("pending", "firing", "alerts.reason.fired")]


def test_a_breach_shorter_than_the_hold_goes_back_to_ok_without_firing():
    _, seen, transitions = run(WAIT, [70, 75, 40, 70, 30])
    assert [s for s, _ in seen] == [PENDING, PENDING, OK, PENDING, OK]
    assert all(to != FIRING for _, to, _ in transitions)


def test_a_value_hovering_at_the_threshold_does_not_flap_once_firing():
    # fires, then hovers 59/61 around the warning level: between recovery (45) and warning it keeps firing
    _, seen, transitions = run(WAIT, [70, 70, 70, 59, 61, 59, 61, 50, 46])
    assert [s for s, _ in seen][2:] == [FIRING] * 7
    assert [to for _, to, _ in transitions] == [PENDING, FIRING]


def test_it_resolves_only_past_the_recovery_level():
    alert, seen, transitions = run(WAIT, [70, 70, 70, 50, 45])
    assert [s for s, _ in seen] == [PENDING, PENDING, FIRING, FIRING, RESOLVED]
    assert transitions[-1] == ("firing", "resolved", "alerts.reason.resolved")
    assert alert.resolved_at == T0 + timedelta(seconds=40)


def test_below_rules_breach_downwards_and_escalate_to_critical_asking_for_a_new_acknowledgement():
    alert, seen, _ = run(SL, [0.9, 0.78])
    assert seen[-1] == (FIRING, "warning")
    alert, _ = acknowledge(alert, "kim", T0 + timedelta(seconds=15))
    assert alert.acknowledged_by == "kim"
    alert, transition = step(SL, alert, 0.65, T0 + timedelta(seconds=20))
    assert (alert.state, alert.severity, transition.reason) == (FIRING, "critical", "alerts.reason.escalated")
    assert alert.acknowledged_at is None
    alert, transition = step(SL, alert, 0.75, T0 + timedelta(seconds=30))
    assert (alert.severity, transition) == ("critical", None)  # never de-escalates while firing
    alert, transition = step(SL, alert, 0.82, T0 + timedelta(seconds=40))
    assert alert.state == FIRING  # 0.82 is past the warning but not the recovery level 0.83
    alert, transition = step(SL, alert, 0.83, T0 + timedelta(seconds=50))
    assert alert.state == RESOLVED


def test_keep_firing_holds_the_alert_for_its_grace_after_recovery():
    rule = replace(WAIT, hold=timedelta(0), keep_firing=timedelta(seconds=25))
    _, seen, _ = run(rule, [70, 40, 40, 40, 40])
    assert [s for s, _ in seen] == [FIRING, FIRING, FIRING, RESOLVED, RESOLVED]


def test_no_data_is_a_state_of_its_own_unless_the_policy_says_otherwise():
    _, seen, transitions = run(WAIT, [30, None, None, 30])
    assert [s for s, _ in seen] == [OK, NO_DATA, NO_DATA, OK]
    assert [r for _, _, r in transitions] == ["alerts.reason.no_data", "alerts.reason.value_back"]
    _, seen, _ = run(replace(WAIT, no_data_policy="keep_state"), [70, 70, 70, None, None])
    assert [s for s, _ in seen] == [PENDING, PENDING, FIRING, FIRING, FIRING]
    _, seen, _ = run(replace(WAIT, no_data_policy="ok"), [70, 70, 70, None])
    assert seen[-1] == (OK, None)
    _, seen, _ = run(replace(WAIT, no_data_policy="alerting", hold=timedelta(0)), [None])
    assert seen == [(FIRING, "critical")]


def test_an_error_is_its_own_state_and_recovers_when_the_value_comes_back():
    alert, seen, transitions = run(WAIT, [30, Error("KeyError: live"), 30])
    assert [s for s, _ in seen] == [OK, ERROR, OK]
    assert transitions[0] == ("ok", "error", "alerts.reason.error")
    _, seen, _ = run(replace(WAIT, error_policy="keep_state"), [70, 70, 70, Error("boom")])
    assert seen[-1] == (FIRING, "warning")


def test_a_rule_edited_while_firing_is_judged_by_its_new_levels_at_the_next_step():
    alert, seen, _ = run(WAIT, [70, 70, 70])
    assert alert.state == FIRING
    raised = replace(WAIT, warning=90, critical=180, recovery=80)
    alert, transition = step(raised, alert, 70, T0 + timedelta(seconds=30))
    assert (alert.state, transition.to_state) == (RESOLVED, RESOLVED)
    lowered = replace(WAIT, warning=30, critical=65)
    alert, _, _ = run(WAIT, [70, 70, 70])
    alert, transition = step(lowered, alert, 70, T0 + timedelta(seconds=30))
    assert (alert.state, alert.severity) == (FIRING, "critical")
    alert, transition = step(replace(WAIT, enabled=False), alert, 70, T0 + timedelta(seconds=40))
    assert (alert.state, transition.reason) == (RESOLVED, "alerts.reason.disabled")


def test_acknowledgement_records_who_and_when_only_for_a_firing_alert():
    alert, _, _ = run(WAIT, [70, 70, 70])
    acked, transition = acknowledge(alert, "lee", T0 + timedelta(minutes=1))
    assert (acked.acknowledged_by, acked.acknowledged_at) == ("lee", T0 + timedelta(minutes=1))
    assert transition.reason == "alerts.reason.acknowledged"
    again, transition = acknowledge(acked, "park", T0 + timedelta(minutes=2))
    assert again.acknowledged_by == "lee" and transition is None
    pending, _, _ = run(WAIT, [70])
    assert acknowledge(pending, "lee", T0)[1] is None
    # the acknowledgement survives further firing steps, and the resolved alert keeps who acknowledged it
    acked, _ = step(WAIT, acked, 80, T0 + timedelta(minutes=3))
    resolved, _ = step(WAIT, acked, 10, T0 + timedelta(minutes=4))
    assert resolved.state == RESOLVED and resolved.acknowledged_by == "lee"
