"""Times each drill-down page's callbacks, as plain functions, over simulated history.

    .venv/bin/python -m benchmarks.drilldown [--days 90] [--repeats 7] [--store PATH]

Builds ``--days`` of simulated history (simulator backfill through ``store_batch``)
into a temporary SQLite store, or reuses ``--store`` if it already holds one, then
runs every data callback of /queues, /agents, /agents/<id> and /contacts/<id>
``--repeats`` times per range and prints median and p95 in milliseconds, as a
Markdown table and as JSON.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path

from sqlalchemy import func, select

from benchmarks.seed import simulated_store
from dashboard.app import create_app
from dashboard.settings import load_settings
from dashboard.store.db import make_engine, session_scope
from dashboard.store.models import ContactRow

RANGES = ("today", "last_week", "last_30_days", "custom")


def _cases(settings, engine, now: datetime, days: int) -> dict:
    from dashboard.pages import agent, agents, contact, queues

    with session_scope(engine) as session:
        agent_id, _ = session.execute(select(ContactRow.agent_id, func.count()).where(ContactRow.agent_id.is_not(None))
                                      .group_by(ContactRow.agent_id).order_by(func.count().desc())).first()
        contact_id = session.scalars(select(ContactRow.id).where(ContactRow.customer_id.is_not(None))
                                     .order_by(ContactRow.id.desc())).first()
    first = (now.date().toordinal() - days + 1)
    cases = {}
    for name in RANGES:
        query = {"range": name}
        if name == "custom":
            query.update({"from": datetime.fromordinal(first).date().isoformat(), "to": now.date().isoformat()})
        label = f"{days} days" if name == "custom" else name
        cases[f"/queues table · {label}"] = lambda q=query: queues.queues_table(settings, engine, q, "en", now)
        cases[f"/queues intraday+staffing · {label}"] = lambda q=query: queues.queue_intraday(settings, engine, q, "en", now)
        cases[f"/agents grid · {label}"] = lambda q=query: agents.agents_grid(settings, engine, q, "en", now)
        cases[f"/agents/<id> panels · {label}"] = lambda q=query: agent.agent_panels(settings, engine, q, agent_id, "en", now)
        cases[f"/agents/<id> contacts page 1 (500) · {label}"] = lambda q=query: agent.contacts_block(
            settings, engine, q, agent_id, {"startRow": 0, "endRow": 500}, now)
    cases["/contacts/<id> body"] = lambda: contact.contact_body(settings, engine, str(contact_id), "en")
    return cases


def measure(settings, engine, now: datetime, days: int, repeats: int) -> list[dict]:
    app = create_app(settings, engine)  # registers the pages, as a worker does
    results = []
    with app.server.app_context():
        for name, case in _cases(settings, engine, now, days).items():
            case()  # warm caches and imports once
            times = []
            for _ in range(repeats):
                started = time.perf_counter()
                case()
                times.append((time.perf_counter() - started) * 1000)
            times.sort()
            results.append({"callback": name, "median_ms": round(statistics.median(times), 1),
                            "p95_ms": round(times[min(len(times) - 1, int(0.95 * len(times)))], 1)})
    return results


def machine() -> str:
    model = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                  if line.startswith("model name")), platform.processor())
    return f"{os.cpu_count()} CPUs (nproc), {model}, Python {platform.python_version()}, SQLite"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--days", type=int, default=90)
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--store", type=Path)
    args = parser.parse_args()
    now = datetime.now(timezone.utc).replace(microsecond=0)
    path = args.store or Path(tempfile.mkdtemp()) / "drilldown.db"
    if path.exists():
        settings = load_settings(environ={}, config_path=path.with_suffix(".toml"), database_url=f"sqlite:///{path}")
        engine = make_engine(settings.database_url)
        with session_scope(engine) as session:
            now = session.scalar(select(func.max(ContactRow.updated_at))) or now
    else:
        settings, engine = simulated_store(path, args.days, now)
    with session_scope(engine) as session:
        contacts = session.scalar(select(func.count()).select_from(ContactRow))
    results = measure(settings, engine, now, args.days, args.repeats)
    print(f"\n{machine()}; {contacts:,} contacts over {args.days} days; {args.repeats} repeats\n")
    print("| callback | median ms | p95 ms |\n| --- | ---: | ---: |")
    for row in results:
        print(f"| {row['callback']} | {row['median_ms']} | {row['p95_ms']} |")
    print(json.dumps({"machine": machine(), "contacts": contacts, "days": args.days, "results": results}))


if __name__ == "__main__":
    main()
