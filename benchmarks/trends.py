"""How fast /trends builds with 14 weeks of simulated history: ``python -m benchmarks.trends``.

Stores the simulator's history in a temporary SQLite store, then times the
page's work as plain functions (the report, the summary, the cards and charts),
prints a table and the same figures as JSON. No assertion: a measurement.
"""

from __future__ import annotations

import json
import os
import platform
import tempfile
import time
from datetime import datetime, timezone

from benchmarks.history import store_history
from benchmarks.yardstick import median_ms
from dashboard.app import create_app
from dashboard.settings import load_settings
from dashboard.store.db import make_engine, upgrade_database

DAYS, SCALE, RUNS = 98, 0.2, 5
NOW = datetime(2026, 3, 25, 14, 0, tzinfo=timezone.utc)


def _cpu() -> str:
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as handle:
            return next(line.split(":", 1)[1].strip() for line in handle if line.startswith("model name"))
    except (OSError, StopIteration):
        return platform.processor() or "unknown"


def _timed(function, runs: int = RUNS) -> float:
    return median_ms(function, runs)[0]


def main() -> dict:
    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite:///{folder}/bench.db"
        settings = load_settings(environ={}, config_path=os.devnull, database_url=url, timezone="Europe/Berlin")
        upgrade_database(url)
        engine = make_engine(url)
        started = time.perf_counter()
        contacts = store_history(engine, settings, DAYS, NOW, scale=SCALE)
        seed_seconds = time.perf_counter() - started
        app = create_app(settings, engine)
        from dashboard.pages import trends
        from dashboard.usecases.trend_summary import summary_sentences

        week = trends.latest_complete_week(NOW, settings.tz)
        with app.server.test_request_context("/trends"):
            report = trends.build_report(week, NOW)
            results = {
                "report (reads + figures)": _timed(lambda: trends.build_report(week, NOW)),
                "summary": _timed(lambda: summary_sentences(report, "en")),
                "page body (report, summary, cards, 5 charts)": _timed(lambda: trends.trends_body(week, "en", NOW)),
                "layout (picker + body)": _timed(lambda: trends.layout(week=week.isoformat())),
            }
        engine.dispose()
    machine = {"nproc": os.cpu_count(), "cpu": _cpu(), "python": platform.python_version()}
    print(f"{DAYS} days of simulated history (scale {SCALE}): {contacts} contacts, stored in {seed_seconds:.0f} s")
    print(f"machine: {machine['nproc']} CPUs, {machine['cpu']}, Python {machine['python']}")
    print(f"| step | median of {RUNS} (ms) |\n| --- | ---: |")
    for name, ms in results.items():
        print(f"| {name} | {ms:.0f} |")
    output = {"contacts": contacts, "days": DAYS, "scale": SCALE, "machine": machine,
              "median_ms": {k: round(v, 1) for k, v in results.items()}}
    print(json.dumps(output))
    return output


if __name__ == "__main__":
    main()
