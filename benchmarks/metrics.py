"""The metrics engine under load: ``python -m benchmarks metrics [--scales 100k,1m,5m] [--ticks 50]``.

For each scale a temporary SQLite store is filled in bulk (``benchmarks.synthetic``)
and its roll-ups rebuilt, twice (each timed): first with every journey link to set, as raw rows
loaded outside ccpulse leave them, then again with the links set and the roll-ups there, as the
collector and ``ccpulse import`` keep a store. Then, at 14:00 on a peak day:

- the collector tick: ``store_batch`` (journaled) + ``refresh_live`` for each 5 s of changes
  (arrivals, answers, abandons, ends), keeping the collector's memory of today in step
  (loaded once before the ticks, timed apart), median and p95, on the store with all its
  history and on one holding only today (same today, same ticks); the ticks that also file
  the journal (every 15 s) apart, and the mean of all;
- the yardstick (``benchmarks.yardstick``): DuckDB recomputing, from the same raw rows, the figures
  the snapshot holds (every count for today and the last 15/30/60 minutes, per queue, channel and
  centre, and the live backlog), checked equal to the stored snapshot; and, as in earlier tables,
  13 of today's per-queue KPIs only;
- the snapshot read a screen refresh does, and a 12-week trend from the roll-ups.
- a CPU probe (``cpu_probe_ms``: a fixed Python loop) before the rebuild and before the ticks:
  the machine's speed at that moment, since a shared host's can change within minutes;
- the issue's own machine yardstick (``benchmarks.reference``: a day of 175 k contacts recomputed by
  DuckDB, SQLite and pandas, against the figures the issue gives for its machine), before the first
  scale and after the last: whether this machine is faster or slower than the one the targets
  were set on.

Prints a table and writes ``benchmarks/results/metrics.json``. A measurement, no assertion.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import tempfile
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pandas as pd

from benchmarks import reference, yardstick
from benchmarks.synthetic import QUEUES, Plan, contacts_between, generate
from collectors.live import LiveState
from collectors.pipeline import refresh_live, store_batch
from collectors.snapshot import read_snapshots, window_starts
from dashboard.records import Batch
from dashboard.settings import load_settings
from dashboard.store.db import checkpoint, make_engine, session_scope, upgrade_database
from dashboard.store.read import counts_by
from dashboard.store.rebuild import rebuild_rollups

NOW = datetime(2026, 3, 25, 14, 0, tzinfo=timezone.utc)
TICK = timedelta(seconds=5)
CHECKPOINT_TICKS = 6  # the collector's checkpoint job runs every 30 s
DAYS = 90
# name: (contacts a past day, today's volume as a full day); 90 days each, today counted up to 14:00
SCALES = {"100k": (650, 100_000), "1m": (6_500, 1_000_000), "5m": (52_000, 1_000_000)}
RESULTS = Path(__file__).with_name("results") / "metrics.json"
FILE_SECONDS = 15.0  # the collector's ``file_seconds`` for a centre this large (README: "A very large centre")
TARGETS = {"tick_ms": 25.0, "snapshot_ms": 5.0, "trend_ms": 200.0, "rebuild_s": 60.0, "tick_vs_duckdb": 10.0}



def machine() -> dict:
    cpu = "unknown"
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as handle:
            cpu = next(line.split(":", 1)[1].strip() for line in handle if line.startswith("model name"))
    except (OSError, StopIteration):
        pass
    return {"nproc": os.cpu_count(), "cpu": cpu, "python": platform.python_version(),
            "load_average": [round(x, 2) for x in os.getloadavg()], "date": time.strftime("%Y-%m-%d %H:%M")}


def new_store(folder: Path, name: str, collector: bool = False, file_seconds: float = FILE_SECONDS):
    """Settings and engine of a SQLite store in ``folder``; ``collector``: the collector's engine
    (its commits leave the write-ahead log to the collector's checkpoint job, as ``ccpulse collect``)."""
    config = folder / f"{name}.toml"
    config.write_text(f"file_seconds = {file_seconds}\n")
    settings = load_settings(environ={}, config_path=config, database_url=f"sqlite:///{folder / name}.db")
    upgrade_database(settings.database_url)
    return settings, make_engine(settings.database_url, manual_checkpoints=collector)


def cpu_probe_ms(runs: int = 5) -> float:
    """The median time of a fixed pure-Python loop (a million additions): the machine's speed at
    that moment, printed beside each scale's figures. A shared host's speed can change by half
    within minutes, and every other figure in the row moves with it."""
    times = []
    for _ in range(runs):
        started, total = time.perf_counter(), 0
        for number in range(1_000_000):
            total += number
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(share * (len(ordered) - 1))))]


def time_ticks(engine, settings, today: pd.DataFrame, ticks: int) -> dict:
    """Each tick, as the collector runs: the 5 s of changes journaled (``store_batch(journaled=True)``)
    and the live view refreshed (``refresh_live``: the journal's live facts taken into the memory of
    today, the snapshot and alerts written); every ``file_seconds`` (15 s: every third tick) that
    refresh also files the journal (contacts, journeys, roll-ups). Filing ticks are reported apart
    and in the mean, so the cost moved off the other ticks is in the table. At ``file_seconds`` 0
    (the collector's default) every tick files, and is the tick.

    The memory is loaded from the store once before the ticks (the collector's start; timed on
    its own). As in the collector, SQLite's write-ahead log is copied into the store by a
    separate checkpoint every 30 s (6 ticks), between ticks; timed on its own.
    """
    live = LiveState()
    started = time.perf_counter()
    refresh_live(engine, settings, NOW, live=live)
    load_ms = (time.perf_counter() - started) * 1000
    spent, stored, refreshed, filing, checkpoints, sizes = [], [], [], [], [], []
    for number in range(ticks):
        after, until = NOW + TICK * number, NOW + TICK * (number + 1)
        batch = Batch(contacts=contacts_between(today, after, until))
        filed_before = live.filed_at
        started = time.perf_counter()
        store_batch(engine, settings, "bench", "bench", batch, {"at": until.isoformat()}, until, live, journaled=True)
        middle = time.perf_counter()
        refresh_live(engine, settings, until, live=live)
        ended = time.perf_counter()
        files = settings.file_seconds > 0 and live.filed_at != filed_before  # at 0 every tick files
        (filing if files else spent).append((ended - started) * 1000)
        if not files:
            stored.append((middle - started) * 1000)
            refreshed.append((ended - middle) * 1000)
        sizes.append(len(batch.contacts))
        if (number + 1) % CHECKPOINT_TICKS == 0:
            started = time.perf_counter()
            checkpoint(engine)
            checkpoints.append((time.perf_counter() - started) * 1000)
    arrivals = [int(((today["arrived_at"] > _naive(NOW + TICK * n)) & (today["arrived_at"] <= _naive(NOW + TICK * (n + 1)))).sum())
                for n in range(ticks)]
    return {"median_ms": statistics.median(spent), "p95_ms": percentile(spent, 0.95),
            "journal_median_ms": statistics.median(stored), "snapshot_median_ms": statistics.median(refreshed),
            "filing_tick_median_ms": statistics.median(filing) if filing else None,
            "mean_ms": statistics.mean(spent + filing), "file_seconds": settings.file_seconds,
            "checkpoint_median_ms": statistics.median(checkpoints) if checkpoints else None,
            "memory_load_ms": load_ms, "memory_followed": live.batches is not None,
            "changes_per_tick": statistics.median(sizes), "arrivals_per_tick": statistics.median(arrivals)}


def _naive(at: datetime):
    return pd.Timestamp(at.astimezone(timezone.utc).replace(tzinfo=None))


def time_yardstick(path: Path, engine, settings, until: datetime) -> dict:
    """The ticks' last figures filed and stored at ``until``, then DuckDB recomputing them from the raw rows
    (``benchmarks.yardstick``), and whether its figures equal the stored snapshot's."""
    refresh_live(engine, settings, until, file=True)
    with session_scope(engine) as session:
        stored = read_snapshots(session)
    result = yardstick.recompute(path, settings, until, window_starts(until, settings))
    differences = yardstick.compare(result.pop("frames"), stored)
    return {**result, "differences": len(differences), "first_differences": differences[:5]}


def time_reads(engine, settings, runs: int = 50) -> dict:
    snapshot, trend = [], []
    end = NOW.replace(hour=0, minute=0, second=0, microsecond=0) - timedelta(days=NOW.weekday())
    start = end - timedelta(weeks=12)
    for _ in range(runs):
        with session_scope(engine) as session:
            started = time.perf_counter()
            read_snapshots(session, ("queue", "sources"))  # what a wall refresh reads
            snapshot.append((time.perf_counter() - started) * 1000)
    for _ in range(max(5, runs // 5)):
        with session_scope(engine) as session:
            started = time.perf_counter()
            counts_by(session, start, end, by="week", queues=QUEUES)
            counts_by(session, start, end, by="queue", queues=QUEUES)
            trend.append((time.perf_counter() - started) * 1000)
    return {"snapshot_ms": statistics.median(snapshot), "trend_ms": statistics.median(trend)}


def run_scale(name: str, ticks: int, folder: Path, file_seconds: float = FILE_SECONDS) -> dict:
    history_per_day, today_per_day = SCALES[name]
    plan = Plan(days=DAYS, history_per_day=history_per_day, today_per_day=today_per_day,
                agents=max(200, today_per_day // 500))
    result: dict = {"scale": name, "days": DAYS, "today_per_day": today_per_day}
    settings, engine = new_store(folder, f"{name}-today")
    started = time.perf_counter()
    today_rows, today = generate(engine, plan, NOW, history=False)
    engine.dispose()
    shutil.copyfile(folder / f"{name}-today.db", folder / f"{name}-all.db")
    all_settings, all_engine = new_store(folder, f"{name}-all")
    history_rows, _ = generate(all_engine, plan, NOW, today=False)
    result["generate_s"] = time.perf_counter() - started
    result["contacts"] = today_rows + history_rows
    result["contacts_today"] = today_rows
    # the generator's gigabytes are written to disk first: otherwise the kernel writes them back
    # while the rebuild is timed, and the rebuild pays for the generator's I/O
    os.sync()
    result["cpu_probe_rebuild_ms"] = cpu_probe_ms()
    started = time.perf_counter()
    rebuild_rollups(all_engine, all_settings, NOW, progress=True)
    result["rebuild_s"] = time.perf_counter() - started
    # the generator leaves every journey link unset, as raw rows loaded outside ccpulse would be; a
    # store kept by the collector or ``ccpulse import`` has them set, as the second rebuild finds it
    os.sync()
    started = time.perf_counter()
    result["rebuild_again"] = rebuild_rollups(all_engine, all_settings, NOW, progress=False)
    result["rebuild_again_s"] = time.perf_counter() - started
    all_engine.dispose()
    all_settings, all_engine = new_store(folder, f"{name}-all", collector=True, file_seconds=file_seconds)
    settings, engine = new_store(folder, f"{name}-today", collector=True, file_seconds=file_seconds)
    rebuild_rollups(engine, settings, NOW, progress=False)
    refresh_live(engine, settings, NOW)
    refresh_live(all_engine, all_settings, NOW)
    checkpoint(engine), checkpoint(all_engine)  # the ticks start with the rebuild's log copied
    result["cpu_probe_ms"] = cpu_probe_ms()
    result["tick_1_day"] = time_ticks(engine, settings, today, ticks)
    result["tick_90_days"] = time_ticks(all_engine, all_settings, today, ticks)
    result["duckdb_today"] = time_yardstick(folder / f"{name}-all.db", all_engine, all_settings, NOW + TICK * ticks)
    result["tick_vs_duckdb"] = result["duckdb_today"]["snapshot_ms"] / result["tick_90_days"]["median_ms"]
    result.update(time_reads(all_engine, all_settings))
    engine.dispose()
    all_engine.dispose()
    for path in folder.glob(f"{name}-*"):
        path.unlink()
    return result


def table(results: list[dict]) -> str:
    lines = ["| scale | contacts (today) | rebuild s: links to set / set | tick ms median / p95, 1 day | tick ms median / p95, 90 days "
             "| of which journal / live view ms | filing tick ms (every file_seconds) | mean tick ms, filing included "
             "| checkpoint ms (every 30 s, off the tick) | memory load ms (at start) "
             "| changes (arrivals) a tick | DuckDB, 13 KPIs of today ms (÷ tick) "
             "| DuckDB, the snapshot's figures ms | DuckDB ÷ tick | DuckDB ÷ mean tick | DuckDB = snapshot "
             "| snapshot read ms | 12-week trend ms | CPU probe ms before the rebuild / the ticks |",
             "|" + " --- |" * 19]
    for r in results:
        one, ninety = r["tick_1_day"], r["tick_90_days"]
        duckdb, narrow = r["duckdb_today"]["snapshot_ms"], r["duckdb_today"]["narrow_ms"]
        agrees = "yes" if not r["duckdb_today"]["differences"] else f"{r['duckdb_today']['differences']} differ"
        lines.append(
            f"| {r['scale']} ({r['today_per_day']:,}/day today), file_seconds {ninety['file_seconds']:g} "
            f"| {r['contacts']:,} ({r['contacts_today']:,}) "
            f"| {r['rebuild_s']:.1f} / {r['rebuild_again_s']:.1f} | {one['median_ms']:.1f} / {one['p95_ms']:.1f} "
            f"| {ninety['median_ms']:.1f} / {ninety['p95_ms']:.1f} "
            f"| {ninety['journal_median_ms']:.1f} / {ninety['snapshot_median_ms']:.1f} "
            f"| {_ms(ninety['filing_tick_median_ms'])} | {ninety['mean_ms']:.1f} "
            f"| {ninety['checkpoint_median_ms'] or 0:.1f} | {ninety['memory_load_ms']:.0f} "
            f"| {ninety['changes_per_tick']:.0f} "
            f"({ninety['arrivals_per_tick']:.0f}) | {narrow:.1f} ({narrow / ninety['median_ms']:.1f}×) "
            f"| {duckdb:.1f} | {r['tick_vs_duckdb']:.1f} | {duckdb / ninety['mean_ms']:.1f} | {agrees} "
            f"| {r['snapshot_ms']:.2f} | {r['trend_ms']:.1f} | {r['cpu_probe_rebuild_ms']:.0f} / {r['cpu_probe_ms']:.0f} |")
    return "\n".join(lines)


def _ms(value: float | None) -> str:
    return "—" if value is None else f"{value:.0f}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks metrics", description=__doc__.splitlines()[0])
    parser.add_argument("--scales", default="100k,1m", help="comma-separated, of " + ", ".join(SCALES))
    parser.add_argument("--ticks", type=int, default=50, help="ticks timed per store (default 50)")
    parser.add_argument("--file-seconds", type=float, default=FILE_SECONDS,
                        help=f"the collector's file_seconds (default {FILE_SECONDS:g}; 0: file every tick)")
    args = parser.parse_args(argv)
    scales = [s.strip().lower() for s in args.scales.split(",") if s.strip()]
    unknown = [s for s in scales if s not in SCALES]
    if unknown:
        parser.error(f"unknown scale(s) {unknown}: choose from {list(SCALES)}")
    results = []
    with tempfile.TemporaryDirectory(prefix="ccpulse-bench-") as folder:
        day = reference.store_day(Path(folder))
        before = reference.measure(day)
        print("reference before:", reference.describe(before), flush=True)
        for name in scales:
            print(f"scale {name}: generating, rebuilding, timing…", flush=True)
            results.append(run_scale(name, args.ticks, Path(folder), args.file_seconds))
        after = reference.measure(day)
    report = {"machine": machine(), "targets": TARGETS, "reference": {"before": before, "after": after},
              "results": results}
    print(table(results))
    print("the issue's machine yardstick before the first scale:", reference.describe(before))
    print("and after the last:", reference.describe(after))
    print(json.dumps(report["machine"]))
    RESULTS.parent.mkdir(exist_ok=True)
    RESULTS.write_text(json.dumps(report, indent=2, default=str) + "\n")
    print(f"wrote {RESULTS}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
