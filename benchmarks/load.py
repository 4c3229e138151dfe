"""Load test: real gunicorn on PostgreSQL with a live simulated center, 100 wall TVs and 10 managers.

    .venv/bin/python -m benchmarks load [--seconds 60] [--walls 100] [--managers 10] [--days 7]

Creates a fresh PostgreSQL database, migrates it (``ccpulse db upgrade``), backfills
``--days`` of history (``ccpulse simulate``), adds a wall user with display tokens and a
manager, then starts ``ccpulse collect`` (the live center) and gunicorn with the
Procfile's options on a free port of 127.0.0.1, sign-in on. Headless Chromium records
the exact Dash POSTs of each page once; then the TVs (each: open ``/wall?token=``, then
the interval's refresh every 5 s) and the managers (sign in, then /queues → /agents →
/agents/<id> → /contacts/<id> with 1–2 s to think) replay them for ``--seconds``.
Prints requests, rps and p50/p95/p99 per page and callback, writes
``benchmarks/results/load.json``, stops every process it started, drops the database,
and exits 1 if any request failed. Targets: wall refresh p95 ≤ 100 ms, drill-down ≤ 500 ms.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import secrets
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path

import psycopg
import requests
from psycopg import sql

from benchmarks.load_capture import capture_all
from benchmarks.load_clients import Recorder, run_clients

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
RESULTS = ROOT / "benchmarks" / "results" / "load.json"
WALL_TARGET_MS, DRILL_TARGET_MS = 100.0, 500.0
MANAGER, WALL_USER = "load-manager", "load-wall"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def cpu_model() -> str:
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            return line.split(":", 1)[1].strip()
    return platform.processor() or "unknown"


class Stack:
    """The database and the processes of one run; ``close`` stops each process it started and drops the database."""

    def __init__(self, admin_url: str, workdir: Path):
        self.admin_url, self.workdir = admin_url, workdir
        self.name = f"ccpulse_load_{os.getpid()}"
        self.processes: list[tuple[str, subprocess.Popen]] = []
        self.created = False
        base = admin_url.rsplit("/", 1)[0]
        self.url = f"{base}/{self.name}"
        self.store_url = "postgresql+psycopg://" + self.url.split("://", 1)[1]  # SQLAlchemy's name for psycopg 3
        (workdir / "ccpulse.toml").write_text("")  # only the variables below, whatever ./ccpulse.toml says
        self.env = {k: v for k, v in os.environ.items() if not k.startswith("CCPULSE_")}
        self.env.update(CCPULSE_DATABASE_URL=self.url, CCPULSE_CONFIG=str(workdir / "ccpulse.toml"),
                        CCPULSE_REQUIRE_LOGIN="1", CCPULSE_SECRET_KEY=secrets.token_urlsafe(32))

    def create_database(self) -> None:
        with psycopg.connect(self.admin_url, autocommit=True) as connection:
            connection.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(self.name)))
        self.created = True

    def ccpulse(self, *args: str, stdin: str | None = None) -> str:
        done = subprocess.run([str(BIN / "ccpulse"), *args], cwd=self.workdir, env=self.env, input=stdin,
                              capture_output=True, text=True, timeout=3600)
        if done.returncode:
            raise RuntimeError(f"ccpulse {' '.join(args)} failed:\n{done.stderr[-2000:]}")
        return done.stdout

    def start(self, name: str, *command: str) -> subprocess.Popen:
        log = open(self.workdir / f"{name}.log", "w")
        process = subprocess.Popen(command, cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT,
                                   start_new_session=True)  # Ctrl-C here reaches it only through close()
        self.processes.append((name, process))
        return process

    def log_tail(self, name: str, lines: int = 30) -> str:
        path = self.workdir / f"{name}.log"
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:]) if path.exists() else ""

    def close(self) -> None:
        for name, process in reversed(self.processes):
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)  # gunicorn's master stops its workers; the collector its scheduler
        for name, process in reversed(self.processes):
            try:
                process.wait(30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(10)
        if self.created:
            with psycopg.connect(self.admin_url, autocommit=True) as connection:
                connection.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(self.name)))
            self.created = False


def wait_healthy(base: str, process: subprocess.Popen, seconds: float = 90) -> None:
    """Until ``/readyz`` answers 200: gunicorn serves and the collector has caught up (a fresh tick),
    as a load balancer would wait before sending users."""
    deadline = time.monotonic() + seconds
    while True:
        try:
            if requests.get(base + "/readyz", timeout=10).status_code == 200:
                return
        except requests.RequestException:
            pass
        if process.poll() is not None or time.monotonic() > deadline:
            raise RuntimeError("gunicorn did not answer /readyz (ready) in time")
        time.sleep(0.3)


def pick_targets(url: str) -> tuple[list[str], list[str]]:
    """Agents with the most contacts in the history, and recent contacts with a customer (a journey to show)."""
    from sqlalchemy import func, select

    from dashboard.store.db import make_engine, session_scope
    from dashboard.store.models import ContactRow

    engine = make_engine(url)
    try:
        with session_scope(engine) as session:
            agents = [a for a, _ in session.execute(
                select(ContactRow.agent_id, func.count()).where(ContactRow.agent_id.is_not(None))
                .group_by(ContactRow.agent_id).order_by(func.count().desc()).limit(20))]
            contacts = [str(c) for c in session.scalars(
                select(ContactRow.id).where(ContactRow.customer_id.is_not(None))
                .order_by(ContactRow.id.desc()).limit(200))]
    finally:
        engine.dispose()
    if not agents or not contacts:
        raise RuntimeError("the simulated history holds no agents or contacts")
    return agents, contacts


def issue_tokens(url: str, count: int) -> list[str]:
    """``count`` display tokens of the wall user (what ``ccpulse users token`` does, without a process each)."""
    from dashboard import accounts
    from dashboard.store.db import make_engine

    engine = make_engine(url)
    try:
        return [accounts.issue_token(engine, WALL_USER, datetime.now(timezone.utc)) for _ in range(count)]
    finally:
        engine.dispose()


def quantile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    if len(ordered) == 1:
        return ordered[0]
    return statistics.quantiles(ordered, n=100, method="inclusive")[int(q) - 1]


def summarise(recorder: Recorder, after: float = 0.0) -> list[dict]:
    """One row per page and request; ``after``: only the requests started that many seconds into the run."""
    rows = {}
    for sample in recorder.samples:
        if sample.started >= after:
            rows.setdefault((sample.kind, sample.name), []).append(sample)
    order = {"wall": 0, "manager": 1, "visit": 2}
    table = []
    for (kind, name), samples in sorted(rows.items(), key=lambda item: (order[item[0][0]], item[0][1])):
        ms = [s.ms for s in samples]
        table.append({"name": name, "kind": kind, "requests": len(samples),
                      "rps": round(len(samples) / recorder.seconds, 2), "p50_ms": round(quantile(ms, 50), 1),
                      "p95_ms": round(quantile(ms, 95), 1), "p99_ms": round(quantile(ms, 99), 1),
                      "max_ms": round(max(ms), 1), "failures": sum(1 for s in samples if s.error),
                      "unchanged": sum(1 for s in samples if s.status == 204),
                      "errors": sorted({s.error for s in samples if s.error})[:5]})
    return table


def verdicts(table: list[dict]) -> dict:
    wall = [r for r in table if r["name"] == "/wall refresh (interval)"]
    drill = [r for r in table if r["kind"] == "manager" and r["name"].startswith(("/queues ", "/agents", "/contacts"))
             and " GET " not in r["name"]]
    return {"wall_refresh_p95_ms": wall[0]["p95_ms"] if wall else None,
            "wall_target_met": bool(wall) and wall[0]["p95_ms"] <= WALL_TARGET_MS,
            "drilldown_worst_p95_ms": max((r["p95_ms"] for r in drill), default=None),
            "drilldown_target_met": bool(drill) and all(r["p95_ms"] <= DRILL_TARGET_MS for r in drill)}


def markdown(table: list[dict]) -> str:
    lines = ["| page · request | requests | rps | p50 ms | p95 ms | p99 ms | failures |",
             "| --- | ---: | ---: | ---: | ---: | ---: | ---: |"]
    for row in table:
        lines.append(f"| {row['name']} | {row['requests']} | {row['rps']:.2f} | {row['p50_ms']:.1f} | "
                     f"{row['p95_ms']:.1f} | {row['p99_ms']:.1f} | {row['failures']} |")
    return "\n".join(lines)


def parse(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m benchmarks load", description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=60, help="how long the users play (default 60)")
    parser.add_argument("--walls", type=int, default=100, help="wall displays (default 100)")
    parser.add_argument("--managers", type=int, default=10, help="managers drilling down (default 10)")
    parser.add_argument("--interval", type=float, default=5.0, help="wall refresh seconds (default 5, the poll)")
    parser.add_argument("--warmup", type=float, default=15.0,
                        help="also report the requests after this many seconds, past the opening rush (default 15)")
    parser.add_argument("--days", type=int, default=7, help="days of simulated history (default 7)")
    parser.add_argument("--workers", type=int, default=4, help="gunicorn workers (the Procfile's default, 4)")
    parser.add_argument("--threads", type=int, default=4, help="threads per worker (the Procfile's 4)")
    parser.add_argument("--ranges", default="today,last_week", help="ranges managers alternate (default today,last_week)")
    parser.add_argument("--postgres", default="postgresql://postgres@127.0.0.1:5432/postgres",
                        help="a maintenance database URL; the run creates and drops its own database beside it")
    parser.add_argument("--output", type=Path, default=RESULTS, help=f"JSON results (default {RESULTS.relative_to(ROOT)})")
    args = parser.parse_args(argv)
    if not 0 < args.walls <= 500 or not 0 <= args.managers <= 100 or not 1 <= args.seconds <= 3600:
        parser.error("--walls 1..500, --managers 0..100, --seconds 1..3600")
    return args


def interrupt(_signal, _frame):
    raise KeyboardInterrupt


def main(argv: list[str] | None = None) -> int:
    args = parse(sys.argv[1:] if argv is None else argv)
    signal.signal(signal.SIGTERM, interrupt)  # a killed run still stops its processes and drops its database
    password = secrets.token_urlsafe(16)
    with tempfile.TemporaryDirectory(prefix="ccpulse-load-") as workdir:
        stack = Stack(args.postgres, Path(workdir))
        try:
            return run(args, stack, password)
        finally:
            stack.close()


def run(args: argparse.Namespace, stack: Stack, password: str) -> int:
    stack.create_database()
    stack.ccpulse("db", "upgrade")
    started = time.perf_counter()
    stack.ccpulse("simulate", "--days", str(args.days))
    simulate_seconds = time.perf_counter() - started
    print(f"simulated {args.days} days into {stack.name} in {simulate_seconds:.0f} s", flush=True)
    stack.ccpulse("users", "add", WALL_USER, "--role", "wall", f"--password={password}")
    stack.ccpulse("users", "add", MANAGER, "--role", "manager", f"--password={password}")
    browser_token = stack.ccpulse("users", "token", WALL_USER).strip().rsplit("token=", 1)[1]
    tokens = issue_tokens(stack.store_url, args.walls)
    agents, contacts = pick_targets(stack.store_url)

    collector = stack.start("collect", str(BIN / "ccpulse"), "collect")
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    gunicorn = stack.start("gunicorn", str(BIN / "gunicorn"), "dashboard.app:server", "--workers", str(args.workers),
                           "--threads", str(args.threads), "--bind", f"127.0.0.1:{port}", "--access-logfile", "-")
    try:
        wait_healthy(base, gunicorn)
        pages = capture_all(base, browser_token, MANAGER, password, agents[0], contacts[0])
    except Exception:
        print(stack.log_tail("gunicorn"), stack.log_tail("collect"), sep="\n", file=sys.stderr)
        raise
    print(f"captured {sum(len(p.bodies) for p in pages.values())} Dash POSTs from Chromium; "
          f"{args.walls} walls and {args.managers} managers for {args.seconds:g} s", flush=True)
    load_before = os.getloadavg()
    recorder = run_clients(base, pages, tokens, (MANAGER, password), args.ranges.split(","), agents, contacts,
                           args.seconds, args.interval, (1.0, 2.0), args.managers)
    load_after = os.getloadavg()
    alive = {"gunicorn": gunicorn.poll() is None, "collector": collector.poll() is None}
    server_errors = [line for line in (stack.workdir / "gunicorn.log").read_text(errors="replace").splitlines()
                     if any(word in line for word in ("[ERROR]", "[CRITICAL]", "WORKER TIMEOUT", "Traceback"))]

    table = summarise(recorder)
    result = verdicts(table)
    # the same after the opening rush (every TV loading its page in the first seconds, the managers signing in)
    settled_table = summarise(recorder, after=args.warmup)
    settled = {f"settled_{name}": value for name, value in verdicts(settled_table).items()}
    failures = sum(r["failures"] for r in table if r["kind"] != "visit")
    print(markdown(table))
    print(f"\nwall refresh p95 {result['wall_refresh_p95_ms']} ms (target ≤ {WALL_TARGET_MS:g}): "
          f"{'met' if result['wall_target_met'] else 'MISSED'}; drill-down worst p95 {result['drilldown_worst_p95_ms']} ms "
          f"(target ≤ {DRILL_TARGET_MS:g}): {'met' if result['drilldown_target_met'] else 'MISSED'}")
    print(f"after the first {args.warmup:g} s (every TV loaded, managers signed in): wall refresh p95 "
          f"{settled['settled_wall_refresh_p95_ms']} ms ({'met' if settled['settled_wall_target_met'] else 'MISSED'}), "
          f"drill-down worst p95 {settled['settled_drilldown_worst_p95_ms']} ms "
          f"({'met' if settled['settled_drilldown_target_met'] else 'MISSED'})")
    wall = [r for r in table if r["name"] == "/wall refresh (interval)"]
    if wall:
        print(f"wall refreshes answered 204 (the TV already showed the current render): {wall[0]['unchanged']}")
    print(f"{failures} failed requests; load average {load_before[0]:.2f} before, {load_after[0]:.2f} after; "
          f"still running: {alive}; threads still waiting: {len(recorder.hung)}; "
          f"gunicorn error lines: {len(server_errors)}")
    report = {"date": datetime.now(timezone.utc).isoformat(timespec="seconds"), "machine": {
        "nproc": os.cpu_count(), "cpu": cpu_model(), "python": platform.python_version(),
        "loadavg_before": load_before, "loadavg_after": load_after},
        "options": {k: (str(v) if isinstance(v, Path) else v) for k, v in vars(args).items()},
        "simulate_seconds": round(simulate_seconds, 1), "seconds": round(recorder.seconds, 1),
        "requests": sum(r["requests"] for r in table if r["kind"] != "visit"), "failures": failures,
        "processes_alive_at_end": alive, "server_errors": server_errors[:50], **result, "rows": table,
        **settled, "settled_after_seconds": args.warmup, "settled_rows": settled_table}
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(report, indent=2) + "\n")
    print(f"wrote {args.output}")
    if not all(alive.values()):
        print(stack.log_tail("gunicorn"), stack.log_tail("collect"), sep="\n", file=sys.stderr)
    return 1 if failures or recorder.hung or not all(alive.values()) else 0


if __name__ == "__main__":
    raise SystemExit(main())
