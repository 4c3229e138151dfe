"""What the wall and /alerts read about alerts: firing ones with their rule, recent transitions, failed webhooks."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from dashboard.alerts.rules import to_rule
from dashboard.store.models import AlertEventRow, AlertRow, AlertRuleRow, NotificationRow, SurveyRow


def firing_alerts(session: Session) -> list[dict]:
    """Every firing alert with its rule, oldest first; ``critical`` ones first."""
    rows = session.execute(select(AlertRow, AlertRuleRow).join(AlertRuleRow, AlertRow.rule_id == AlertRuleRow.id)
                           .where(AlertRow.state == "firing").order_by(AlertRow.fired_at)).all()
    alerts = [{"id": alert.id, "rule": to_rule(rule), "subject": alert.subject, "severity": alert.severity,
               "value": alert.value, "fired_at": alert.fired_at, "reason": alert.reason,
               "acknowledged_by": alert.acknowledged_by, "acknowledged_at": alert.acknowledged_at}
              for alert, rule in rows]
    return sorted(alerts, key=lambda a: a["severity"] != "critical")


def recent_events(session: Session, limit: int = 50) -> list[tuple[AlertEventRow, str]]:
    """The latest transitions with their alert's subject, newest first."""
    return list(session.execute(select(AlertEventRow, AlertRow.subject).join(AlertRow)
                                .order_by(AlertEventRow.id.desc()).limit(limit)).all())


def failed_notifications(session: Session, limit: int = 20) -> list[NotificationRow]:
    return list(session.scalars(select(NotificationRow).where(NotificationRow.ok.is_(False))
                                .order_by(NotificationRow.id.desc()).limit(limit)))


def latest_wins(session: Session, since, limit: int = 5) -> list[SurveyRow]:
    """The latest top CSAT responses (5 of 5) with a comment since ``since``, newest first."""
    return list(session.scalars(select(SurveyRow).where(
        SurveyRow.kind == "csat", SurveyRow.score >= 5, SurveyRow.comment.is_not(None), SurveyRow.comment != "",
        SurveyRow.responded_at >= since).order_by(SurveyRow.responded_at.desc()).limit(limit)))
