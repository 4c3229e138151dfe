"""The checks every source applies to every record before it goes into a batch.

A record that fails is not stored: it becomes a ``Rejection`` naming where it was
(``file.csv:17``, ``queue_log id 4412``), the field and the reason, logged at
WARNING by the pipeline. The good records of the same batch are kept. Reasons never quote
free-text values (caller numbers, names, e-mails), only times and numbers.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from dashboard.records import (AGENT_STATES, SURVEY_KINDS, AgentStateInterval, Contact, Rejection,
                               SurveyResponse)

log = logging.getLogger(__name__)

FUTURE_TOLERANCE = timedelta(minutes=5)  # clocks of a PBX and of this host drift a little


@dataclass(frozen=True)
class Problem:
    """One thing wrong with one record: the field and a reason a person can act on."""

    field: str
    reason: str


class RecordError(ValueError):
    """Raised while building a record from raw input: a malformed or missing field."""

    def __init__(self, field: str, reason: str):
        super().__init__(f"{field}: {reason}")
        self.field, self.reason = field, reason


def _aware(field: str, value: datetime | None) -> list[Problem]:
    if value is not None and value.tzinfo is None:
        return [Problem(field, "time without a time zone (the mapping must name one)")]
    return []


def _not_before(field: str, value: datetime | None, ref_field: str, ref: datetime | None,
                label: str) -> list[Problem]:
    if value is None or ref is None or value >= ref:
        return []
    seconds = (ref - value).total_seconds()
    return [Problem(field, f"{label} ({value.isoformat()} is {seconds:g} s before {ref_field} {ref.isoformat()})")]


def _future(field: str, value: datetime | None, now: datetime) -> list[Problem]:
    if value is not None and value > now + FUTURE_TOLERANCE:
        return [Problem(field, f"time in the future ({value.isoformat()}, now is {now.isoformat()})")]
    return []


def contact_problems(contact: Contact, now: datetime,
                     allowed_queues: frozenset[str] | None = None) -> list[Problem]:
    """Everything wrong with a contact; empty when it may be stored.

    Checks: required text fields, aware times, times after ``now`` + 5 min, answer /
    abandon / end before arrival, end before answer, both answered and abandoned,
    negative durations and counts, and a queue outside ``allowed_queues`` (when given).
    """
    problems = [Problem(name, "missing required field") for name in ("source_id", "channel", "queue")
                if not getattr(contact, name)]
    if contact.arrived_at is None:
        return problems + [Problem("arrived_at", "missing required field")]
    times = ("arrived_at", "answered_at", "abandoned_at", "ended_at")
    for name in times:
        problems += _aware(name, getattr(contact, name))
    if problems:
        return problems
    for name in times:
        problems += _future(name, getattr(contact, name), now)
    arrived = contact.arrived_at
    problems += _not_before("answered_at", contact.answered_at, "arrived_at", arrived, "answer before arrival")
    problems += _not_before("abandoned_at", contact.abandoned_at, "arrived_at", arrived, "abandon before arrival")
    problems += _not_before("ended_at", contact.ended_at, "answered_at", contact.answered_at, "end before answer")
    problems += _not_before("ended_at", contact.ended_at, "arrived_at", arrived, "end before arrival")
    if contact.answered_at is not None and contact.abandoned_at is not None:
        problems.append(Problem("abandoned_at", "both answered and abandoned"))
    for name in ("wrap_seconds", "hold_seconds", "transfer_count"):
        if getattr(contact, name) < 0:
            problems.append(Problem(name, f"negative duration or count ({getattr(contact, name):g})"))
    if allowed_queues is not None and contact.queue not in allowed_queues:
        problems.append(Problem("queue", "unknown queue (not in the source's queues list)"))
    return problems


def state_problems(state: AgentStateInterval, now: datetime) -> list[Problem]:
    """Everything wrong with an agent state interval: unknown state, bad or future times, end before start."""
    problems = [Problem(name, "missing required field") for name in ("source_id", "agent_id")
                if not getattr(state, name)]
    if state.state not in AGENT_STATES:
        problems.append(Problem("state", "unknown state (expected one of " + ", ".join(AGENT_STATES) + ")"))
    if state.started_at is None:
        problems.append(Problem("started_at", "missing required field"))
    for name in ("started_at", "ended_at"):
        problems += _aware(name, getattr(state, name))
    if problems:
        return problems
    problems += _future("started_at", state.started_at, now)
    problems += _not_before("ended_at", state.ended_at, "started_at", state.started_at, "end before start")
    return problems


def survey_problems(survey: SurveyResponse, now: datetime) -> list[Problem]:
    """Everything wrong with a survey response: unknown kind, score off its scale, a future time."""
    problems = [Problem(name, "missing required field") for name in ("source_id", "contact_source_id")
                if not getattr(survey, name)]
    scale = SURVEY_KINDS.get(survey.kind)
    if scale is None:
        problems.append(Problem("kind", "unknown survey kind (expected " + ", ".join(SURVEY_KINDS) + ")"))
    elif not scale[0] <= survey.score <= scale[1]:
        problems.append(Problem("score", f"score {survey.score} outside {scale[0]}-{scale[1]} for {survey.kind}"))
    if survey.responded_at is None:
        problems.append(Problem("responded_at", "missing required field"))
    problems += _aware("responded_at", survey.responded_at)
    if not problems:
        problems += _future("responded_at", survey.responded_at, now)
    return problems


def reject(location: str, problem: Problem) -> Rejection:
    """A rejection for the batch. Logged here at DEBUG; the pipeline logs it at WARNING when storing
    the batch (with the source name, capped per batch so one bad file cannot flood the log)."""
    log.debug("rejected %s field %s: %s", location, problem.field, problem.reason)
    return Rejection(location=location, field=problem.field, reason=problem.reason)


def reason_key(reason: str) -> str:
    """The reason without its particulars (the part in brackets), to count rejections by kind."""
    return reason.split(" (", 1)[0]
