"""Alert rules: a threshold on one metric, for a queue or every queue of a channel.

A rule is both the colour of a figure (warning and critical levels, a direction)
and an alert (held ``hold`` before firing, resolved only past ``recovery``).
Rules live in ``alert_rules``; they are seeded once from ``[[alerts.rules]]`` in
ccpulse.toml, or from the built-in defaults below, and then edited on /alerts
through ``save_rule`` alone, so that one function can be guarded by role.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any, Iterable, Mapping

from sqlalchemy import select
from sqlalchemy.orm import Session

from dashboard.records import ASYNC_CHANNELS
from dashboard.settings import Settings, SettingsError
from dashboard.store.models import AlertRuleRow

DIRECTIONS = ("above", "below")
NO_DATA_POLICIES = ("no_data", "ok", "keep_state", "alerting")
ERROR_POLICIES = ("error", "keep_state", "alerting")
QUEUE_METRICS = ("service_level", "service_level_today", "longest_wait_seconds", "waiting", "abandon_rate",
                 "asa_seconds", "staffing_gap", "backlog", "oldest_unanswered_seconds", "share_at_risk",
                 "share_breached")
SOURCE_METRIC = "source_silent_intervals"
METRICS = (*QUEUE_METRICS, SOURCE_METRIC)
SYNC_CHANNELS = ("voice", "chat")


@dataclass(frozen=True)
class Rule:
    """One threshold rule; ``queue`` None means every queue of ``channel`` (None: of every channel)."""

    metric: str
    direction: str
    warning: float | None
    critical: float | None
    recovery: float | None = None
    hold: timedelta = timedelta(0)
    keep_firing: timedelta = timedelta(0)
    queue: str | None = None
    channel: str | None = None
    no_data_policy: str = "no_data"
    error_policy: str = "error"
    enabled: bool = True
    name: str = ""
    id: int | None = None

    def applies_to(self, queue: str, channel: str) -> bool:
        if self.queue is not None:
            return self.queue == queue
        return self.channel is None or self.channel == channel

    def recovery_level(self) -> float | None:
        """The level a firing value must pass to resolve; the warning level when none is set."""
        return self.recovery if self.recovery is not None else self.warning


def _sync(metric, direction, warning, critical, recovery, channel, hold=60.0) -> Rule:
    return Rule(metric=metric, direction=direction, warning=warning, critical=critical, recovery=recovery,
                hold=timedelta(seconds=hold), channel=channel, no_data_policy="ok",
                name=f"{metric} {channel}")


def default_rules(settings: Settings) -> list[Rule]:
    """Built-in thresholds per channel, used when ccpulse.toml has no ``[[alerts.rules]]``."""
    rules: list[Rule] = []
    for channel, wait in (("voice", 60.0), ("chat", 120.0)):
        rules += [_sync("service_level", "below", 0.80, 0.70, 0.83, channel),
                  _sync("longest_wait_seconds", "above", wait, wait * 2, wait * 0.75, channel, hold=30.0),
                  _sync("abandon_rate", "above", 0.08, 0.15, 0.06, channel),
                  _sync("staffing_gap", "above", 1.0, 3.0, 0.0, channel, hold=120.0)]
    for channel in sorted(ASYNC_CHANNELS):
        rules += [_sync("share_at_risk", "above", 0.25, 0.50, 0.20, channel),
                  _sync("share_breached", "above", 0.05, 0.15, 0.03, channel)]
    silent = float(settings.source_down_after_intervals)
    rules.append(Rule(metric=SOURCE_METRIC, direction="above", warning=silent, critical=silent * 2,
                      recovery=1.0, name="source silent"))
    return rules


def _seconds(name: str, value: object) -> float:
    """``60``, ``"60s"``, ``"5m"`` or ``"1h"`` as seconds."""
    text = str(value).strip().lower()
    scale = {"s": 1, "m": 60, "h": 3600}.get(text[-1:], None)
    try:
        seconds = float(text[:-1]) * scale if scale else float(text)
    except ValueError:
        raise SettingsError(name, value, "a number of seconds, or a duration such as 30s, 5m, 1h") from None
    if seconds < 0:
        raise SettingsError(name, value, "a duration of at least 0")
    return seconds


def _optional_number(name: str, value: object) -> float | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise SettingsError(name, value, "a number")
    return float(value)


def _choice(name: str, value: object, options: tuple[str, ...]) -> str:
    if value not in options:
        raise SettingsError(name, value, "one of " + ", ".join(options))
    return str(value)


def rule_from_table(spec: Mapping[str, Any], index: int) -> Rule:
    """One ``[[alerts.rules]]`` table as a Rule; a bad key or value raises SettingsError naming it."""
    where = f"alerts.rules[{index}]"
    metric = _choice(f"{where}.metric", spec.get("metric"), METRICS)
    direction = _choice(f"{where}.direction", spec.get("direction"), DIRECTIONS)
    warning = _optional_number(f"{where}.warning", spec.get("warning"))
    critical = _optional_number(f"{where}.critical", spec.get("critical"))
    if warning is None and critical is None:
        raise SettingsError(f"{where}.warning", None, "a warning or a critical level")
    return Rule(metric=metric, direction=direction, warning=warning, critical=critical,
                recovery=_optional_number(f"{where}.recovery", spec.get("recovery")),
                hold=timedelta(seconds=_seconds(f"{where}.for", spec.get("for", 0))),
                keep_firing=timedelta(seconds=_seconds(f"{where}.keep_firing_for", spec.get("keep_firing_for", 0))),
                queue=spec.get("queue"), channel=spec.get("channel"),
                no_data_policy=_choice(f"{where}.no_data", spec.get("no_data", "no_data"), NO_DATA_POLICIES),
                error_policy=_choice(f"{where}.error", spec.get("error", "error"), ERROR_POLICIES),
                enabled=bool(spec.get("enabled", True)),
                name=str(spec.get("name") or f"{metric} {spec.get('queue') or spec.get('channel') or 'all'}"))


def configured_rules(settings: Settings) -> list[Rule]:
    """The rules of ccpulse.toml ``[[alerts.rules]]``, or the built-in defaults when there are none."""
    specs = (settings.raw.get("alerts") or {}).get("rules")
    if not specs:
        return default_rules(settings)
    rules = [rule_from_table(spec, i) for i, spec in enumerate(specs)]
    if not any(rule.metric == SOURCE_METRIC for rule in rules):
        rules += [rule for rule in default_rules(settings) if rule.metric == SOURCE_METRIC]
    return rules


def to_rule(row) -> Rule:
    """The rule of a stored row (an ORM row or a plain row of its table's columns)."""
    return Rule(metric=row.metric, direction=row.direction, warning=row.warning, critical=row.critical,
                recovery=row.recovery, hold=timedelta(seconds=row.hold_seconds or 0),
                keep_firing=timedelta(seconds=row.keep_firing_seconds or 0), queue=row.queue, channel=row.channel,
                no_data_policy=row.no_data_policy, error_policy=row.error_policy, enabled=row.enabled,
                name=row.name, id=row.id)


def load_rules(session: Session) -> list[Rule]:
    table = AlertRuleRow.__table__  # plain rows: read every tick by the collector
    return [to_rule(row) for row in session.execute(select(*table.c).order_by(table.c.id))]


def seed_rules(session: Session, settings: Settings, now: datetime) -> list[Rule]:
    """Store the configured rules when the store has none yet; the stored ones otherwise."""
    stored = load_rules(session)
    if stored:
        return stored
    for rule in configured_rules(settings):
        save_rule(session, rule, by="ccpulse.toml", now=now)
    return load_rules(session)


def current_rules(session: Session, settings: Settings) -> list[Rule]:
    """What pages colour by: the stored rules, or (before the collector seeded them) the configured ones."""
    return load_rules(session) or configured_rules(settings)


def validate_rule(rule: Rule) -> None:
    """Refuse a rule that cannot be evaluated; the message names the field."""
    if rule.metric not in METRICS:
        raise ValueError(f"metric: unknown metric {rule.metric!r}")
    if rule.direction not in DIRECTIONS:
        raise ValueError(f"direction: expected above or below, got {rule.direction!r}")
    if rule.warning is None and rule.critical is None:
        raise ValueError("warning: a warning or a critical level is needed")
    if rule.warning is not None and rule.critical is not None:
        worse = rule.critical >= rule.warning if rule.direction == "above" else rule.critical <= rule.warning
        if not worse:
            raise ValueError(f"critical: must be {rule.direction} the warning level")
    if rule.no_data_policy not in NO_DATA_POLICIES or rule.error_policy not in ERROR_POLICIES:
        raise ValueError("policy: unknown no-data or error policy")
    if rule.hold < timedelta(0) or rule.keep_firing < timedelta(0):
        raise ValueError("hold: durations cannot be negative")


def save_rule(session: Session, rule: Rule, by: str, now: datetime) -> Rule:
    """The one way a rule is created or changed (guard the caller by role); returns it with its id."""
    validate_rule(rule)
    row = session.get(AlertRuleRow, rule.id) if rule.id is not None else None
    if row is None:
        row = AlertRuleRow()
        session.add(row)
    row.name, row.metric, row.queue, row.channel = rule.name or rule.metric, rule.metric, rule.queue, rule.channel
    row.direction, row.warning, row.critical, row.recovery = rule.direction, rule.warning, rule.critical, rule.recovery
    row.hold_seconds, row.keep_firing_seconds = rule.hold.total_seconds(), rule.keep_firing.total_seconds()
    row.no_data_policy, row.error_policy, row.enabled = rule.no_data_policy, rule.error_policy, rule.enabled
    row.updated_at, row.updated_by = now, by[:128]
    session.flush()
    return replace(rule, id=row.id, name=row.name)


def rules_for(rules: Iterable[Rule], queue: str, channel: str) -> dict[str, Rule]:
    """The rule of each metric for one queue: a queue's own rule wins over its channel's default."""
    chosen: dict[str, Rule] = {}
    for rule in rules:
        if rule.metric == SOURCE_METRIC or not rule.applies_to(queue, channel):
            continue
        current = chosen.get(rule.metric)
        if current is None or (rule.queue is not None and current.queue is None):
            chosen[rule.metric] = rule
    return chosen
