"""The tick's yardstick: DuckDB recomputing today's live figures from the raw rows, in one query.

Two queries over the same rows (today's contacts and those still open, loaded into DuckDB once):

- ``NARROW``: 13 of today's per-queue KPIs, the yardstick of the earlier tables, kept so the
  runs stay comparable;
- ``snapshot_query``: what the tick's snapshot holds, the same KPIs: every count of
  ``dashboard.metrics.counts`` for today and the last 15, 30 and 60 minutes, per (queue,
  channel), per channel and for the centre, with each queue's own thresholds (the collector's
  ``policy_resolver``), and the live backlog (waiting, oldest arrival, past 50/75/100 % of the
  response target). Surveys come from their own table, in a second query.

``compare`` checks the second against the snapshot the ticks stored, field by field, so the
yardstick is known to compute the same figures (the benchmark has no surveys, so those are 0).
"""

from __future__ import annotations

import math
import sqlite3
import statistics
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pandas as pd

from collectors.pipeline import policy_resolver
from dashboard.metrics.counts import COUNT_FIELDS, PROMOTER_NPS, DETRACTOR_NPS, SATISFIED_CSAT
from dashboard.records import ASYNC_CHANNELS

NARROW = """
SELECT queue,
  count(*) FILTER (WHERE direction <> 'outbound' AND arrived_at >= $day) AS offered,
  count(*) FILTER (WHERE sync AND answered_at >= $day) AS answered,
  count(*) FILTER (WHERE sync AND answered_at >= $day AND epoch(answered_at - arrived_at) <= 20) AS within_t,
  count(*) FILTER (WHERE sync AND answered_at IS NULL AND abandoned_at >= $day
                   AND epoch(abandoned_at - arrived_at) > 5) AS abandoned,
  sum(epoch(answered_at - arrived_at)) FILTER (WHERE sync AND answered_at >= $day) AS answer_wait_seconds,
  count(*) FILTER (WHERE ended_at >= $day AND answered_at IS NOT NULL) AS ended,
  sum(epoch(ended_at - answered_at)) FILTER (WHERE sync AND ended_at >= $day) AS talk_seconds,
  sum(wrap_seconds) FILTER (WHERE ended_at >= $day AND answered_at IS NOT NULL) AS wrap_seconds,
  count(*) FILTER (WHERE ended_at >= $day AND transfer_count >= 1) AS transferred,
  count(*) FILTER (WHERE NOT sync AND answered_at >= $day) AS responded,
  count(*) FILTER (WHERE answered_at IS NULL AND abandoned_at IS NULL AND ended_at IS NULL) AS waiting,
  min(arrived_at) FILTER (WHERE answered_at IS NULL AND abandoned_at IS NULL AND ended_at IS NULL) AS oldest
FROM today GROUP BY queue
"""

# each count: (what it adds, the condition, the time it counts at); ``c`` holds each contact's derived columns
CONTACT_COUNTS = {
    "offered": ("1", "inbound", "arrived_at"),
    "answered": ("1", "queued AND answered_at IS NOT NULL", "answered_at"),
    "answered_within_threshold": ("1", "queued AND answered_at IS NOT NULL AND answer_wait <= t", "answered_at"),
    "abandoned": ("1", "abandon AND abandon_wait > s", "abandoned_at"),
    "abandoned_within_threshold": ("1", "abandon AND abandon_wait > s AND abandon_wait <= t", "abandoned_at"),
    "short_abandoned": ("1", "abandon AND abandon_wait <= s", "abandoned_at"),
    "answer_wait_seconds": ("answer_wait", "queued AND answered_at IS NOT NULL", "answered_at"),
    "abandon_wait_seconds": ("abandon_wait", "abandon AND abandon_wait > s", "abandoned_at"),
    "ended": ("1", "ends", "ended_at"),
    "talk_seconds": ("span - held", "ends", "ended_at"),
    "hold_seconds": ("held", "ends", "ended_at"),
    "wrap_seconds": ("coalesce(wrap_seconds, 0)", "ends", "ended_at"),
    "transferred": ("1", "ends AND transfer_count >= 1", "ended_at"),
    "responded": ("1", "backlog AND answered_at IS NOT NULL", "answered_at"),
    "responded_within_target": ("1", "backlog AND answered_at IS NOT NULL AND answer_wait <= r", "answered_at"),
    "response_seconds": ("answer_wait", "backlog AND answered_at IS NOT NULL", "answered_at"),
    "expired_unanswered": ("1", "expired", "due_at"),
    "resolved_known": ("1", "ends AND resolved IS NOT NULL", "ended_at"),
    "first_contact_resolved": ("1", "ends AND resolved AND coalesce(transfer_count, 0) = 0 AND NOT repeat",
                               "ended_at"),
    "repeated": ("1", "ends AND repeat", "ended_at"),
}
SURVEY_COUNTS = {
    "csat_responses": ("1", "kind = 'csat'"),
    "csat_satisfied": ("1", f"kind = 'csat' AND score >= {SATISFIED_CSAT}"),
    "csat_score_sum": ("score", "kind = 'csat'"),
    "nps_responses": ("1", "kind = 'nps'"),
    "nps_promoters": ("1", f"kind = 'nps' AND score >= {PROMOTER_NPS}"),
    "nps_detractors": ("1", f"kind = 'nps' AND score <= {DETRACTOR_NPS}"),
    "ces_responses": ("1", "kind = 'ces'"),
    "ces_score_sum": ("score", "kind = 'ces'"),
}
assert set(CONTACT_COUNTS) | set(SURVEY_COUNTS) == set(COUNT_FIELDS)
SCOPES = "GROUPING SETS ((queue, channel), (channel), ())"
# a scope's key: ('', channel) for a channel, ('', '') for the centre
KEYS = "CASE WHEN grouping(queue) = 1 THEN '' ELSE queue END AS queue, " \
       "CASE WHEN grouping(channel) = 1 THEN '' ELSE channel END AS channel, "
DERIVED = """
WITH c AS (
  SELECT raw.*, p.t, p.s, p.r, p.repeat_window,
    direction <> 'outbound' AS inbound,
    direction <> 'outbound' AND NOT is_async AS queued,
    direction <> 'outbound' AND NOT is_async AND answered_at IS NULL AND abandoned_at IS NOT NULL AS abandon,
    direction <> 'outbound' AND is_async AS backlog,
    epoch(answered_at - arrived_at) AS answer_wait,
    epoch(abandoned_at - arrived_at) AS abandon_wait,
    arrived_at + to_microseconds(CAST(p.r * 1000000 AS BIGINT)) AS due_at,
    ended_at IS NOT NULL AND (answered_at IS NOT NULL OR direction = 'outbound') AS ends,
    CASE WHEN is_async THEN 0 ELSE greatest(0, epoch(ended_at - coalesce(answered_at, arrived_at))) END AS span,
    coalesce(epoch(next_contact_at - arrived_at) <= p.repeat_window, false) AS repeat,
    answered_at IS NULL AND abandoned_at IS NULL AND ended_at IS NULL AS waiting
  FROM today AS raw JOIN policies AS p USING (queue, channel)
), d AS MATERIALIZED (
  SELECT *, backlog AND answered_at IS NULL AND due_at <= $now AND (ended_at IS NULL OR ended_at > due_at) AS expired,
    least(coalesce(hold_seconds, 0), span) AS held
  FROM c
)
"""


def snapshot_query(windows: dict[str, datetime]) -> str:
    """Every count for every window, and the live backlog, per (queue, channel), per channel and for the centre.

    The shape a good analyst would give it: each kind of event (arrival, answer, abandon, end,
    response target passing) is summed per queue and 15-minute bucket in its own pass over the
    rows it concerns, and each window is then the sum of its buckets, so a window costs a few
    thousand bucket rows, not another pass over the contacts.
    """
    today = _timestamp(windows["today"])
    passes = []
    for when in dict.fromkeys(when for _, _, when in CONTACT_COUNTS.values()):
        sums = [f"sum({amount}) FILTER (WHERE {where}) AS {field}"
                for field, (amount, where, at) in CONTACT_COUNTS.items() if at == when]
        passes.append(f"SELECT queue, channel, time_bucket(INTERVAL 15 MINUTE, {when}) AS bucket, {', '.join(sums)} "
                      f"FROM d WHERE {when} >= {today} GROUP BY ALL")
    sums = [f"coalesce(sum({field}) FILTER (WHERE bucket >= {_timestamp(start)}), 0) AS \"{name}.{field}\""
            for name, start in windows.items() for field in CONTACT_COUNTS]
    live = ["count(*) FILTER (WHERE waiting) AS waiting", "min(arrived_at) FILTER (WHERE waiting) AS oldest_arrived_at",
            *(f"count(*) FILTER (WHERE waiting AND is_async AND arrived_at <= $now - "
              f"to_microseconds(CAST(r * {share / 100} * 1000000 AS BIGINT))) AS past_{share}"
              for share in (50, 75, 100))]
    names = [part.rsplit(" AS ", 1)[1] for part in sums + live]
    totals = [f"min({name}) AS {name}" if name == "oldest_arrived_at" else f"sum({name}) AS {name}" for name in names]
    return (DERIVED + ", buckets AS (" + "\n  UNION ALL BY NAME ".join(passes) + ")"
            + ", counted AS (SELECT queue, channel, " + ", ".join(sums) + " FROM buckets GROUP BY ALL)"
            + ", waiting AS (SELECT queue, channel, " + ", ".join(live) + " FROM d GROUP BY ALL)"
            + ", q AS (SELECT * FROM counted FULL JOIN waiting USING (queue, channel))\n"
            + "SELECT " + KEYS + ", ".join(totals) + f"\nFROM q GROUP BY {SCOPES}")


def _utc(at: datetime) -> datetime:
    """An aware time as the naive UTC time the rows hold."""
    return at.astimezone(timezone.utc).replace(tzinfo=None)


def _timestamp(at: datetime) -> str:
    return f"TIMESTAMP '{_utc(at)}'"


def survey_query(windows: dict[str, datetime]) -> str:
    parts = []
    for name, start in windows.items():
        at = _timestamp(start)
        for field, (amount, where) in SURVEY_COUNTS.items():
            parts.append(f"coalesce(sum({amount}) FILTER (WHERE {where} AND responded_at >= {at}), 0) "
                         f"AS \"{name}.{field}\"")
    return "SELECT " + KEYS + ",\n  ".join(parts) + f"\nFROM surveys GROUP BY {SCOPES}"


def load(path: Path, settings, day: datetime):
    """A DuckDB connection holding ``today`` (today's contacts, yesterday's arrivals and every open one),
    ``surveys`` (today's responses) and ``policies`` (each queue's thresholds); and the seconds it took."""
    import duckdb

    naive_day = _utc(day)
    started = time.perf_counter()
    with sqlite3.connect(path) as source:
        contacts = pd.read_sql_query(
            "SELECT queue, channel, direction, arrived_at, answered_at, abandoned_at, ended_at, next_contact_at, "
            "hold_seconds, wrap_seconds, transfer_count, resolved "
            "FROM contacts LEFT JOIN contact_links ON contact_links.contact_id = contacts.id "
            "WHERE arrived_at >= ? OR ended_at >= ? OR ended_at IS NULL",
            source, params=(str(naive_day - timedelta(days=1)), str(naive_day)))
        surveys = pd.read_sql_query("SELECT queue, channel, kind, score, responded_at FROM survey_responses "
                                    "WHERE responded_at >= ? AND queue IS NOT NULL", source, params=(str(naive_day),))
    for frame, columns in ((contacts, ("arrived_at", "answered_at", "abandoned_at", "ended_at", "next_contact_at")),
                           (surveys, ("responded_at",))):
        for name in columns:
            frame[name] = pd.to_datetime(frame[name], format="ISO8601")
    contacts["is_async"] = contacts["channel"].isin(ASYNC_CHANNELS)
    contacts["sync"] = ~contacts["is_async"]
    contacts["resolved"] = contacts["resolved"].astype("boolean")
    policy_for = policy_resolver(settings)
    scopes = contacts[["queue", "channel"]].drop_duplicates()
    policies = pd.DataFrame([(q, ch, p.service_level_seconds, p.short_abandon_seconds, p.response_target_seconds,
                              p.repeat_window_seconds) for q, ch in scopes.itertuples(index=False)
                             for p in [policy_for(q, ch)]],
                            columns=["queue", "channel", "t", "s", "r", "repeat_window"])
    connection = duckdb.connect()
    for name, frame in (("today", contacts), ("surveys", surveys), ("policies", policies)):
        connection.register(f"{name}_frame", frame)
        connection.execute(f"CREATE TABLE {name} AS SELECT * FROM {name}_frame")
        connection.unregister(f"{name}_frame")
    return connection, time.perf_counter() - started, len(contacts)


def median_ms(run, runs: int):
    """The median milliseconds of ``runs`` calls of ``run``, and its last result."""
    spent, result = [], None
    for _ in range(runs):
        started = time.perf_counter()
        result = run()
        spent.append((time.perf_counter() - started) * 1000)
    return statistics.median(spent), result


def timed(connection, sql: str, parameters: dict, runs: int) -> tuple[float, pd.DataFrame]:
    """The median milliseconds of ``runs`` runs of ``sql``, and its last result."""
    return median_ms(lambda: connection.execute(sql, parameters).df(), runs)


def recompute(path: Path, settings, now: datetime, windows: dict[str, datetime], runs: int = 7) -> dict:
    """Both yardsticks timed over the rows of ``path`` as they are at ``now``; ``frames``: the snapshot
    query's results (contacts, surveys) for ``compare``."""
    connection, load_s, rows = load(path, settings, windows["today"])
    narrow_ms, _ = timed(connection, NARROW, {"day": _utc(windows["today"])}, runs)
    contacts_ms, contacts = timed(connection, snapshot_query(windows), {"now": _utc(now)}, runs)
    surveys_ms, surveys = timed(connection, survey_query(windows), {}, runs)
    connection.close()
    return {"narrow_ms": narrow_ms, "snapshot_ms": contacts_ms + surveys_ms, "load_ms": load_s * 1000,
            "rows": rows, "frames": (contacts, surveys)}


def compare(frames: tuple[pd.DataFrame, pd.DataFrame], snapshots: dict) -> list[str]:
    """Where the DuckDB figures differ from the stored snapshot's (empty: they agree)."""
    contacts, surveys = (frame.set_index(["queue", "channel"]) for frame in frames)
    differences = []
    for (scope, key), payload in snapshots.items():
        if scope not in ("queue", "channel", "centre"):
            continue
        index = (payload["queue"], payload["channel"]) if scope == "queue" else ("", key if scope == "channel" else "")
        if index not in contacts.index:
            differences.append(f"{scope} {key}: not in DuckDB's result")
            continue
        row, survey = contacts.loc[index], surveys.loc[index] if index in surveys.index else None
        for window, counts in payload["counts"].items():
            for field, stored in counts.items():
                column = f"{window}.{field}"
                mine = row[column] if column in row else (survey[column] if survey is not None else 0)
                if not math.isclose(float(mine), float(stored), rel_tol=1e-9, abs_tol=1e-6):
                    differences.append(f"{scope} {key} {column}: DuckDB {float(mine):g}, snapshot {float(stored):g}")
        if scope == "queue":
            live = payload["live"]
            for field in ("waiting", "past_50", "past_75", "past_100"):
                if int(row[field]) != int(live[field]):
                    differences.append(f"{scope} {key} live {field}: DuckDB {row[field]}, snapshot {live[field]}")
    return differences
