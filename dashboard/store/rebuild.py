"""Rebuild every roll-up from the raw tables, after an import or a repair.

Recomputes ``contacts.next_contact_at`` (the journey links), then
``interval_stats``, ``agent_interval_stats``, ``agent_state_stats``,
``customer_weeks`` and ``queue_sources``, then the day roll-ups from those (``store.days``), and sets
the roll-up clock to ``now``. The result is what
the incremental path (``dashboard.store.write``) holds for the same records seen
at ``now``: the same rules as ``dashboard.metrics.counts``, vectorised over
chunks of rows with pandas so five million contacts take seconds, not hours.
Counts are identical; sums of seconds agree up to float rounding (the
incremental path adds and subtracts the same values in another order).
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime, timezone
from typing import Iterator

import numpy as np
import pandas as pd
from sqlalchemy import Connection, Engine, delete
from sqlalchemy.orm import Session

from dashboard.metrics.counts import (COUNT_FIELDS, DETRACTOR_NPS, PROMOTER_NPS, SATISFIED_CSAT,
                                      state_contributions)
from dashboard.records import ASYNC_CHANNELS
from dashboard.settings import Settings
from dashboard.store.days import AGENTS, QUEUES, STATES, TABLES, day_sums, record_cut
from dashboard.store.bulk import insert_statement, update_statement
from dashboard.store.models import (AgentIntervalStatRow, AgentStateStatRow, ContactRow, CustomerWeekRow,
                                    IntervalStatRow, QueueSourceRow)
from dashboard.store.write import rollup_clock, stamp_clock

CHUNK_ROWS = 200_000
QUEUE_KEYS = ["interval_start", "queue", "channel"]
AGENT_KEYS = ["interval_start", "agent_id", "queue", "channel"]
STATE_KEYS = ["interval_start", "agent_id", "state", "reason"]
FED_KEYS = ["queue", "channel", "source"]
CONTACT_COLUMNS = ("source", "queue", "channel", "direction", "agent_id", "customer_id", "arrived_at", "answered_at",
                   "abandoned_at", "ended_at", "hold_seconds", "wrap_seconds", "transfer_count", "resolved",
                   "next_contact_at")
TIME_COLUMNS = ("arrived_at", "answered_at", "abandoned_at", "ended_at", "next_contact_at")
MICROS = np.timedelta64(1, "us")


def rebuild_rollups(engine: Engine, settings: Settings, now: datetime, progress: bool = True) -> dict[str, int]:
    """Recompute journey links and all roll-up tables from the raw records, as seen at ``now``.

    One transaction: readers see the old roll-ups until it commits. Returns the row
    count written per table (and ``relinked``: contacts whose next contact changed).
    """
    from tqdm import tqdm

    from collectors.pipeline import policy_resolver  # the collector's policy rules, one definition

    policy_for = policy_resolver(settings)
    with engine.begin() as connection:
        total = sum(connection.exec_driver_sql(f"SELECT count(*) FROM {query}").scalar_one() for query in (
            "contacts", "agent_states WHERE ended_at IS NOT NULL", "survey_responses WHERE queue IS NOT NULL"))
        bar = tqdm(total=total, unit="row", unit_scale=True, desc="rebuilding roll-ups", disable=not progress)
        try:
            queues, agents, weeks, fed, relinked = _contact_rollups(connection, settings, policy_for, now, bar)
            queues, agents = _add_surveys(connection, queues, agents, bar)
            states = _state_rollups(connection, bar)
        finally:
            bar.close()
        intervals = _replace(connection, queues, agents, states, weeks)
        _replace_queue_sources(connection, fed)
        _replace_days(connection, settings, intervals)
        with Session(bind=connection) as session:
            clock = rollup_clock(session)
            stamp_clock(clock, now)  # a new number: the collector's memory of today reloads
            record_cut(session, settings)
            session.flush()
    return {**{table.interval.__tablename__: len(frame) for table, frame in intervals.items()},
            "customer_weeks": len(weeks), "relinked": relinked}


def _rows(connection: Connection, sql: str) -> Iterator[pd.DataFrame]:
    """The query's rows in DataFrames of up to ``CHUNK_ROWS`` rows (a streaming cursor)."""
    result = connection.exec_driver_sql(sql)
    names = list(result.keys())
    while True:
        rows = result.fetchmany(CHUNK_ROWS)
        if not rows:
            return
        yield pd.DataFrame.from_records(rows, columns=names, coerce_float=True)


def _times(values: pd.Series) -> pd.Series:
    """Stored times (SQLite text or naive UTC datetimes) as naive UTC datetime64[us]; NULL → NaT."""
    if values.dtype == object:
        values = pd.to_datetime(values, format="ISO8601")
    return values.astype("datetime64[us]")


def _seconds(later: pd.Series, earlier: pd.Series) -> np.ndarray:
    """``(later - earlier).total_seconds()`` exactly as Python computes it (whole microseconds / 1e6)."""
    return ((later - earlier) // MICROS).to_numpy(dtype="float64", na_value=np.nan) / 1e6


def _relink(connection: Connection, frame: pd.DataFrame, window: float, changed: list[tuple]) -> None:
    """Set the chunk's ``next_contact_at`` to the same customer's next arrival within the window
    (``following``, read with the chunk), and note each contact whose stored link differs."""
    arrived, current, following = frame["arrived_at"], frame["next_contact_at"], _times(frame.pop("following"))
    linked = frame["customer_id"].fillna("").astype(bool).to_numpy()
    new = following.where(linked & (_seconds(following, arrived) <= window))
    differs = ~((new == current) | (new.isna() & current.isna())).to_numpy()
    moved = new[differs]
    for contact_id, at, unlinked in zip(frame["id"][differs].tolist(), _as_stored(connection, moved),
                                        moved.isna().tolist()):
        changed.append((None if unlinked else at, contact_id))
    frame["next_contact_at"] = new


def _contact_rollups(connection: Connection, settings: Settings, policy_for, now: datetime, bar):
    """Link each contact to its customer's next one, then sum every contact's contributions per interval
    (queue and agent), count customer weeks and find each queue's sources; one read of the contacts,
    in customer order. Returns the sums, the weeks, the sources and how many links changed (written
    back here)."""
    queue_parts, agent_parts, week_parts, fed_parts = [], [], [], []
    through = pd.Timestamp(now.astimezone(timezone.utc).replace(tzinfo=None)).as_unit("us")
    window = max(policy_for("", "voice").repeat_window_seconds, 1.0)
    changed: list[tuple] = []
    for frame in _rows(connection, f"SELECT id, {', '.join(CONTACT_COLUMNS)}, LEAD(arrived_at) OVER "
                                   "(PARTITION BY customer_id ORDER BY arrived_at, id) AS following FROM contacts"):
        for column in TIME_COLUMNS:
            frame[column] = _times(frame[column])
        _relink(connection, frame, window, changed)
        events = _contact_events(frame, policy_for, through)
        queue_parts.append(_sum(events, QUEUE_KEYS))
        agent_parts.append(_sum(events[events["agent_id"].fillna("").astype(bool)], AGENT_KEYS))
        week_parts.append(_customer_weeks(frame, settings))
        fed_parts.append(frame.groupby(FED_KEYS, sort=False)["arrived_at"].max().reset_index())
        bar.update(len(frame))
    update_statement(connection, ContactRow.__table__, ("next_contact_at",)).run(connection, changed, converted=True)
    return (_sum(pd.concat(queue_parts), QUEUE_KEYS) if queue_parts else None,
            _sum(pd.concat(agent_parts), AGENT_KEYS) if agent_parts else None,
            _merge_weeks(week_parts),
            pd.concat(fed_parts).groupby(FED_KEYS)["arrived_at"].max().reset_index() if fed_parts else None,
            len(changed))


def _policies(frame: pd.DataFrame, policy_for) -> pd.DataFrame:
    """Each row's thresholds T, S, R and the repeat window, looked up once per (queue, channel)."""
    pairs = frame[["queue", "channel"]].drop_duplicates()
    table = pd.DataFrame([(q, c, p.service_level_seconds, p.short_abandon_seconds, p.response_target_seconds,
                           p.repeat_window_seconds)
                          for q, c in pairs.itertuples(index=False, name=None) for p in [policy_for(q, c)]],
                         columns=["queue", "channel", "sl", "short", "target", "repeat"])
    return frame[["queue", "channel"]].merge(table, on=["queue", "channel"], how="left")


def _contact_events(frame: pd.DataFrame, policy_for, through: pd.Timestamp) -> pd.DataFrame:
    """One row per (contact, interval touched) with its counts: ``contact_contributions`` vectorised."""
    policy = _policies(frame, policy_for)
    inbound = (frame["direction"] != "outbound").to_numpy()
    is_async = frame["channel"].isin(ASYNC_CHANNELS).to_numpy()
    answered, abandoned, ended = (frame[c].notna().to_numpy() for c in ("answered_at", "abandoned_at", "ended_at"))
    keys = frame[["queue", "channel", "agent_id"]]
    parts = [_event(keys, frame["arrived_at"], inbound, offered=1)]

    wait = _seconds(frame["answered_at"], frame["arrived_at"])
    sync_answered = inbound & ~is_async & answered
    parts.append(_event(keys, frame["answered_at"], sync_answered, answered=1, answer_wait_seconds=wait,
                        answered_within_threshold=(wait <= policy["sl"].to_numpy()).astype(int)))
    async_answered = inbound & is_async & answered
    parts.append(_event(keys, frame["answered_at"], async_answered, responded=1, response_seconds=wait,
                        responded_within_target=(wait <= policy["target"].to_numpy()).astype(int)))

    left = _seconds(frame["abandoned_at"], frame["arrived_at"])
    gave_up = inbound & ~is_async & ~answered & abandoned
    short = left <= policy["short"].to_numpy()
    parts.append(_event(keys, frame["abandoned_at"], gave_up & short, short_abandoned=1))
    parts.append(_event(keys, frame["abandoned_at"], gave_up & ~short, abandoned=1, abandon_wait_seconds=left,
                        abandoned_within_threshold=(left <= policy["sl"].to_numpy()).astype(int)))

    due = frame["arrived_at"] + pd.to_timedelta(policy["target"].to_numpy(), unit="s")
    expired = (inbound & is_async & ~answered & (due <= through).to_numpy()
               & (~ended | (frame["ended_at"] > due).to_numpy()))
    parts.append(_event(keys, due, expired, expired_unanswered=1))
    parts.append(_end_events(frame, keys, policy, ended & (answered | ~inbound)))
    return pd.concat([p for p in parts if len(p)], ignore_index=True)


def _end_events(frame: pd.DataFrame, keys: pd.DataFrame, policy: pd.DataFrame, mask: np.ndarray) -> pd.DataFrame:
    """Handle time, transfers and resolution counted where the contact ended (``counts._add_end``)."""
    start = frame["answered_at"].fillna(frame["arrived_at"])
    # an asynchronous case's open span is elapsed time, not handle time: only reported work counts
    is_async = frame["channel"].isin(ASYNC_CHANNELS).to_numpy()
    span = np.where(is_async, 0.0, np.maximum(0.0, _seconds(frame["ended_at"], start)))
    hold = np.minimum(frame["hold_seconds"].fillna(0.0).to_numpy(dtype=float), span)
    transfers = frame["transfer_count"].fillna(0).to_numpy(dtype=np.int64)
    gap = _seconds(frame["next_contact_at"], frame["arrived_at"])
    repeat = frame["next_contact_at"].notna().to_numpy() & (gap <= policy["repeat"].to_numpy())
    resolved = frame["resolved"]
    known = resolved.notna().to_numpy()
    solved = known & (resolved == True).to_numpy()  # noqa: E712 - elementwise over 1/0/True/False/None
    return _event(keys, frame["ended_at"], mask, ended=1, talk_seconds=span - hold, hold_seconds=hold,
                  wrap_seconds=frame["wrap_seconds"].fillna(0.0).to_numpy(dtype=float),
                  transferred=(transfers >= 1).astype(int), repeated=repeat.astype(int),
                  resolved_known=known.astype(int),
                  first_contact_resolved=(solved & (transfers == 0) & ~repeat).astype(int))


def _event(keys: pd.DataFrame, at: pd.Series, mask: np.ndarray, **counts) -> pd.DataFrame:
    """The rows of ``mask``: keys, the 15-minute interval of ``at``, and the given counts."""
    mask = np.asarray(mask, dtype=bool)
    out = keys[mask].reset_index(drop=True)
    out.insert(0, "interval_start", at[mask].dt.floor("15min").reset_index(drop=True))
    for name, value in counts.items():
        out[name] = value[mask] if isinstance(value, np.ndarray) else value
    return out


def _sum(events: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    present = [f for f in COUNT_FIELDS if f in events.columns]
    return events.groupby(keys, sort=False, dropna=False)[present].sum().reset_index()


def _add_surveys(connection: Connection, queues, agents, bar):
    """Add the survey responses that know their contact's queue (``counts.survey_contributions``)."""
    frames = list(_rows(connection, "SELECT queue, channel, agent_id, kind, score, responded_at "
                                    "FROM survey_responses WHERE queue IS NOT NULL"))
    if frames:
        frame = pd.concat(frames, ignore_index=True)
        bar.update(len(frame))
        kind, score = frame["kind"], frame["score"].astype(int)
        csat, nps, ces = (kind == "csat").to_numpy(), (kind == "nps").to_numpy(), (kind == "ces").to_numpy()
        score_f = score.astype(float).to_numpy()
        events = _event(frame[["queue", "channel", "agent_id"]], _times(frame["responded_at"]), csat | nps | ces,
                        csat_responses=csat.astype(int), csat_score_sum=np.where(csat, score_f, 0.0),
                        csat_satisfied=(csat & (score >= SATISFIED_CSAT).to_numpy()).astype(int),
                        nps_responses=nps.astype(int),
                        nps_promoters=(nps & (score >= PROMOTER_NPS).to_numpy()).astype(int),
                        nps_detractors=(nps & (score <= DETRACTOR_NPS).to_numpy()).astype(int),
                        ces_responses=ces.astype(int), ces_score_sum=np.where(ces, score_f, 0.0))
        queues = _sum(pd.concat([queues, _sum(events, QUEUE_KEYS)]), QUEUE_KEYS)
        with_agent = events[events["agent_id"].fillna("").astype(bool)]
        agents = _sum(pd.concat([agents, _sum(with_agent, AGENT_KEYS)]), AGENT_KEYS)
    return queues, agents


def _state_rollups(connection: Connection, bar) -> dict[tuple, float]:
    """Seconds per (interval, agent, state, reason) of every closed state (``counts.state_contributions``)."""
    out: defaultdict[tuple, float] = defaultdict(float)
    for frame in _rows(connection, "SELECT agent_id, state, reason, started_at, ended_at FROM agent_states "
                                   "WHERE ended_at IS NOT NULL"):
        started, ended = _times(frame["started_at"]), _times(frame["ended_at"])
        for agent_id, state, reason, start, end in zip(frame["agent_id"].tolist(), frame["state"].tolist(),
                                                       frame["reason"].tolist(), started.tolist(), ended.tolist()):
            interval = _Interval(state, reason, start.replace(tzinfo=timezone.utc), end.replace(tzinfo=timezone.utc))
            for (at, name, why), seconds in state_contributions(interval).items():
                out[(at, agent_id, name, why)] += seconds
        bar.update(len(frame))
    return out


class _Interval:
    __slots__ = ("state", "reason", "started_at", "ended_at")

    def __init__(self, state, reason, started_at, ended_at):
        self.state, self.reason, self.started_at, self.ended_at = state, reason, started_at, ended_at


def _customer_weeks(frame: pd.DataFrame, settings: Settings) -> pd.DataFrame:
    """(week start, customer, channel) → contacts, for contacts with a customer, weeks in the site's zone."""
    known = frame[frame["customer_id"].fillna("").astype(bool)]
    local = known["arrived_at"].dt.tz_localize("UTC").dt.tz_convert(settings.tz).dt.tz_localize(None).dt.normalize()
    week = (local - pd.to_timedelta(local.dt.weekday, unit="D")).dt.date
    return (pd.DataFrame({"week_start": week, "customer_id": known["customer_id"], "channel": known["channel"]})
            .groupby(["week_start", "customer_id", "channel"], sort=False).size().rename("contacts").reset_index())


def _merge_weeks(parts: list[pd.DataFrame]) -> list[tuple]:
    """(week, customer, contacts, channels sorted and comma-joined), in key order."""
    if not parts:
        return []
    frame = pd.concat(parts, ignore_index=True)
    # each channel a bit: after summing per (week, customer, channel) each bit is counted once, so
    # the per-customer sum of the bits is the set of channels, spelt out once per distinct set
    names = sorted(frame["channel"].unique())
    codes = pd.Categorical(frame["channel"], categories=names).codes.astype(np.int64)
    frame = (frame.assign(channel=codes).groupby(["week_start", "customer_id", "channel"], sort=False)["contacts"]
             .sum().reset_index())
    frame["channels"] = np.left_shift(1, frame["channel"].to_numpy())
    weeks = frame.groupby(["week_start", "customer_id"], sort=True)[["contacts", "channels"]].sum().reset_index()
    spelt = {mask: ",".join(name for bit, name in enumerate(names) if mask >> bit & 1)
             for mask in weeks["channels"].unique().tolist()}
    return list(zip(weeks["week_start"].tolist(), weeks["customer_id"].tolist(), weeks["contacts"].tolist(),
                    weeks["channels"].map(spelt).tolist()))


def _replace(connection: Connection, queues, agents, states: dict, weeks: list[tuple]) -> dict[str, pd.DataFrame]:
    """Empty the roll-up tables and write the rebuilt rows (raw executemany: no per-row ORM work);
    returns the rows written per interval table, for the day tables."""
    for model in (IntervalStatRow, AgentIntervalStatRow, AgentStateStatRow, CustomerWeekRow):
        connection.execute(delete(model.__table__))
    states = pd.DataFrame([(at.replace(tzinfo=None), *key, seconds) for (at, *key), seconds in states.items()],
                          columns=[*STATE_KEYS, "seconds"]).astype({"interval_start": "datetime64[us]"})
    written = {
        QUEUES: _insert_sums(connection, IntervalStatRow, queues, QUEUE_KEYS, COUNT_FIELDS),
        AGENTS: _insert_sums(connection, AgentIntervalStatRow, agents, AGENT_KEYS, COUNT_FIELDS),
        STATES: _insert_sums(connection, AgentStateStatRow, states, STATE_KEYS, ("seconds",)),
    }
    _insert(connection, CustomerWeekRow, ("week_start", "customer_id", "contacts", "channels"),
            [(w if connection.dialect.name != "sqlite" else w.isoformat(), c, int(n), ch) for w, c, n, ch in weeks])
    return written


def _replace_queue_sources(connection: Connection, fed: pd.DataFrame | None) -> None:
    """Each (queue, channel, source) with its latest arrival (``QueueSourceRow``)."""
    connection.execute(delete(QueueSourceRow.__table__))
    if fed is not None and not fed.empty:
        _insert(connection, QueueSourceRow, (*FED_KEYS, "latest_arrival_at"),
                list(zip(*(fed[k].tolist() for k in FED_KEYS), _as_stored(connection, fed["arrived_at"]))))


def _replace_days(connection: Connection, settings: Settings, intervals: dict) -> None:
    """Write the day tables from the interval rows just written (``days.day_sums``), not read back."""
    for table in TABLES:
        connection.execute(delete(table.day.__table__))
    for table, frame in intervals.items():
        _insert_sums(connection, table.day, day_sums(settings, table, frame), ["day", *table.keys], table.sums)


def _insert_sums(connection: Connection, model, frame: pd.DataFrame | None, keys: list[str],
                 sums: tuple[str, ...]) -> pd.DataFrame:
    """Insert the rows of ``frame`` with a non-zero sum, in primary-key order (the key index grows at
    its end); the first key is an interval start or a day. Returns the rows written."""
    if frame is None or frame.empty:
        return pd.DataFrame(columns=[*keys, *sums])
    frame = frame.reindex(columns=keys + list(sums), fill_value=0)
    frame = frame[frame[list(sums)].ne(0).any(axis=1)].sort_values(keys)
    columns = [_as_stored(connection, frame[keys[0]])]
    columns += [frame[k].tolist() for k in keys[1:]]
    columns += [frame[f].astype(float if f.endswith(("seconds", "_sum")) else np.int64).tolist() for f in sums]
    _insert(connection, model, (*keys, *sums), list(zip(*columns)))
    return frame


def _as_stored(connection: Connection, values: pd.Series) -> list:
    """Times (naive UTC) or days as the dialect stores them (SQLite: SQLAlchemy's text forms)."""
    sqlite = connection.dialect.name == "sqlite"
    if values.empty:  # numpy's string functions refuse an empty array
        return []
    if values.dtype.kind == "M":
        if sqlite:
            return np.char.replace(np.datetime_as_string(values.to_numpy(dtype="datetime64[us]"), unit="us"),
                                   "T", " ").tolist()
        return [at.to_pydatetime() for at in values]
    return [day.isoformat() for day in values] if sqlite else values.tolist()


def _insert(connection: Connection, model, columns: tuple[str, ...], rows: list[tuple]) -> None:
    """Insert rows already in the driver's form (``store.bulk``, without converting them again)."""
    insert_statement(connection, model.__table__, columns).run(connection, rows, converted=True)
