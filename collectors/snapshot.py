"""The live snapshot: per queue, per channel and for the centre, written once per tick.

Every screen reads these few rows instead of the raw records, so a hundred wall
displays cost the store a hundred cheap reads, not a hundred recomputations.
The payload keeps additive counts for each window (today, last 15/30/60 minutes)
and the live state (waiting, oldest arrival, agents by state); pages take ratios
from the counts with ``dashboard.metrics.ratios``, the same functions as everywhere.
"""

from __future__ import annotations

import json
from collections import Counter
from datetime import datetime

import orjson
from sqlalchemy import delete, insert, select
from sqlalchemy.orm import Session

from collectors.live import LiveState
from dashboard.metrics.counts import Counts, is_async, total
from dashboard.metrics.windows import live_windows
from dashboard.settings import Settings
from dashboard.store.models import SnapshotRow, SourceStateRow

ROLLING_MINUTES = (15, 30, 60)
AGENT_STATES_SHOWN = ("available", "on_contact", "after_contact_work", "aux")


def window_starts(now: datetime, settings: Settings) -> dict[str, datetime]:
    """Each live window's first interval (``dashboard.metrics.windows``): today, last 15/30/60 minutes."""
    windows = live_windows(now, settings.tz, settings.day_reset_hour)
    starts = {"today": windows["today"].start}
    for minutes in ROLLING_MINUTES:
        starts[f"last_{minutes}"] = windows[f"{minutes}m"].start
    return starts


def _policy(settings: Settings, queue: str, channel: str) -> dict:
    q = settings.queue(queue, channel)
    return {"service_level_seconds": q.service_level_seconds, "service_level_target": q.service_level_target,
            "service_level_form": q.service_level_form, "response_target_seconds": q.response_target_seconds,
            "display_name": q.display_name or queue}


def _payload(counts: dict[str, dict], live: dict, agents: Counter, stamp: dict, extra) -> dict:
    """``stamp``: the time taken and the windows' starts, the same in every payload of the tick."""
    return {
        **extra, **stamp,
        "counts": counts,
        "live": {**live, "oldest_arrived_at": live["oldest_arrived_at"].isoformat()
                 if live.get("oldest_arrived_at") else None},
        "agents": {state: int(agents.get(state, 0)) for state in (*AGENT_STATES_SHOWN, "staffed")},
    }


def _scope_counts(state: LiveState, starts: dict[str, datetime], live: dict) -> tuple[dict, dict]:
    """Each scope's window counts as JSON values, and each scope's (queue, channel) members: queues,
    channels and the centre.

    Kept between ticks on the memory (``counts_memo``): the counts change only when a batch is
    filed (a new clock number) or a window moves on, so with ``file_seconds`` most ticks reuse them.
    """
    queues = tuple(sorted(set(state.intervals) | set(live)))
    memo_key = (state.batches, tuple(starts.items()), queues)
    if state.counts_memo is not None and state.counts_memo[0] == memo_key:
        return state.counts_memo[1]
    by_queue = state.window_counts(starts)
    empty = {name: Counts() for name in starts}
    members_of: dict[tuple[str, str], list] = {("queue", queue): [(queue, channel)] for queue, channel in queues}
    for queue, channel in queues:
        members_of.setdefault(("channel", channel), []).append((queue, channel))
    if queues:
        members_of[("centre", "all")] = list(queues)
    counts = {scope: {name: total(by_queue.get(m, empty)[name] for m in members).as_dict() for name in starts}
              for scope, members in members_of.items()}
    state.counts_memo = (memo_key, (counts, members_of))
    return counts, members_of


def _backlog_target(settings: Settings):
    """(queue, channel) → the response target in seconds for a backlog, None for a synchronous queue."""
    def target(queue: str, channel: str) -> float | None:
        return float(settings.queue(queue, channel).response_target_seconds) if is_async(channel) else None
    return target


def build_snapshots(session: Session, settings: Settings, now: datetime,
                    state: LiveState) -> dict[tuple[str, str], dict]:
    """Every snapshot payload keyed by (scope, key): queues, channels, the centre and the sources.

    ``state`` holds today's roll-ups and the waiting contacts (``collectors.live``); only the
    sources' health is read from the store. The agent board is not among them: it is stored from
    its entries' kept text (``write_snapshots``), and ``board_payload`` gives it as values.
    """
    starts = window_starts(now, settings)
    live = state.queue_live(now, _backlog_target(settings))
    by_queue = state.board.staffed
    fed_by = state.queue_sources()
    counts, members_of = _scope_counts(state, starts, live)
    empty_live = {"waiting": 0, "oldest_arrived_at": None, "past_50": 0, "past_75": 0, "past_100": 0}
    stamp = {"taken_at": now.isoformat(), "windows": {name: start.isoformat() for name, start in starts.items()}}
    snapshots: dict[tuple[str, str], dict] = {}
    for (scope, key), members in members_of.items():
        if scope == "queue":
            (queue, channel), = members
            snapshots[(scope, key)] = _payload(
                counts[(scope, key)], live.get((queue, channel), empty_live), by_queue.get(queue, Counter()), stamp,
                {"queue": queue, "channel": channel, "async": is_async(channel),
                 "policy": _policy(settings, queue, channel), "sources": fed_by.get((queue, channel), [])})
            continue
        lives = [live.get(m, empty_live) for m in members]
        oldest = [entry["oldest_arrived_at"] for entry in lives if entry["oldest_arrived_at"]]
        merged_live = {k: sum(entry[k] for entry in lives) for k in ("waiting", "past_50", "past_75", "past_100")}
        merged_live["oldest_arrived_at"] = min(oldest) if oldest else None
        snapshots[(scope, key)] = _payload(counts[(scope, key)], merged_live, Counter(), stamp,
                                           {"queues": [q for q, _ in members]})
    snapshots[("sources", "all")] = {"taken_at": now.isoformat(), "sources": source_health(session)}
    return snapshots


def write_snapshots(session: Session, settings: Settings, now: datetime,
                    state: LiveState) -> dict[tuple[str, str], dict]:
    """Replace the stored snapshot with the one for ``now``, in the caller's transaction; returns
    ``build_snapshots``'s payloads (the board is stored, not returned: nothing in the tick reads it)."""
    snapshots = build_snapshots(session, settings, now, state)
    rows = [{"scope": scope, "key": key, "taken_at": now, "payload": _dumps(payload)}
            for (scope, key), payload in snapshots.items()]
    # the board (thousands of agents) is joined from each entry's kept JSON, not encoded again
    rows.append({"scope": "agents", "key": "all", "taken_at": now,
                 "payload": f'{{"taken_at": {json.dumps(now.isoformat())}, "agents": {state.board.encoded()}}}'})
    session.execute(delete(SnapshotRow))
    session.execute(insert(SnapshotRow.__table__), rows)  # plain rows: one statement, no unit of work
    return snapshots


def board_payload(state: LiveState, now: datetime) -> dict:
    """The agent board's snapshot payload as values: what ``write_snapshots`` stores for ("agents", "all")."""
    return {"taken_at": now.isoformat(), "agents": state.board.entries()}


def read_snapshots(session: Session, scopes: tuple[str, ...] | None = None) -> dict[tuple[str, str], dict]:
    """All snapshot rows (or those of ``scopes``) in one read: what every live panel shows.

    Plain rows and orjson: parsing the 40 queue payloads (about 135 kB) is most of a wall
    refresh's read, and orjson does it in a quarter of the time of ``json``.
    """
    table = SnapshotRow.__table__
    query = select(table.c.scope, table.c.key, table.c.payload)
    if scopes is not None:
        query = query.where(table.c.scope.in_(scopes))
    return {(scope, key): _loads(payload) for scope, key, payload in session.execute(query)}


def _dumps(payload: dict) -> str:
    """JSON text of a payload: orjson, a fifth of ``json``'s time, every tick for every scope. The
    sources refuse non-finite numbers (``sources.values``), so no NaN reaches a payload."""
    return orjson.dumps(payload, default=str).decode()


def _loads(text: str):
    """``orjson.loads``; ``json.loads`` for what orjson refuses and json accepts (NaN, Infinity)."""
    try:
        return orjson.loads(text)
    except orjson.JSONDecodeError:
        return json.loads(text)


def source_health(session: Session) -> list[dict]:
    """Each source's last success, last error and counts, for freshness and the pages' status line."""
    return [{"name": row.name, "kind": row.kind,
             "last_success_at": row.last_success_at.isoformat() if row.last_success_at else None,
             "last_poll_at": row.last_poll_at.isoformat() if row.last_poll_at else None,
             "last_error": row.last_error, "consecutive_failures": row.consecutive_failures or 0,
             "accepted": row.accepted, "rejected": row.rejected, "skipped": row.skipped,
             "rejected_by_reason": json.loads(row.rejected_by_reason or "{}")}
            for row in session.execute(select(*SourceStateRow.__table__.c).where(SourceStateRow.kind != "internal"))]
