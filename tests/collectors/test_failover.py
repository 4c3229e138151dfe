"""Two real ``ccpulse collect`` processes on one store: kill the active one, the standby finishes the job.

Two file sources of 300 contacts each are read 20 rows a poll, so the import spans
many ticks and the kill lands in the middle of it. The counts and the roll-ups must
equal those of an uninterrupted run: nothing lost, nothing counted twice.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from datetime import datetime
from pathlib import Path

import pytest
from sqlalchemy import func, select

from dashboard.store.db import make_engine, session_scope, upgrade_database
from dashboard.store.models import CollectorRow, ContactRow, IntervalStatRow

ROOT = Path(__file__).resolve().parents[2]
MAPPING = ROOT / "tests" / "collectors" / "fixtures" / "contacts_jsonl.toml"
POLL_SECONDS = 0.5
ROWS = 300


def write_config(folder: Path, database_url: str) -> Path:
    sources = []
    for name in ("north", "south"):
        path = folder / f"{name}.jsonl"
        path.write_text("".join(json.dumps({"id": i, "q": name, "t": 1709283600 + 30 * i,
                                            "first_reply_ms": 1000 * (i % 90) or None, "agent": f"a{i % 7}"}) + "\n"
                                for i in range(ROWS)))
        sources.append(f'[[sources]]\nname = "{name}"\nkind = "files"\npath = "{path}"\n'
                       f'mapping = "{MAPPING}"\nchunk = 20\n')
    config = folder / "ccpulse.toml"
    config.write_text(f'database_url = "{database_url}"\npoll_seconds = {POLL_SECONDS}\n\n' + "\n".join(sources))
    return config


def figures(engine) -> tuple:
    with session_scope(engine) as session:
        by_source = dict(session.execute(select(ContactRow.source, func.count()).group_by(ContactRow.source)).all())
        offered = session.scalar(select(func.sum(IntervalStatRow.offered)))
        answered = session.scalar(select(func.sum(IntervalStatRow.answered)))
    return by_source, offered, answered


def heartbeat(engine) -> str | None:
    with session_scope(engine) as session:
        row = session.get(CollectorRow, "collector")
        return row.owner if row is not None else None


def wait_for(condition, seconds: float, step: float = 0.05):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(step)
    raise AssertionError(f"gave up after {seconds} s")


def uninterrupted(tmp_path: Path) -> tuple:
    from collectors.scheduler import Collector, build_sources
    from dashboard.settings import load_settings

    url = f"sqlite:///{tmp_path / 'baseline.db'}"
    (tmp_path / "baseline").mkdir()
    settings = load_settings(environ={}, config_path=write_config(tmp_path / "baseline", url))
    upgrade_database(url)
    engine = make_engine(url)
    collector = Collector(engine, settings, build_sources(settings))
    for _ in range(ROWS // 20 + 2):
        collector.tick()
    result = figures(engine)
    engine.dispose()
    return result


def took_over_at(log_text: str) -> float:
    """When the last "active:" line was logged (the log's local time, to the millisecond)."""
    line = [line for line in log_text.splitlines() if "active: this collector" in line][-1]
    return datetime.strptime(line[:23], "%Y-%m-%d %H:%M:%S,%f").timestamp()


@pytest.mark.slow
def test_the_standby_takes_over_and_the_counts_match_an_uninterrupted_run(tmp_path, database_url):
    expected = uninterrupted(tmp_path)
    assert expected[0] == {"north": ROWS, "south": ROWS}
    folder = tmp_path / "failover"
    folder.mkdir()
    config = write_config(folder, database_url)
    upgrade_database(database_url)
    engine = make_engine(database_url)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CCPULSE_", "DATABASE_URL"))}
    command = [sys.executable, "-m", "dashboard.cli", "--config", str(config), "collect"]
    processes = [subprocess.Popen(command, cwd=folder, env=env, stdout=subprocess.DEVNULL,
                                  stderr=open(folder / f"collector-{n}.log", "w")) for n in (1, 2)]
    try:
        owner = wait_for(lambda: heartbeat(engine), 30)
        wait_for(lambda: all("standby" in (folder / f"collector-{n}.log").read_text()
                             or "active" in (folder / f"collector-{n}.log").read_text() for n in (1, 2)), 30)
        active = next(p for p in processes if owner.endswith(f":{p.pid}"))
        survivor = next(p for p in processes if p is not active)
        before = sum(figures(engine)[0].values())
        active.send_signal(signal.SIGKILL)
        killed_at, killed_wall = time.monotonic(), time.time()
        active.wait(10)
        wait_for(lambda: heartbeat(engine).endswith(f":{survivor.pid}"), 10, step=0.02)
        heartbeat_seconds = time.monotonic() - killed_at
        survivor_log = (folder / f"collector-{processes.index(survivor) + 1}.log").read_text()
        takeover_seconds = took_over_at(survivor_log) - killed_wall
        wait_for(lambda: figures(engine)[0] == expected[0], 40, step=0.2)
        time.sleep(2 * POLL_SECONDS)
        assert before < 2 * ROWS, "the kill should land mid-import"
        assert 0 < takeover_seconds <= 2 * POLL_SECONDS, takeover_seconds
        assert heartbeat_seconds <= 4 * POLL_SECONDS, heartbeat_seconds  # the lock, then one live tick's work
        assert figures(engine) == expected
    finally:
        for process in processes:
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
                process.wait(10)
        engine.dispose()
