"""``ccpulse import`` against a real store: idempotent re-import, kill -9 and resume, the four data sets."""

from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import func, select

from dashboard.store.db import session_scope
from dashboard.store.models import ContactRow, SourceStateRow, SurveyRow

PROJECT = Path(__file__).parents[2]
MAPPINGS = PROJECT / "docs" / "mappings"
FIXTURES = Path(__file__).with_name("fixtures")


def run(settings, file: Path, mapping: Path, **options) -> int:
    from dashboard.commands.import_ import run_import

    args = argparse.Namespace(file=str(file), mapping=str(mapping), source=None, timezone=None, queues=None,
                              chunk=5000, restart=False, quiet=True)
    vars(args).update(options)
    return run_import(args, settings)


def counts(engine, source: str) -> dict:
    with session_scope(engine) as session:
        state = session.get(SourceStateRow, source)
        contacts = session.scalar(select(func.count()).select_from(ContactRow).where(ContactRow.source == source))
        surveys = session.scalar(select(func.count()).select_from(SurveyRow).where(SurveyRow.source == source))
        return {"contacts": contacts, "surveys": surveys,
                "accepted": state.accepted if state else 0, "rejected": state.rejected if state else 0,
                "cursor": json.loads(state.cursor) if state else {}}


def test_importing_twice_stores_the_same_rows(settings, engine, capsys):
    file, mapping = FIXTURES / "contacts_bad.csv", FIXTURES / "contacts_bad.toml"
    assert run(settings, file, mapping) == 0
    first = counts(engine, "crafted")
    assert (first["contacts"], first["surveys"], first["rejected"]) == (4, 2, 10)  # c8's queue is allowed here
    out = capsys.readouterr().out
    assert "rejected: 10" in out and "answered_at: answer before arrival" in out
    assert run(settings, file, mapping) == 0  # finished: nothing new
    assert "already imported" in capsys.readouterr().out
    assert run(settings, file, mapping, restart=True) == 0  # read again: updated, not duplicated
    again = counts(engine, "crafted")
    assert (again["contacts"], again["surveys"]) == (4, 2)


def write_big_file(path: Path, rows: int) -> None:
    """A contacts CSV where every 100th row answers before it arrives (rejected)."""
    lines = ["id,queue,arrived,answered_after_s,talk,ended_local,resolved,csat"]
    for i in range(rows):
        wait = -5 if i % 100 == 99 else 10 + i % 50
        lines.append(f"k{i},sales,2024-03-01 {8 + i // 3600 % 10:02d}:{i // 60 % 60:02d}:{i % 60:02d},"
                     f"{wait},00:02:00,,Y,{1 + i % 5}")
    path.write_text("\n".join(lines) + "\n")


@pytest.mark.slow
def test_kill_9_mid_import_then_resume_gives_exact_counts(settings, engine, tmp_path):
    rows = 12_000
    file = tmp_path / "big.csv"
    write_big_file(file, rows)
    config = tmp_path / "ccpulse.toml"
    config.write_text(f'database_url = "{settings.database_url}"\n')
    env = {**os.environ, "PYTHONPATH": str(PROJECT)}
    process = subprocess.Popen(
        [sys.executable, "-m", "dashboard.cli", "--config", str(config), "import", str(file), "--mapping",
         str(FIXTURES / "contacts_bad.toml"), "--chunk", "500", "--quiet"],
        cwd=tmp_path, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and counts(engine, "crafted")["accepted"] < 1000:
            time.sleep(0.02)
        os.kill(process.pid, signal.SIGKILL)
    finally:
        process.wait()
    assert process.returncode == -signal.SIGKILL
    before = counts(engine, "crafted")
    line = before["cursor"]["files"][str(file.resolve())]["line"]
    read = line - 1  # rows handed out and committed (the header is line 1)
    assert 0 < read < rows, "the import must be killed mid-way"
    bad = sum(1 for i in range(read) if i % 100 == 99)
    assert before["contacts"] == read - bad and before["surveys"] == read - bad
    assert before["rejected"] == bad and before["accepted"] == before["contacts"] + before["surveys"]

    assert run(settings, file, FIXTURES / "contacts_bad.toml", chunk=500) == 0
    after = counts(engine, "crafted")
    assert after["contacts"] == after["surveys"] == rows - rows // 100
    assert after["rejected"] == rows // 100
    assert after["accepted"] == after["contacts"] + after["surveys"]  # nothing counted twice


@pytest.mark.shared_data
@pytest.mark.parametrize("mapping, path, source, contacts, rejected", [
    ("pwc_call_center", "pwc_call_center/call_center_dataset.csv", "pwc_call_center", 5000, 0),
    ("support_tickets", "support_tickets/customer_support_tickets.csv", "support_tickets", 1404, 1365),
    ("pbxware_queue_log", "asterisk/queue_log.pbxware_voipreports1.csv", "pbxware", 108, 0),
])
def test_import_each_shared_file(settings, engine, shared_data, mapping, path, source, contacts, rejected):
    assert run(settings, shared_data / path, MAPPINGS / f"{mapping}.toml") == 0
    stored = counts(engine, source)
    assert stored["contacts"] == contacts and stored["rejected"] == rejected


@pytest.mark.shared_data
def test_pwc_kpis_after_import(settings, engine, shared_data):
    from datetime import date

    from dashboard.commands.report import report_rows

    run(settings, shared_data / "pwc_call_center/call_center_dataset.csv", MAPPINGS / "pwc_call_center.toml")
    with session_scope(engine) as session:
        (row,) = report_rows(session, settings, date(2021, 1, 1), date(2021, 3, 31), None)
    assert (row["offered"], row["answered"], row["abandoned"]) == (5000, 4054, 946)
    assert row["abandon_rate"] == pytest.approx(946 / 5000, abs=1e-4)
    assert row["asa_seconds"] == pytest.approx(67.52, abs=0.01)  # mean speed of answer of the data set
    assert row["csat_mean"] == pytest.approx(3.4036, abs=1e-3)
