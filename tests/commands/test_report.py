"""``ccpulse report``: the KPIs of a date range from the roll-ups, as table, CSV and JSON."""

from __future__ import annotations

import csv
import io
import json
from datetime import date

import pytest

from dashboard.cli import main
from dashboard.commands.report import KEYS, format_table, kpi_row
from dashboard.metrics.counts import Counts
from dashboard.store.db import session_scope
from dashboard.store.models import CustomerWeekRow, IntervalStatRow
from tests.conftest import utc


@pytest.fixture
def store(engine, settings, monkeypatch):
    # Monday 2 March 2026 (site zone UTC): Billing voice 09:00 and 09:15, Mail 09:00; Tuesday one call
    with session_scope(engine) as session:
        session.add_all([
            IntervalStatRow(interval_start=utc(2026, 3, 2, 9), queue="Billing", channel="voice", offered=10,
                            answered=8, answered_within_threshold=6, abandoned=2, short_abandoned=1,
                            answer_wait_seconds=120.0, abandon_wait_seconds=60.0, ended=5, talk_seconds=900.0,
                            hold_seconds=100.0, wrap_seconds=250.0, transferred=1, resolved_known=4,
                            first_contact_resolved=3, repeated=1, csat_responses=4, csat_satisfied=3,
                            csat_score_sum=16.0, nps_responses=8, nps_promoters=3, nps_detractors=2,
                            ces_responses=2, ces_score_sum=11.0),
            IntervalStatRow(interval_start=utc(2026, 3, 2, 9, 15), queue="Billing", channel="voice", offered=2,
                            answered=2, answered_within_threshold=2, answer_wait_seconds=20.0),
            IntervalStatRow(interval_start=utc(2026, 3, 2, 9), queue="Mail", channel="email", offered=4,
                            responded=3, responded_within_target=2, response_seconds=5400.0, expired_unanswered=1),
            IntervalStatRow(interval_start=utc(2026, 3, 3, 9), queue="Billing", channel="voice", offered=1,
                            answered=1, answered_within_threshold=0, answer_wait_seconds=40.0),
            CustomerWeekRow(week_start=date(2026, 3, 2), customer_id="ann", contacts=5, channels="email,voice"),
            CustomerWeekRow(week_start=date(2026, 3, 2), customer_id="bob", contacts=1, channels="voice"),
        ])
    return settings


def run(capsys, settings, *args) -> str:
    assert main(["report", "--database-url", settings.database_url, *args]) == 0
    return capsys.readouterr().out


def test_json_whole_week_hand_worked(store, capsys):
    rows = json.loads(run(capsys, store, "--from", "2026-03-02", "--to", "2026-03-08", "--format", "json"))
    assert len(rows) == 1 and list(rows[0]) == list(KEYS)
    row = rows[0]
    # offered 10 + 2 + 4 + 1 = 17; answered 8 + 2 + 1 = 11, within 6 + 2 + 0 = 8; abandoned 2
    assert (row["group"], row["offered"], row["answered"], row["answered_within_threshold"]) == ("all", 17, 11, 8)
    # SL = 8 ÷ (11 + 2) = 0.6154; ASA = (120 + 20 + 40) ÷ 11 = 16.36 s; abandon rate 2/13
    assert row["service_level"] == pytest.approx(8 / 13)
    assert row["asa_seconds"] == pytest.approx(180 / 11)
    assert row["average_wait_seconds"] == pytest.approx(240 / 13)
    assert row["abandon_rate"] == pytest.approx(2 / 13)
    # AHT = (900 + 100 + 250) ÷ 5 = 250 s; transfer 1/5; FCR 3/4; repeat 1/5
    assert (row["aht_seconds"], row["transfer_rate"], row["fcr"], row["repeat_contact_rate"]) == (250.0, 0.2, 0.75, 0.2)
    # response SLA = 2 ÷ (3 + 1) = 0.5; FRT = 5400 ÷ 3 = 1800 s
    assert (row["response_sla"], row["first_response_seconds"]) == (0.5, 1800.0)
    # the whole ISO week is inside: touchpoints (5 + 1) ÷ 2 = 3, one of two with 4+ = 0.5
    assert (row["touchpoints_mean"], row["touchpoints_4plus_share"]) == (3.0, 0.5)
    # CSAT 3/4, mean 4.0; NPS 100 × (3 − 2) ÷ 8 = 12.5 → 13; CES 11 ÷ 2 = 5.5
    assert (row["csat"], row["csat_mean"], row["nps"], row["ces"]) == (0.75, 4.0, 13, 5.5)


def test_by_queue_and_missing_values_are_null(store, capsys):
    rows = json.loads(run(capsys, store, "--from", "2026-03-02", "--to", "2026-03-02", "--by", "queue",
                          "--format", "json"))
    by_group = {r["group"]: r for r in rows}
    assert set(by_group) == {"Billing", "Mail"}
    assert by_group["Mail"]["service_level"] is None and by_group["Mail"]["response_sla"] == 0.5  # 2 ÷ (3 + 1)
    assert by_group["Billing"]["touchpoints_mean"] is None  # journeys are not cut by queue
    assert by_group["Billing"]["offered"] == 12


def test_by_day_lists_every_day_and_csv_has_a_header(store, capsys):
    out = run(capsys, store, "--from", "2026-03-02", "--to", "2026-03-04", "--by", "day", "--format", "csv")
    rows = list(csv.DictReader(io.StringIO(out)))
    assert [r["group"] for r in rows] == ["2026-03-02", "2026-03-03", "2026-03-04"]
    assert rows[1]["offered"] == "1" and rows[1]["service_level"] == "0.0"
    assert rows[2]["offered"] == "0" and rows[2]["service_level"] == ""  # an empty day: no value


def test_by_week_labels_iso_weeks(store, capsys):
    rows = json.loads(run(capsys, store, "--from", "2026-03-02", "--to", "2026-03-15", "--by", "week",
                          "--format", "json"))
    assert [r["group"] for r in rows] == ["2026-W10", "2026-W11"]
    assert rows[0]["touchpoints_mean"] == 3.0 and rows[1]["touchpoints_mean"] is None


def test_table_shows_dashes_and_marks_provisional_fcr(store, capsys):
    out = run(capsys, store, "--from", "2026-03-02", "--to", "2026-03-02")
    assert "service_level" in out and "61.5 %" not in out  # Monday only: 8 ÷ (10 + 2) = 66.7 %
    assert "66.7 %" in out
    table = format_table([kpi_row("all", Counts(resolved_known=4, first_contact_resolved=3), "abandons_count", None)],
                         provisional=True)
    assert "75.0 %*" in table and "provisional" in table
    assert any(line.startswith("asa_seconds") and line.rstrip().endswith("-") for line in table.splitlines())


def test_bad_range_is_refused(store, capsys):
    assert main(["report", "--database-url", store.database_url, "--from", "2026-03-05", "--to", "2026-03-01"]) == 2
    assert "before" in capsys.readouterr().err
