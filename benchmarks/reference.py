"""The issue's machine yardstick: a day of 175 k contacts recomputed three ways, timed in the same run.

The issue that sets the metrics engine's targets gives, "for orientation", what its 2-core
machine took to recompute a day of 175 k contacts: DuckDB about 20 ms, SQLite's own GROUP BY
about 850 ms, pandas about 1 s including the read. This module times the same three on this
machine, over one generated day (``benchmarks.synthetic``, 175 k contacts, every outcome seen at
the day's end), computing the 13 per-queue KPIs of ``yardstick.NARROW`` each way, and checks the
three answers agree. ``factor`` is the median of the three ratios (this machine's time over the
issue's): above 1, this machine is slower than the one the targets were set on, and a target's
figure here is read against the target times the factor, beside the target itself.

``python -m benchmarks reference`` prints one measurement.
"""

from __future__ import annotations

import math
import sqlite3
import statistics
import tempfile
from datetime import datetime, timedelta, timezone
from pathlib import Path

import numpy as np
import pandas as pd

from benchmarks import yardstick
from benchmarks.synthetic import as_seen_at, day_contacts, insert_contacts
from dashboard.records import ASYNC_CHANNELS
from dashboard.settings import Settings

CONTACTS = 175_000
DAY = datetime(2026, 3, 24, tzinfo=timezone.utc)
ISSUE_MS = {"duckdb": 20.0, "sqlite": 850.0, "pandas": 1000.0}  # the issue's figures for its machine
COLUMNS = "queue, channel, direction, arrived_at, answered_at, abandoned_at, ended_at, wrap_seconds, transfer_count"
TIMES = ("arrived_at", "answered_at", "abandoned_at", "ended_at")
KPIS = ("offered", "answered", "within_t", "abandoned", "answer_wait_seconds", "ended", "talk_seconds",
        "wrap_seconds", "transferred", "responded", "waiting")
ASYNC = ", ".join(f"'{channel}'" for channel in sorted(ASYNC_CHANNELS))


# yardstick.NARROW in SQLite's dialect, written the plain way: times are text, and seconds between
# them come from julianday, which keeps milliseconds (``differences`` allows for that)
SQLITE = f"""
WITH t AS (
  SELECT *, channel NOT IN ({ASYNC}) AS sync,
    (julianday(answered_at) - julianday(arrived_at)) * 86400.0 AS answer_wait,
    (julianday(abandoned_at) - julianday(arrived_at)) * 86400.0 AS abandon_wait,
    (julianday(ended_at) - julianday(answered_at)) * 86400.0 AS talk
  FROM contacts WHERE arrived_at >= :since OR ended_at >= :day OR ended_at IS NULL
)
SELECT queue,
  count(*) FILTER (WHERE direction <> 'outbound' AND arrived_at >= :day) AS offered,
  count(*) FILTER (WHERE sync AND answered_at >= :day) AS answered,
  count(*) FILTER (WHERE sync AND answered_at >= :day AND answer_wait <= 20) AS within_t,
  count(*) FILTER (WHERE sync AND answered_at IS NULL AND abandoned_at >= :day AND abandon_wait > 5) AS abandoned,
  sum(answer_wait) FILTER (WHERE sync AND answered_at >= :day) AS answer_wait_seconds,
  count(*) FILTER (WHERE ended_at >= :day AND answered_at IS NOT NULL) AS ended,
  sum(talk) FILTER (WHERE sync AND ended_at >= :day) AS talk_seconds,
  sum(wrap_seconds) FILTER (WHERE ended_at >= :day AND answered_at IS NOT NULL) AS wrap_seconds,
  count(*) FILTER (WHERE ended_at >= :day AND transfer_count >= 1) AS transferred,
  count(*) FILTER (WHERE NOT sync AND answered_at >= :day) AS responded,
  count(*) FILTER (WHERE answered_at IS NULL AND abandoned_at IS NULL AND ended_at IS NULL) AS waiting,
  min(arrived_at) FILTER (WHERE answered_at IS NULL AND abandoned_at IS NULL AND ended_at IS NULL) AS oldest
FROM t GROUP BY queue ORDER BY queue
"""
READ = f"SELECT {COLUMNS} FROM contacts WHERE arrived_at >= :since OR ended_at >= :day OR ended_at IS NULL"


def store_day(folder: Path, contacts: int = CONTACTS) -> Path:
    """A SQLite file of the contacts table holding one generated day of ``contacts``, as seen at its end."""
    from sqlalchemy import create_engine

    from dashboard.store.db import upgrade_database

    path = folder / "reference-day.db"
    url = f"sqlite:///{path}"
    upgrade_database(url)
    engine = create_engine(url)
    frame = day_contacts(np.random.default_rng(5), DAY, contacts, max(1, contacts // 3), 400, 0)
    insert_contacts(engine, as_seen_at(frame, DAY + timedelta(days=1)), DAY + timedelta(days=1))
    engine.dispose()
    return path


def _parameters() -> dict[str, str]:
    naive = DAY.replace(tzinfo=None)
    return {"day": str(naive), "since": str(naive - timedelta(days=1))}


def by_sqlite(path: Path) -> pd.DataFrame:
    with sqlite3.connect(path) as connection:
        return pd.read_sql_query(SQLITE, connection, params=_parameters())


def read_day(path: Path) -> pd.DataFrame:
    """The day's rows with their times parsed, as DuckDB and pandas take them."""
    with sqlite3.connect(path) as connection:
        frame = pd.read_sql_query(READ, connection, params=_parameters())
    for name in TIMES:
        frame[name] = pd.to_datetime(frame[name], format="ISO8601")
    return frame


def by_pandas(path: Path) -> pd.DataFrame:
    """The 13 KPIs with pandas, the read from SQLite included."""
    frame = read_day(path)
    day = pd.Timestamp(DAY.replace(tzinfo=None))
    sync = ~frame["channel"].isin(ASYNC_CHANNELS)
    arrived, answered, abandoned, ended = (frame[name] for name in TIMES)
    answer_wait = (answered - arrived).dt.total_seconds()
    abandon_wait = (abandoned - arrived).dt.total_seconds()
    talk = (ended - answered).dt.total_seconds()
    is_answered, ends = sync & (answered >= day), (ended >= day) & answered.notna()
    waiting = answered.isna() & abandoned.isna() & ended.isna()
    parts = pd.DataFrame({
        "offered": (frame["direction"] != "outbound") & (arrived >= day),
        "answered": is_answered,
        "within_t": is_answered & (answer_wait <= 20),
        "abandoned": sync & answered.isna() & (abandoned >= day) & (abandon_wait > 5),
        "answer_wait_seconds": answer_wait.where(is_answered, 0.0),
        "ended": ends,
        "talk_seconds": talk.where(sync & (ended >= day), 0.0).fillna(0.0),
        "wrap_seconds": frame["wrap_seconds"].where(ends, 0.0),
        "transferred": (ended >= day) & (frame["transfer_count"] >= 1),
        "responded": ~sync & (answered >= day),
        "waiting": waiting,
    })
    result = parts.groupby(frame["queue"]).sum()
    result["oldest"] = arrived.where(waiting).groupby(frame["queue"]).min()
    return result.reset_index()


def load_duckdb(path: Path):
    """The day's rows in DuckDB, loaded as the benchmark's yardstick loads them (default thresholds)."""
    connection, _seconds, _rows = yardstick.load(path, Settings(), DAY)
    return connection


def by_duckdb(connection) -> pd.DataFrame:
    return connection.execute(yardstick.NARROW + " ORDER BY queue", {"day": DAY.replace(tzinfo=None)}).df()


def differences(first: pd.DataFrame, *others: pd.DataFrame, milliseconds: bool = False) -> list[str]:
    """Where the answers differ (a sum of no rows, NULL in SQL, counts as 0). ``milliseconds``: the
    others measured seconds to the millisecond (SQLite's julianday), so a sum of seconds may be off
    by a millisecond a contact, and a count at a threshold by one contact in a thousand."""
    first, found = first.set_index("queue"), []
    for other in others:
        other = other.set_index("queue")
        if list(other.index) != list(first.index):
            return ["the queues differ"]
        for name in KPIS:
            for queue, mine, theirs in zip(first.index, first[name].fillna(0), other[name].fillna(0)):
                slack = 0.0
                if milliseconds and name.endswith("_seconds"):
                    slack = 0.001 * first.loc[queue, "answered" if name == "answer_wait_seconds" else "ended"]
                elif milliseconds and name in ("within_t", "abandoned"):
                    slack = max(1.0, 0.001 * float(mine))
                if not math.isclose(float(mine), float(theirs), rel_tol=1e-9, abs_tol=max(slack, 1e-6)):
                    found.append(f"{queue} {name}: {mine} against {theirs}")
        for queue, mine, theirs in zip(first.index, first["oldest"], other["oldest"]):
            if pd.isna(mine) != pd.isna(theirs) or (not pd.isna(mine) and pd.Timestamp(mine) != pd.Timestamp(theirs)):
                found.append(f"{queue} oldest: {mine} against {theirs}")
    return found


def measure(path: Path) -> dict:
    """The three recomputes of the day at ``path`` timed (median of 7, 3 and 3 runs), and the factor."""
    connection = load_duckdb(path)
    duckdb_ms, from_duckdb = yardstick.median_ms(lambda: by_duckdb(connection), 7)
    connection.close()
    sqlite_ms, from_sqlite = yardstick.median_ms(lambda: by_sqlite(path), 3)
    pandas_ms, from_pandas = yardstick.median_ms(lambda: by_pandas(path), 3)
    measured = {"duckdb": duckdb_ms, "sqlite": sqlite_ms, "pandas": pandas_ms}
    ratios = {name: measured[name] / ISSUE_MS[name] for name in ISSUE_MS}
    found = differences(from_duckdb, from_pandas) + differences(from_duckdb, from_sqlite, milliseconds=True)
    return {**{f"{name}_ms": value for name, value in measured.items()},
            "factor": statistics.median(ratios.values()), "ratios": ratios, "agree": not found,
            "first_differences": found[:5]}


def describe(result: dict) -> str:
    return (f"a day of {CONTACTS:,} contacts: DuckDB {result['duckdb_ms']:.1f} ms (issue 20), SQLite GROUP BY "
            f"{result['sqlite_ms']:.0f} ms (850), pandas with the read {result['pandas_ms']:.0f} ms (1000); "
            f"factor {result['factor']:.2f}; the three agree: {'yes' if result['agree'] else 'NO'}")


def main(argv: list[str] | None = None) -> int:
    with tempfile.TemporaryDirectory(prefix="ccpulse-reference-") as folder:
        path = store_day(Path(folder))
        result = measure(path)
    print(describe(result))
    for line in result["first_differences"]:
        print("  differs:", line)
    return 0 if result["agree"] else 1


if __name__ == "__main__":
    raise SystemExit(main())
