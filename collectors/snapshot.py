"""The live snapshot: per queue, per channel and for the centre, written once per tick.

Every screen reads these few rows instead of the raw records, so a hundred wall
displays cost the store a hundred cheap reads, not a hundred recomputations.
The payload keeps additive counts for each window (today, last 15/30/60 minutes)
and the live state (waiting, oldest arrival, agents by state); pages take ratios
from the counts with ``dashboard.metrics.ratios``, the same functions as everywhere.
"""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from datetime import datetime, timedelta

from sqlalchemy import case, delete, func, insert, select
from sqlalchemy.orm import Session

from dashboard.metrics.counts import COUNT_FIELDS, Counts, is_async, total
from dashboard.metrics.windows import live_windows
from dashboard.records import ASYNC_CHANNELS
from dashboard.settings import Settings
from dashboard.store.models import (AgentRow, AgentStateRow, ContactRow, IntervalStatRow, SnapshotRow,
                                    SourceStateRow)

ROLLING_MINUTES = (15, 30, 60)
AGENT_STATES_SHOWN = ("available", "on_contact", "after_contact_work", "aux")


def window_starts(now: datetime, settings: Settings) -> dict[str, datetime]:
    """Each live window's first interval (``dashboard.metrics.windows``): today, last 15/30/60 minutes."""
    windows = live_windows(now, settings.tz, settings.day_reset_hour)
    starts = {"today": windows["today"].start}
    for minutes in ROLLING_MINUTES:
        starts[f"last_{minutes}"] = windows[f"{minutes}m"].start
    return starts


def _window_counts(session: Session, starts: dict[str, datetime]) -> dict[tuple[str, str], dict[str, Counts]]:
    """Each window's counts per (queue, channel), summed by the database in one grouped query.

    Every live window runs from its start to now, so the intervals are grouped by the
    latest window start they reach (a bucket), and a window is the sum of the buckets
    from its start on.
    """
    boundaries = sorted(set(starts.values()), reverse=True)
    bucket = case(*((IntervalStatRow.interval_start >= at, number) for number, at in enumerate(boundaries)))
    sums = [func.sum(getattr(IntervalStatRow, f)) for f in COUNT_FIELDS]
    buckets: dict[tuple[str, str], dict[int, Counts]] = defaultdict(dict)
    for queue, channel, number, *values in session.execute(
            select(IntervalStatRow.queue, IntervalStatRow.channel, bucket.label("bucket"), *sums)
            .where(IntervalStatRow.interval_start >= boundaries[-1])
            .group_by(IntervalStatRow.queue, IntervalStatRow.channel, "bucket")):
        buckets[(queue, channel)][number] = Counts(*(v or 0 for v in values))
    result: dict[tuple[str, str], dict[str, Counts]] = {}
    for scope, parts in buckets.items():
        result[scope] = {name: total(counts for number, counts in parts.items() if boundaries[number] >= start)
                         for name, start in starts.items()}
    return result


def _live(session: Session, settings: Settings, now: datetime) -> dict[tuple[str, str], dict]:
    """Waiting (or backlog) now, the oldest arrival, and the backlog's progress towards its target.

    Counted in SQL over the waiting contacts (the partial index), not row by row in Python:
    a large centre's email backlog holds tens of thousands of contacts.
    """
    waiting = (ContactRow.answered_at.is_(None), ContactRow.abandoned_at.is_(None), ContactRow.ended_at.is_(None))
    live: dict[tuple[str, str], dict] = {}
    for queue, channel, count, oldest in session.execute(
            select(ContactRow.queue, ContactRow.channel, func.count(), func.min(ContactRow.arrived_at))
            .where(*waiting).group_by(ContactRow.queue, ContactRow.channel)):
        live[(queue, channel)] = {"waiting": int(count), "oldest_arrived_at": oldest,
                                  "past_50": 0, "past_75": 0, "past_100": 0}
    by_target: dict[float, list[str]] = defaultdict(list)  # queues usually share one response target
    for queue, channel in live:
        if is_async(channel):
            by_target[float(settings.queue(queue, channel).response_target_seconds)].append(queue)
    for target, queues in by_target.items():
        # "past share" means an age of at least share % of the target: arrived at or before now - that age
        past = [func.sum(case((ContactRow.arrived_at <= now - timedelta(seconds=target * share / 100), 1), else_=0))
                for share in (50, 75, 100)]
        for queue, channel, *counts in session.execute(
                select(ContactRow.queue, ContactRow.channel, *past)
                .where(*waiting, ContactRow.queue.in_(queues), ContactRow.channel.in_(sorted(ASYNC_CHANNELS)))
                .group_by(ContactRow.queue, ContactRow.channel)):
            for share, count in zip((50, 75, 100), counts):
                live[(queue, channel)][f"past_{share}"] = int(count or 0)
    return live


def agent_board(session: Session, now: datetime) -> list[dict]:
    """Every agent with a current state: state, reason, since when, contacts held now, skills.

    One query of plain rows: thousands of agents are read every tick.
    """
    # held now: live conversations only (synchronous: no response target, which every stored
    # asynchronous contact has); an answered email awaiting closure is not "held". The partial
    # index ix_contacts_held holds exactly these rows.
    held = (select(ContactRow.agent_id, func.count().label("held"))
            .where(ContactRow.answered_at.is_not(None), ContactRow.ended_at.is_(None),
                   ContactRow.response_due_at.is_(None))
            .group_by(ContactRow.agent_id).subquery())
    rows = session.execute(
        select(AgentStateRow.agent_id, AgentStateRow.state, AgentStateRow.reason, AgentStateRow.started_at,
               AgentRow.name, AgentRow.team, AgentRow.skills, held.c.held)
        .where(AgentStateRow.ended_at.is_(None))
        .outerjoin(AgentRow, AgentRow.agent_id == AgentStateRow.agent_id)
        .outerjoin(held, held.c.agent_id == AgentStateRow.agent_id))
    board = [{"agent_id": agent_id, "name": name or agent_id, "team": team, "state": state, "reason": reason,
              "since": started_at.isoformat(), "held": int(count or 0),
              "skills": [skill for skill in (skills or "").split(",") if skill]}
             for agent_id, state, reason, started_at, name, team, skills, count in rows]
    board.sort(key=lambda a: (a["team"] or "", a["name"]))
    return board


def _agents_by_queue(board: list[dict]) -> dict[str, Counter]:
    by_queue: dict[str, Counter] = defaultdict(Counter)
    for agent in board:
        if agent["state"] == "offline":
            continue
        for queue in agent["skills"]:
            by_queue[queue][agent["state"]] += 1
            by_queue[queue]["staffed"] += 1
    return by_queue


def _policy(settings: Settings, queue: str, channel: str) -> dict:
    q = settings.queue(queue, channel)
    return {"service_level_seconds": q.service_level_seconds, "service_level_target": q.service_level_target,
            "service_level_form": q.service_level_form, "response_target_seconds": q.response_target_seconds,
            "display_name": q.display_name or queue}


def _payload(scope_key, counts: dict[str, Counts], live: dict, agents: Counter, starts, now, extra) -> dict:
    return {
        **extra, "taken_at": now.isoformat(),
        "windows": {name: start.isoformat() for name, start in starts.items()},
        "counts": {name: c.as_dict() for name, c in counts.items()},
        "live": {**live, "oldest_arrived_at": live["oldest_arrived_at"].isoformat()
                 if live.get("oldest_arrived_at") else None},
        "agents": {state: int(agents.get(state, 0)) for state in (*AGENT_STATES_SHOWN, "staffed")},
    }


def build_snapshots(session: Session, settings: Settings, now: datetime) -> dict[tuple[str, str], dict]:
    """Every snapshot payload keyed by (scope, key): queues, channels, the centre, agents, sources."""
    starts = window_starts(now, settings)
    counts = _window_counts(session, starts)
    live = _live(session, settings, now)
    board = agent_board(session, now)
    by_queue = _agents_by_queue(board)
    queues = sorted(set(counts) | set(live))
    empty_live = {"waiting": 0, "oldest_arrived_at": None, "past_50": 0, "past_75": 0, "past_100": 0}
    snapshots: dict[tuple[str, str], dict] = {}
    for queue, channel in queues:
        snapshots[("queue", queue)] = _payload(
            queue, counts.get((queue, channel)) or {n: Counts() for n in starts}, live.get((queue, channel), empty_live),
            by_queue.get(queue, Counter()), starts, now,
            {"queue": queue, "channel": channel, "async": is_async(channel), "policy": _policy(settings, queue, channel)})
    for scope, key_of in (("channel", lambda q, c: c), ("centre", lambda q, c: "all")):
        groups: dict[str, list] = defaultdict(list)
        for queue, channel in queues:
            groups[key_of(queue, channel)].append((queue, channel))
        for key, members in groups.items():
            merged = {n: sum((counts.get(m, {}).get(n, Counts()) for m in members), Counts()) for n in starts}
            lives = [live.get(m, empty_live) for m in members]
            oldest = [entry["oldest_arrived_at"] for entry in lives if entry["oldest_arrived_at"]]
            merged_live = {k: sum(entry[k] for entry in lives) for k in ("waiting", "past_50", "past_75", "past_100")}
            merged_live["oldest_arrived_at"] = min(oldest) if oldest else None
            snapshots[(scope, key)] = _payload(key, merged, merged_live, Counter(), starts, now,
                                               {"queues": [q for q, _ in members]})
    snapshots[("agents", "all")] = {"taken_at": now.isoformat(), "agents": board}
    snapshots[("sources", "all")] = {"taken_at": now.isoformat(), "sources": source_health(session)}
    return snapshots


def write_snapshots(session: Session, settings: Settings, now: datetime) -> dict[tuple[str, str], dict]:
    """Replace the stored snapshot with the one for ``now``, in the caller's transaction."""
    snapshots = build_snapshots(session, settings, now)
    session.execute(delete(SnapshotRow))
    session.execute(insert(SnapshotRow.__table__),  # plain rows: one statement, no unit of work
                    [{"scope": scope, "key": key, "taken_at": now, "payload": json.dumps(payload, default=str)}
                     for (scope, key), payload in snapshots.items()])
    return snapshots


def read_snapshots(session: Session, scopes: tuple[str, ...] | None = None) -> dict[tuple[str, str], dict]:
    """All snapshot rows (or those of ``scopes``) in one read: what every live panel shows."""
    query = select(SnapshotRow) if scopes is None else select(SnapshotRow).where(SnapshotRow.scope.in_(scopes))
    return {(row.scope, row.key): json.loads(row.payload) for row in session.scalars(query)}


def source_health(session: Session) -> list[dict]:
    """Each source's last success, last error and counts, for freshness and the pages' status line."""
    return [{"name": row.name, "kind": row.kind,
             "last_success_at": row.last_success_at.isoformat() if row.last_success_at else None,
             "last_poll_at": row.last_poll_at.isoformat() if row.last_poll_at else None,
             "last_error": row.last_error, "consecutive_failures": row.consecutive_failures or 0,
             "accepted": row.accepted, "rejected": row.rejected, "skipped": row.skipped,
             "rejected_by_reason": json.loads(row.rejected_by_reason or "{}")}
            for row in session.scalars(select(SourceStateRow).where(SourceStateRow.kind != "internal"))]
