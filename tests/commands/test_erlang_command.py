"""``ccpulse erlang``: the calculator prints the same figures as ``dashboard.erlang``."""

from __future__ import annotations

import json

import pytest

from dashboard.cli import main
from dashboard.commands.erlang import JSON_KEYS

BASE = ["erlang", "--arrivals", "100", "--interval-minutes", "30", "--aht", "180",
        "--target-sl", "0.8", "--target-seconds", "20"]


def test_json_for_the_required_agents(capsys):
    # Call Centre Helper example: 10 erlangs, 80/20 → 14 agents, P(wait) 17.4 %, SL 88.8 %, ASA 7.8 s
    assert main(BASE + ["--format", "json"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert tuple(result) == JSON_KEYS
    assert (result["traffic_erlangs"], result["agents"]) == (10.0, 14)
    assert round(result["p_wait"], 3) == 0.174 and round(result["service_level"], 3) == 0.888
    assert round(result["asa_seconds"], 1) == 7.8 and result["occupancy"] == pytest.approx(10 / 14)


def test_given_agents_and_max_occupancy(capsys):
    assert main(BASE + ["--agents", "11", "--format", "json"]) == 0
    result = json.loads(capsys.readouterr().out)
    # 11 agents: P(wait) 68.21 %, SL 39.0 % (the article's first step)
    assert (result["agents"], round(result["p_wait"], 4), round(result["service_level"], 3)) == (11, 0.6821, 0.39)
    assert main(BASE + ["--max-occupancy", "0.7", "--format", "json"]) == 0
    assert json.loads(capsys.readouterr().out)["agents"] == 15


def test_overloaded_agents_give_null_asa(capsys):
    assert main(BASE + ["--agents", "9", "--format", "json"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert (result["p_wait"], result["service_level"], result["asa_seconds"]) == (1.0, 0.0, None)


def test_table_names_required_agents_and_gap(capsys):
    assert main(BASE + ["--agents", "12"]) == 0
    out = capsys.readouterr().out
    assert "required agents    14" in out and "staffing gap       +2" in out and "ASA" in out


def test_bad_input_exits_2(capsys):
    assert main(["erlang", "--arrivals", "10", "--interval-minutes", "0", "--aht", "180"]) == 2
    assert "interval" in capsys.readouterr().err
