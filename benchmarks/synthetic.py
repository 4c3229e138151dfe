"""A large synthetic contact centre, generated with numpy and bulk-inserted (no per-record path).

40 queues over five channels, a two-humped intraday shape for voice and chat
and a flatter one for digital channels, a customer pool small enough that
customers come back, agents with two queues each (a contact goes to an agent
skilled in its queue) and one shift-long state a day. Every record is as seen
at ``now``: what happens later is not there yet, exactly as a source would
have delivered it. ``contacts_between`` gives the later changes as
``Contact`` records, the batches a collector tick receives.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

import numpy as np
import pandas as pd
from sqlalchemy import Engine, column, insert, table

from dashboard.records import ASYNC_CHANNELS, Contact
from dashboard.settings import DEFAULT_RESPONSE_TARGET_SECONDS

SOURCE = "bench"
CHANNELS = ["voice"] * 20 + ["chat"] * 8 + ["email"] * 6 + ["social"] * 3 + ["sms"] * 3
QUEUES = [f"Q{n + 1:02d} {channel}" for n, channel in enumerate(CHANNELS)]
QUEUE_WEIGHTS = np.array([3.0 if c == "voice" else 2.0 if c == "chat" else 1.0 for c in CHANNELS])
HOURS = np.arange(24)
# arrivals per hour of the day (UTC is the site's zone here): voice and chat peak late morning and mid-afternoon
SYNC_SHAPE = np.where((HOURS >= 8) & (HOURS < 20),
                      np.exp(-((HOURS - 10.5) ** 2) / 4) + 0.8 * np.exp(-((HOURS - 14.5) ** 2) / 5) + 0.15, 0.0)
ASYNC_SHAPE = 0.3 + np.exp(-((HOURS - 13) ** 2) / 18)
TIME_COLUMNS = ("arrived_at", "answered_at", "abandoned_at", "ended_at", "response_due_at")
US = np.timedelta64(1, "us")


@dataclass
class Plan:
    """How much history to generate: ``history_per_day`` contacts on each of ``days - 1`` past days,
    and today at ``today_per_day`` (a full day's volume, of which only the part before ``now`` is stored)."""

    days: int
    history_per_day: int
    today_per_day: int
    agents: int = 2000


def agent_skills(agents: int) -> np.ndarray:
    """Each agent's two queues (indices into ``QUEUES``; the same twice for a few): agent n takes
    queue n mod 40 and queue 7n + 3 mod 40."""
    n = np.arange(agents)
    return np.stack([n % len(QUEUES), (n * 7 + 3) % len(QUEUES)], axis=1)


def skilled_agents(rng: np.random.Generator, queue: np.ndarray, agents: int) -> np.ndarray:
    """For each contact of ``queue`` (indices), one agent at random among those skilled in its queue
    (``agent_skills``; any agent for a queue none is skilled in)."""
    skills = agent_skills(agents)
    chosen = rng.integers(0, agents, len(queue))
    for number in np.unique(queue):
        skilled = np.flatnonzero((skills == number).any(axis=1))
        if len(skilled):
            mine = np.flatnonzero(queue == number)
            chosen[mine] = skilled[rng.integers(0, len(skilled), len(mine))]
    return chosen


def day_contacts(rng: np.random.Generator, day: datetime, volume: int, customers: int, agents: int,
                 first_id: int) -> pd.DataFrame:
    """One full day's contacts (every outcome, ignoring ``now``) as columns of times and values."""
    queue = rng.choice(len(QUEUES), size=volume, p=QUEUE_WEIGHTS / QUEUE_WEIGHTS.sum())
    channel = np.array(CHANNELS)[queue]
    is_async = np.isin(channel, list(ASYNC_CHANNELS))
    hour = np.where(is_async, rng.choice(24, size=volume, p=ASYNC_SHAPE / ASYNC_SHAPE.sum()),
                    rng.choice(24, size=volume, p=SYNC_SHAPE / SYNC_SHAPE.sum()))
    offset_us = (hour * 3600 + rng.random(volume) * 3600) * 1e6
    arrived = np.datetime64(day.replace(tzinfo=None), "us") + offset_us.astype("int64") * US
    wait = np.where(is_async, rng.exponential(2 * 3600, volume), rng.exponential(25, volume))
    gives_up = ~is_async & (rng.random(volume) < np.clip(wait / 400, 0.02, 0.6))
    wait_us = (wait * 1e6).astype("int64") * US
    handle_us = (np.where(is_async, rng.exponential(3 * 3600, volume), rng.lognormal(5.5, 0.6, volume))
                 * 1e6).astype("int64") * US
    answered = np.where(gives_up, np.datetime64("NaT"), arrived + wait_us)
    abandoned = np.where(gives_up, arrived + wait_us, np.datetime64("NaT"))
    resolved = rng.choice([1.0, 0.0, np.nan], size=volume, p=[0.7, 0.15, 0.15])
    has_customer = rng.random(volume) < 0.85
    order = np.argsort(arrived, kind="stable")
    frame = pd.DataFrame({
        "source_id": [f"c{first_id + n}" for n in range(volume)],
        "channel": channel, "queue": np.array(QUEUES)[queue],
        "customer_id": np.where(has_customer, np.char.add("k", rng.integers(0, customers, volume).astype(str)), None),
        "direction": np.where(~is_async & (rng.random(volume) < 0.03), "outbound", "inbound"),
        "arrived_at": arrived, "answered_at": answered, "abandoned_at": abandoned,
        "ended_at": np.where(gives_up, np.datetime64("NaT"), answered + handle_us),
        "wrap_seconds": np.round(np.where(gives_up, 0.0, rng.exponential(30, volume)), 3),
        "hold_seconds": 0.0,
        "agent_id": np.where(gives_up, None, np.char.add("a", skilled_agents(rng, queue, agents).astype(str))),
        "transfer_count": (~is_async & (rng.random(volume) < 0.05)).astype(int),
        "resolved": np.where(gives_up, np.nan, resolved),
        "topic": np.array(["billing", "outage", "order", "account", None], dtype=object)[rng.integers(0, 5, volume)],
    }).iloc[order].reset_index(drop=True)
    # arrival + the channel's response target, as the store computes it (the benchmark's settings are the defaults)
    target = frame["channel"].map(DEFAULT_RESPONSE_TARGET_SECONDS)  # NaN for a synchronous channel
    frame["response_due_at"] = frame["arrived_at"] + pd.to_timedelta(target, unit="s")
    return frame


def as_seen_at(frame: pd.DataFrame, now: datetime) -> pd.DataFrame:
    """The contacts arrived by ``now`` with every later outcome blanked, as a source reports them then."""
    cut = np.datetime64(now.astimezone(timezone.utc).replace(tzinfo=None), "us")
    seen = frame[frame["arrived_at"] <= cut].copy()
    for name in ("answered_at", "abandoned_at", "ended_at"):
        seen[name] = seen[name].where(seen[name] <= cut)
    unanswered = seen["answered_at"].isna()
    seen.loc[unanswered, ["agent_id"]] = None
    not_ended = seen["ended_at"].isna()
    seen.loc[not_ended, "resolved"] = np.nan
    seen.loc[not_ended, "wrap_seconds"] = 0.0
    return seen


def _texts(values: pd.Series) -> list:
    """Times as SQLAlchemy's SQLite DateTime text ('YYYY-MM-DD HH:MM:SS.ffffff'), NaT → None."""
    array = values.to_numpy(dtype="datetime64[us]")
    text = np.char.replace(np.datetime_as_string(array, unit="us"), "T", " ").astype(object)
    text[np.isnat(array)] = None
    return text.tolist()


def insert_contacts(engine: Engine, frame: pd.DataFrame, updated_at: datetime, chunk: int = 50_000) -> int:
    """Bulk-insert contacts with Core ``insert()`` executemany; times pre-formatted, no per-row types."""
    names = ["source", "source_id", "channel", "queue", "customer_id", "direction", *TIME_COLUMNS, "wrap_seconds",
             "hold_seconds", "agent_id", "transfer_count", "resolved", "topic", "updated_at"]
    statement = insert(table("contacts", *(column(n) for n in names)))
    stamp = updated_at.astimezone(timezone.utc).strftime("%Y-%m-%d %H:%M:%S.%f")
    with engine.begin() as connection:
        for start in range(0, len(frame), chunk):
            part = frame.iloc[start:start + chunk]
            values = {n: _texts(part[n]) for n in TIME_COLUMNS}
            for n in ("source_id", "channel", "queue", "customer_id", "direction", "agent_id", "topic",
                      "wrap_seconds", "hold_seconds", "transfer_count"):
                values[n] = part[n].tolist()
            values["resolved"] = [None if r != r else int(r) for r in part["resolved"].tolist()]
            rows = [dict(zip(values, row), source=SOURCE, updated_at=stamp) for row in zip(*values.values())]
            connection.execute(statement, rows)
    return len(frame)


def insert_agents(engine: Engine, agents: int, now: datetime, rng: np.random.Generator) -> None:
    """Agents with two queues each, and today's states: a closed morning stint and the current state."""
    names = ("source", "source_id", "agent_id", "state", "reason", "started_at", "ended_at")
    day = now.astimezone(timezone.utc).replace(hour=0, minute=0, second=0, microsecond=0)
    switch = rng.integers(60, 3600, agents)
    rows = []
    for n in range(agents):
        changed = now - timedelta(seconds=int(switch[n]))
        stamps = [day + timedelta(hours=8), changed, None]
        for part, state in enumerate(("aux" if n % 5 == 0 else "available", "on_contact" if n % 3 else "available")):
            ended = stamps[part + 1]
            rows.append({"source": SOURCE, "source_id": f"s{n}-{part}", "agent_id": f"a{n}", "state": state,
                         "reason": "break" if state == "aux" else None,
                         "started_at": stamps[part].strftime("%Y-%m-%d %H:%M:%S.%f"),
                         "ended_at": ended.strftime("%Y-%m-%d %H:%M:%S.%f") if ended else None})
    skills = agent_skills(agents).tolist()
    with engine.begin() as connection:
        connection.execute(insert(table("agents", *(column(n) for n in ("agent_id", "source", "name", "team", "skills")))),
                           [{"agent_id": f"a{n}", "source": SOURCE, "name": f"Agent {n}", "team": f"T{n % 40:02d}",
                             "skills": ",".join(sorted({QUEUES[q] for q in skills[n]}))}
                            for n in range(agents)])
        connection.execute(insert(table("agent_states", *(column(n) for n in names))), rows)


def contacts_between(frame: pd.DataFrame, after: datetime, until: datetime) -> list[Contact]:
    """Contacts whose arrival, answer, abandon or end fell in (after, until], as seen at ``until``."""
    lo = np.datetime64(after.astimezone(timezone.utc).replace(tzinfo=None), "us")
    hi = np.datetime64(until.astimezone(timezone.utc).replace(tzinfo=None), "us")
    changed = np.zeros(len(frame), dtype=bool)
    for name in ("arrived_at", "answered_at", "abandoned_at", "ended_at"):
        values = frame[name].to_numpy()
        changed |= (values > lo) & (values <= hi)
    seen = as_seen_at(frame[changed], until)
    return [_contact(row) for row in seen.itertuples(index=False)]


def _aware(value) -> datetime | None:
    return None if pd.isna(value) else pd.Timestamp(value).to_pydatetime().replace(tzinfo=timezone.utc)


def _contact(row) -> Contact:
    return Contact(source=SOURCE, source_id=row.source_id, channel=row.channel, queue=row.queue,
                   arrived_at=_aware(row.arrived_at), customer_id=row.customer_id, direction=row.direction,
                   answered_at=_aware(row.answered_at), abandoned_at=_aware(row.abandoned_at),
                   ended_at=_aware(row.ended_at), wrap_seconds=float(row.wrap_seconds),
                   hold_seconds=float(row.hold_seconds), agent_id=row.agent_id,
                   transfer_count=int(row.transfer_count),
                   resolved=None if row.resolved != row.resolved else bool(row.resolved), topic=row.topic)


def generate(engine: Engine, plan: Plan, now: datetime, seed: int = 11, today: bool = True,
             history: bool = True) -> tuple[int, pd.DataFrame | None]:
    """Store ``plan``'s contacts up to ``now`` (today, the past days, or both; agents with today);
    returns (contacts stored, today's full-day frame, whose later changes feed the ticks)."""
    rng = np.random.default_rng(seed)
    midnight = now.astimezone(timezone.utc).replace(hour=0, minute=0, second=0, microsecond=0)
    customers = max(1000, (plan.history_per_day * (plan.days - 1) + plan.today_per_day) // 3)
    stored, frame = 0, None
    if today:
        frame = day_contacts(rng, midnight, plan.today_per_day, customers, plan.agents, 0)
        stored += insert_contacts(engine, as_seen_at(frame, now), now)
        insert_agents(engine, plan.agents, now, rng)
    if history:
        history_rng = np.random.default_rng(seed + 1)
        for back in range(1, plan.days):
            first_id = plan.today_per_day + back * plan.history_per_day
            part = day_contacts(history_rng, midnight - timedelta(days=back), plan.history_per_day, customers,
                                plan.agents, first_id)
            stored += insert_contacts(engine, as_seen_at(part, now), now)
    return stored, frame
