"""The Asterisk queue_log sources: events → contacts and agent states, tailing, rotation, resume."""

from __future__ import annotations

import json
import logging
import os
import shutil
from dataclasses import asdict
from datetime import datetime, timezone
from pathlib import Path
from types import SimpleNamespace

import pytest

from collectors.sources.asterisk import AsteriskFileSource
from collectors.sources.queue_log import event_from_row, parse_line
from collectors.sources.queue_state import agent_id, apply_event, customer_id
from collectors.sources.validate import RecordError

FIXTURES = Path(__file__).with_name("fixtures")
NOW = datetime(2026, 1, 1, tzinfo=timezone.utc)


def at(epoch: int) -> datetime:
    return datetime.fromtimestamp(epoch, tz=timezone.utc)


def poll_all(source, cursor=None):
    batch, cursor = source.poll(cursor or {}, NOW)
    return batch, json.loads(json.dumps(cursor))  # the cursor must survive JSON


def test_definitive_guide_call_is_answered_then_completed_with_the_published_times():
    source = AsteriskFileSource("pbx", FIXTURES / "queue_log")
    batch, cursor = poll_all(source)
    call = {c.source_id: c for c in batch.contacts}["psy1-1292281041.87"]
    assert call.arrived_at == at(1292281046)
    assert call.answered_at == at(1292281048)  # holdtime 2 s
    assert call.ended_at == at(1292284121)  # calltime 3073 s after the answer
    assert (call.ended_at - call.answered_at).total_seconds() == 3073
    assert call.agent_id == "Local/9990@MemberConnector" and call.queue == "7100" and call.channel == "voice"
    assert call.customer_id.startswith("caller:") and "5551212" not in call.customer_id


def test_abandon_open_call_skips_and_rejections_are_counted():
    batch, cursor = poll_all(AsteriskFileSource("pbx", FIXTURES / "queue_log"))
    contacts = {c.source_id: c for c in batch.contacts}
    abandoned = contacts["psy1-1292281049.91"]
    assert abandoned.abandoned_at == at(1292281080) and abandoned.answered_at is None
    waiting = contacts["psy1-1292281089.95"]  # still open when the data ends: waiting, not lost
    assert waiting.answered_at is None and waiting.abandoned_at is None and waiting.ended_at is None
    assert list(cursor["state"]["calls"]) == ["psy1-1292281089.95"]
    assert batch.skipped == 3  # QUEUESTART, CUSTOMVERB, CONFIGRELOAD
    assert [(r.location, r.field) for r in batch.rejections] == [("queue_log:12", "line"), ("queue_log:13", "time")]


def test_agent_states_follow_member_pause_call_and_removal():
    batch, _ = poll_all(AsteriskFileSource("pbx", FIXTURES / "queue_log"))
    agent = "Local/9990@MemberConnector"
    states = sorted((s for s in batch.states if s.agent_id == agent), key=lambda s: s.started_at)
    assert [(s.state, s.reason, s.started_at, s.ended_at) for s in states] == [
        ("available", None, at(1292281001), at(1292281002)),
        ("aux", "lunch", at(1292281002), at(1292281003)),
        ("available", None, at(1292281003), at(1292281048)),
        ("on_contact", None, at(1292281048), at(1292284121)),
        ("available", None, at(1292284121), at(1292284222)),
        ("offline", None, at(1292284222), None),
    ]
    assert len({s.source_id for s in states}) == 6


def test_bad_times_and_unknown_queue_are_rejected_with_field_and_reason(caplog):
    source = AsteriskFileSource("pbx", FIXTURES / "queue_log_bad_times", queues=["7100"])
    with caplog.at_level(logging.DEBUG):
        batch, cursor = poll_all(source)
    reasons = {r.location: (r.field, r.reason.split(" (")[0]) for r in batch.rejections}
    assert reasons == {"queue_log_bad_times:2": ("answered_at", "answer before arrival"),
                       "queue_log_bad_times:3": ("queue", "unknown queue"),
                       "queue_log_bad_times:4": ("arrived_at", "time in the future")}
    assert [c.source_id for c in batch.contacts] == ["c1"]  # its ENTERQUEUE is good; the answer is not
    assert cursor["state"]["calls"] == {}
    assert "queue_log_bad_times:2 field answered_at" in caplog.text
    assert "555121" not in caplog.text  # caller numbers never reach the log


def test_units_ring_time_in_ms_and_wait_in_seconds_reconstruct_a_call_without_enterqueue():
    state: dict = {}
    event = parse_line("1000|x1|q|Agent/7|COMPLETEAGENT|20|60|1", "f:1")
    contact = apply_event(state, event, "pbx", NOW).contacts[0]
    assert contact.ended_at == at(1000) and contact.answered_at == at(940) and contact.arrived_at == at(920)
    ring = parse_line("1000|x2|q|Agent/7|RINGNOANSWER|abc", "f:2")
    (rejection,) = apply_event(state, ring, "pbx", NOW).rejections  # names the file, line and field
    assert rejection.location == "f:2" and rejection.field == "data1"
    outcome = apply_event({}, parse_line("1000|x2|q|Agent/7|RINGNOANSWER|15000", "f:3"), "pbx", NOW)
    assert outcome.contacts == [] and outcome.skipped == 0 and outcome.rejections == []


def test_transfer_ends_the_call_and_counts_one_transfer():
    state: dict = {}
    for line in ("100|t1|q|NONE|ENTERQUEUE||5550100|1", "105|t1|q|Agent/7|CONNECT|5|b|1",
                 "165|t1|q|Agent/7|BLINDTRANSFER|200|default|5|60|1"):
        outcome = apply_event(state, parse_line(line, "f"), "pbx", NOW)
    contact = outcome.contacts[0]
    assert contact.transfer_count == 1 and contact.ended_at == at(165) and state["calls"] == {}


def test_pbxware_row_layout_reads_htime_as_wait_and_ring_as_ms():
    row = {"date_time": "1543602753", "callid": "c", "queue_name": "IT", "type": "Agent/1127", "event": "CONNECT",
           "param1": "", "param2": "b", "param3": "6", "entpos": "0", "expos": "0", "htime": "76", "ttime": "0"}
    columns = {"time": "date_time", "queue": "queue_name", "agent": "type"}
    event = event_from_row(row, "x:1", "pbxware", columns)
    assert event.wait_seconds == 76 and event.at == at(1543602753)
    ring = event_from_row({**row, "event": "RINGNOANSWER", "htime": "9000"}, "x:2", "pbxware", columns)
    assert ring.seconds({"RINGNOANSWER": 0}, unit="ms") == 9.0


def test_callback_agents_are_one_agent():
    assert agent_id("Local/1127@callback-agent") == agent_id("Agent/1127") == "Agent/1127"
    assert agent_id("NONE") is None and customer_id("") is None


# ---- tailing -----------------------------------------------------------------------------------

def write(path: Path, lines: list[str], mode: str = "a") -> None:
    with path.open(mode) as handle:
        handle.write("".join(line + "\n" for line in lines))


def test_tail_reads_only_whole_lines_and_resumes_from_the_offset(tmp_path):
    log_path = tmp_path / "queue_log"
    write(log_path, ["100|a|q|NONE|ENTERQUEUE||5550100|1"], "w")
    with log_path.open("a") as handle:
        handle.write("105|a|q|Agent/1|CONNECT|5|b")  # half-written: no newline yet
    source = AsteriskFileSource("pbx", log_path)
    batch, cursor = poll_all(source)
    assert [c.answered_at for c in batch.contacts] == [None]
    with log_path.open("a") as handle:
        handle.write("|1\n")
    batch, cursor = poll_all(source, cursor)
    assert [c.answered_at for c in batch.contacts] == [at(105)]
    again, same = poll_all(source, cursor)
    assert len(again) == 0 and same["offset"] == cursor["offset"]


def test_restart_from_a_stored_cursor_equals_one_uninterrupted_read(tmp_path):
    log_path = tmp_path / "queue_log"
    shutil.copy(FIXTURES / "queue_log", log_path)
    whole, _ = poll_all(AsteriskFileSource("pbx", log_path))
    source = AsteriskFileSource("pbx", log_path, max_lines=3)
    cursor, contacts = {}, {}
    for _ in range(10):
        batch, cursor = poll_all(AsteriskFileSource("pbx", log_path, max_lines=3), cursor)  # a new process each time
        contacts.update({c.source_id: c for c in batch.contacts})
    assert contacts == {c.source_id: c for c in whole.contacts}
    assert source.max_lines == 3


def test_rotation_reads_the_rest_of_the_old_file_then_the_new_one(tmp_path):
    log_path = tmp_path / "queue_log"
    write(log_path, ["100|a|q|NONE|ENTERQUEUE||5550100|1"], "w")
    source = AsteriskFileSource("pbx", log_path)
    _, cursor = poll_all(source)
    write(log_path, ["105|a|q|Agent/1|CONNECT|5|b|1"])  # written after the poll, before the rotation
    os.rename(log_path, tmp_path / "queue_log.1")
    write(log_path, ["160|a|q|Agent/1|COMPLETEAGENT|5|55|1"], "w")  # new inode
    batch, cursor = poll_all(source, cursor)
    assert [(c.answered_at, c.ended_at) for c in batch.contacts] == [(at(105), at(160))]
    assert cursor["inode"] == log_path.stat().st_ino and cursor["line"] == 1


def test_truncation_restarts_at_the_beginning(tmp_path):
    log_path = tmp_path / "queue_log"
    write(log_path, ["100|a|q|NONE|ENTERQUEUE||5550100|1", "105|a|q|Agent/1|CONNECT|5|b|1"], "w")
    source = AsteriskFileSource("pbx", log_path)
    _, cursor = poll_all(source)
    write(log_path, ["200|b|q|NONE|ENTERQUEUE||5550101|1"], "w")  # copytruncate: same inode, shorter
    batch, cursor = poll_all(source, cursor)
    assert [c.source_id for c in batch.contacts] == ["b"] and set(cursor["state"]["calls"]) == {"a", "b"}


def test_poll_has_no_side_effects_on_the_cursor_it_was_given(tmp_path):
    log_path = tmp_path / "queue_log"
    shutil.copy(FIXTURES / "queue_log", log_path)
    cursor = {"inode": log_path.stat().st_ino, "offset": 0, "line": 0, "state": {"calls": {}, "agents": {}}}
    frozen = json.dumps(cursor, sort_keys=True)
    first, _ = AsteriskFileSource("pbx", log_path).poll(cursor, NOW)
    second, _ = AsteriskFileSource("pbx", log_path).poll(cursor, NOW)
    assert json.dumps(cursor, sort_keys=True) == frozen and first.contacts == second.contacts


def test_missing_file_is_a_source_error(tmp_path):
    from collectors.sources.base import SourceError

    with pytest.raises(SourceError):
        AsteriskFileSource("pbx", tmp_path / "absent").poll({}, NOW)


@pytest.mark.shared_data
def test_real_pbxware_export_through_its_mapping(shared_data):
    from collectors.sources.files import FileSource
    from collectors.sources.mapping import load_mapping

    mapping = load_mapping(Path(__file__).parents[2] / "docs" / "mappings" / "pbxware_queue_log.toml")
    source = FileSource("pbxware", shared_data / "asterisk" / "queue_log.pbxware_voipreports1.csv", mapping,
                        chunk=10_000)
    batch, cursor = source.poll({}, NOW)
    outcomes = [(c.answered_at is not None, c.abandoned_at is not None, c.ended_at is not None)
                for c in batch.contacts]
    assert len(batch.contacts) == 108  # one per ENTERQUEUE
    assert outcomes.count((True, False, True)) == 91  # 51 + 38 COMPLETE*, 2 transfers
    assert outcomes.count((False, True, False)) == 13  # 12 ABANDON + 1 EXITWITHTIMEOUT
    assert outcomes.count((True, False, False)) == 2 and outcomes.count((False, False, False)) == 2  # open at the cut
    assert batch.skipped == 275 and batch.rejections == []  # QUEUESTART, CONFIGRELOAD, OUT* verbs
    assert sum(c.transfer_count for c in batch.contacts) == 2
    timeout = [c for c in batch.contacts if c.abandoned_at and (c.abandoned_at - c.arrived_at).total_seconds() == 300]
    assert len(timeout) == 1  # maxwait=300 of queue IT
    first = next(c for c in batch.contacts if c.source_id == "1543602660.197")
    assert first.arrived_at == at(1543602677) and (first.answered_at - first.arrived_at).total_seconds() == 76
    # the export's local `time` column is UTC-5: 13:31:17 local is 18:31:17 UTC
    assert first.arrived_at == datetime(2018, 11, 30, 18, 31, 17, tzinfo=timezone.utc)
    state = cursor["files"][source.key]["state"]
    assert {a: s["state"] for a, s in state["agents"].items()}["Agent/1128"] == "offline"


def test_a_call_whose_closing_event_was_lost_is_closed_once_the_log_goes_on_twelve_hours(tmp_path, caplog):
    from collectors.sources.queue_state import LOST_AFTER_SECONDS
    from dashboard.store.deltas import live_fact

    log_path = tmp_path / "queue_log"
    later = 1005 + LOST_AFTER_SECONDS  # 12 h and 1 s after the answer at 1004
    write(log_path, ["1000|talking|q|NONE|ENTERQUEUE||5550100|1",
                     "1004|talking|q|Agent/1|CONNECT|4|b|1",  # its COMPLETE never comes
                     "1010|waiting|q|NONE|ENTERQUEUE||5550101|1",  # nor an answer or abandon
                     f"{later}|next|q|NONE|ENTERQUEUE||5550102|1"], "w")  # 12 h after the answer, not the arrival
    batch, cursor = poll_all(AsteriskFileSource("pbx", log_path))
    last = {c.source_id: c for c in batch.contacts}  # each call's last word in the batch
    assert last["talking"].ended_at == last["talking"].answered_at == at(1004)  # no talk time invented
    assert last["talking"].abandoned_at is None
    assert last["waiting"].ended_at is None  # its arrival at 1010 is not 12 h back yet
    assert sorted(cursor["state"]["calls"]) == ["next", "waiting"]
    assert live_fact(SimpleNamespace(**asdict(last["talking"]), response_due_at=None)) is None  # not held any more
    assert "call talking had no event for 12 h" in caplog.text

    write(log_path, [f"{later + 66}|next|q|NONE|ABANDON|1|1|66"])  # the log reaches 12 h after 1010
    batch, cursor = poll_all(AsteriskFileSource("pbx", log_path), cursor)
    waiting = {c.source_id: c for c in batch.contacts}["waiting"]
    assert waiting.ended_at == waiting.arrived_at == at(1010)  # offered, no answer or abandon added
    assert waiting.answered_at is None and waiting.abandoned_at is None
    assert cursor["state"]["calls"] == {}


def test_the_agent_of_a_lost_call_is_freed_at_the_call_s_last_known_moment(tmp_path):
    """Agent/1 took a call at 1004 whose COMPLETE never came: when the call is closed as lost, the
    agent leaves on_contact at 1004 too, instead of staying on a call for ever. Agent/2, who took a
    later call that is still going, stays on it."""
    from collectors.sources.queue_state import LOST_AFTER_SECONDS

    log_path = tmp_path / "queue_log"
    later = 1005 + LOST_AFTER_SECONDS
    write(log_path, ["1000|lost|q|Agent/1|ADDMEMBER||", "1000|going|q|Agent/2|ADDMEMBER||",
                     "1000|lost|q|NONE|ENTERQUEUE||5550100|1", "1004|lost|q|Agent/1|CONNECT|4|b|1",
                     "30000|going|q|NONE|ENTERQUEUE||5550101|1",
                     "30005|going|q|Agent/2|CONNECT|5|b|1",
                     f"{later}|next|q|NONE|ENTERQUEUE||5550102|1"], "w")
    batch, cursor = poll_all(AsteriskFileSource("pbx", log_path))
    agents = cursor["state"]["agents"]
    assert agents["Agent/1"]["state"] == "available" and agents["Agent/1"]["since"] == 1004
    assert agents["Agent/2"]["state"] == "on_contact"
    on_call = {s.source_id: s for s in batch.states if s.agent_id == "Agent/1" and s.state == "on_contact"}
    assert len(on_call) == 1
    (interval,) = on_call.values()
    assert interval.started_at == interval.ended_at == at(1004)  # no talk time invented for the agent either


def test_a_rejected_line_keeps_the_lost_calls_its_time_closed(tmp_path):
    """The sweep runs on every line's time; a line rejected for its own fault still hands on the
    calls the sweep closed, or they would stay open in the store for ever."""
    from collectors.sources.queue_state import LOST_AFTER_SECONDS

    log_path = tmp_path / "queue_log"
    write(log_path, ["1000|lost|q|NONE|ENTERQUEUE||5550100|1",
                     f"{1001 + LOST_AFTER_SECONDS}|NONE|q|NONE|PAUSE||"], "w")  # PAUSE without an agent
    batch, cursor = poll_all(AsteriskFileSource("pbx", log_path))
    (lost,) = [c for c in batch.contacts if c.ended_at is not None]
    assert lost.source_id == "lost" and lost.ended_at == at(1000)
    assert [r.field for r in batch.rejections] == ["agent"]
    assert cursor["state"]["calls"] == {}


def test_open_calls_are_judged_by_the_log_clock_not_the_wall_clock(tmp_path):
    """The fixture's last call stays open in 2026: nothing in the log came after it."""
    batch, cursor = poll_all(AsteriskFileSource("pbx", FIXTURES / "queue_log"))
    assert "psy1-1292281089.95" in cursor["state"]["calls"]
