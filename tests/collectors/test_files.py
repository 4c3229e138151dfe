"""Mapped files: crafted good and bad rows, units and zones, resume, the drop folder, the real data sets."""

from __future__ import annotations

import shutil
from datetime import datetime, timedelta, timezone
from pathlib import Path

from zoneinfo import ZoneInfo

import pytest

from collectors.sources.files import DropFolderSource, FileSource
from collectors.sources.mapping import MappingError, load_mapping, parse_mapping

FIXTURES = Path(__file__).with_name("fixtures")
MAPPINGS = Path(__file__).parents[2] / "docs" / "mappings"
NOW = datetime(2026, 1, 1, tzinfo=timezone.utc)


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=timezone.utc)


def read(name: str, mapping: str, **options):
    source = FileSource("t", FIXTURES / name, load_mapping(FIXTURES / mapping), **options)
    return source.poll({}, NOW)


def test_crafted_bad_rows_are_rejected_each_with_line_field_and_reason_and_good_rows_kept():
    batch, _ = read("contacts_bad.csv", "contacts_bad.toml", queues=["sales"])
    assert sorted(c.source_id for c in batch.contacts) == ["c1", "c13", "c2"]
    got = {r.location: (r.field, r.reason.split(" (")[0]) for r in batch.rejections}
    assert got == {
        "contacts_bad.csv:4": ("arrived_at", "time 'not a date' does not match format '%Y-%m-%d %H:%M:%S'"),
        "contacts_bad.csv:5": ("answered_at", "answer before arrival"),
        "contacts_bad.csv:6": ("ended_at", "end before answer"),
        "contacts_bad.csv:7": ("arrived_at", "time in the future"),
        "contacts_bad.csv:8": ("queue", "missing required field"),
        "contacts_bad.csv:9": ("queue", "unknown queue"),
        "contacts_bad.csv:10": ("resolved", "value not in the mapping's map"),
        "contacts_bad.csv:11": ("line", "malformed line"),
        "contacts_bad.csv:12": ("answered_at", "not a number: 'abc'"),
        "contacts_bad.csv:13": ("ended_at", "end before answer"),
        "contacts_bad.csv:14": ("score", "score 9 outside 1-5 for csat"),
    }
    assert [(s.contact_source_id, s.score) for s in batch.surveys] == [("c1", 5)]


def test_local_time_and_units_are_decided_by_the_mapping():
    batch, _ = read("contacts_bad.csv", "contacts_bad.toml")
    c1 = next(c for c in batch.contacts if c.source_id == "c1")
    assert c1.arrived_at == utc(2024, 3, 1, 8, 0, 0)  # 09:00 in Berlin (UTC+1 in March)
    assert c1.answered_at - c1.arrived_at == timedelta(seconds=12)
    assert c1.ended_at - c1.answered_at == timedelta(minutes=3)  # hh:mm:ss
    assert c1.resolved is True
    c2 = next(c for c in batch.contacts if c.source_id == "c2")
    assert c2.answered_at is None and c2.resolved is False


def test_the_source_time_zone_setting_overrides_the_mapping():
    batch, _ = read("contacts_bad.csv", "contacts_bad.toml", timezone="UTC")
    assert next(c for c in batch.contacts if c.source_id == "c1").arrived_at == utc(2024, 3, 1, 9, 0, 0)


def test_json_lines_epoch_seconds_and_milliseconds():
    batch, _ = read("contacts.jsonl", "contacts_jsonl.toml")
    contacts = {c.source_id: c for c in batch.contacts}
    assert contacts["1"].arrived_at == utc(2024, 3, 1, 9, 0, 0)
    assert contacts["1"].answered_at - contacts["1"].arrived_at == timedelta(seconds=45)  # 45000 ms
    assert contacts["2"].answered_at is None and contacts["3"].arrived_at == utc(2024, 3, 1, 9, 2, 0)
    assert [(r.location, r.field) for r in batch.rejections] == [("contacts.jsonl:4", "line"),
                                                                 ("contacts.jsonl:5", "line")]


def test_agent_states_and_surveys_files():
    states, _ = read("agent_states.csv", "agent_states.toml")
    assert [(s.agent_id, s.state, s.reason) for s in states.states] == [("ann", "available", None),
                                                                       ("ann", "aux", "lunch")]
    assert [(r.location, r.field) for r in states.rejections] == [("agent_states.csv:4", "state"),
                                                                  ("agent_states.csv:5", "ended_at")]
    surveys, _ = read("surveys.csv", "surveys.toml")
    assert [(s.kind, s.score, s.responded_at) for s in surveys.surveys] == [
        ("nps", 10, utc(2024, 3, 1, 1, 0)), ("ces", 4, utc(2024, 3, 1, 1, 0))]  # Seoul is UTC+9
    assert [r.field for r in surveys.rejections] == ["score"]


def test_chunked_reads_resume_from_the_cursor_and_equal_one_read():
    mapping = load_mapping(FIXTURES / "contacts_bad.toml")
    whole, _ = FileSource("t", FIXTURES / "contacts_bad.csv", mapping).poll({}, NOW)
    cursor, contacts, rejections = {}, [], []
    source = FileSource("t", FIXTURES / "contacts_bad.csv", mapping, chunk=4)
    while not source.done(cursor):
        batch, cursor = source.poll(cursor, NOW)
        contacts += batch.contacts
        rejections += batch.rejections
    assert contacts == whole.contacts and rejections == whole.rejections
    again, _ = source.poll(cursor, NOW)
    assert len(again) == 0 and not again.rejections


@pytest.mark.parametrize("table, key", [
    ({"source": {"record": "calls"}}, "source.record"),
    ({"contact": {"arrived_at": {"column": "t"}}}, "contact.arrived_at.format"),
    ({"contact": {"answered_at": {"after": "arrived_at", "column": "x", "unit": "s"}}}, "contact.answered_at"),
    ({"contact": {"wrap_seconds": {"column": "w", "unit": "fortnights"}}}, "contact.wrap_seconds.unit"),
    ({"contact": {"colour": {"column": "c"}}}, "contact.colour"),
    ({"source": {"timezone": "Mars/Olympus"}, "contact": {}}, "source.timezone"),
])
def test_bad_mappings_name_the_key(table, key):
    with pytest.raises(MappingError, match=key.replace(".", r"\.")):
        parse_mapping(table, "m.toml")


def test_a_mapping_naming_a_column_the_header_lacks_stops_the_file(tmp_path):
    from collectors.sources.base import SourceError

    (tmp_path / "m.toml").write_text((FIXTURES / "contacts_bad.toml").read_text().replace('"queue"', '"kö"'))
    with pytest.raises(SourceError, match="'kö'"):
        FileSource("t", FIXTURES / "contacts_bad.csv", load_mapping(tmp_path / "m.toml")).poll({}, NOW)


def test_drop_folder_imports_a_file_once_it_is_stable_and_only_once(tmp_path):
    mapping = load_mapping(FIXTURES / "contacts_jsonl.toml")
    source = DropFolderSource("drop", tmp_path, mapping, pattern="*.jsonl")
    shutil.copy(FIXTURES / "contacts.jsonl", tmp_path / "a.jsonl")
    first, cursor = source.poll({}, NOW)
    assert len(first) == 0  # seen once: it may still be being copied
    second, cursor = source.poll(cursor, NOW)
    assert sorted(c.source_id for c in second.contacts) == ["1", "2", "3"]
    third, cursor = source.poll(cursor, NOW)
    assert len(third) == 0 and cursor["files"]["a.jsonl"]["done"]
    with (tmp_path / "a.jsonl").open("a") as handle:
        handle.write('{"id": 4, "q": "chat", "t": 1709283780}\n')
    settle, cursor = source.poll(cursor, NOW)
    grown, cursor = source.poll(cursor, NOW)
    assert len(settle) == 0 and [c.source_id for c in grown.contacts] == ["4"]  # only the new line
    assert len(source.poll(cursor, NOW)[0]) == 0


# ---- the real data sets (shared_data) -----------------------------------------------------------

def real(shared_data: Path, mapping: str, path: str):
    source = FileSource("real", shared_data / path, load_mapping(MAPPINGS / f"{mapping}.toml"), chunk=100_000)
    return source.poll({}, NOW)[0]


@pytest.mark.shared_data
def test_pwc_every_call_is_a_contact_and_unanswered_ones_are_abandons(shared_data):
    batch = real(shared_data, "pwc_call_center", "pwc_call_center/call_center_dataset.csv")
    assert len(batch.contacts) == 5000 and not batch.rejections
    answered = [c for c in batch.contacts if c.answered_at]
    abandoned = [c for c in batch.contacts if c.abandoned_at]
    assert len(answered) == 4054 and len(abandoned) == 946 and len(batch.surveys) == 4054
    first = next(c for c in batch.contacts if c.source_id == "ID0001")
    assert first.arrived_at == utc(2021, 1, 1, 9, 12, 58) and first.agent_id == "Diane"
    assert (first.answered_at - first.arrived_at).total_seconds() == 109
    assert (first.ended_at - first.answered_at).total_seconds() == 143  # 00:02:23
    assert {(c.abandoned_at - c.arrived_at).total_seconds() for c in abandoned} == {6.0}


@pytest.mark.shared_data
def test_anonymous_bank_skips_phantoms_and_vru_hangups(shared_data):
    batch = real(shared_data, "anonymous_bank", "anonymous_bank/data_anonymous_bank_february.txt")
    assert batch.skipped == 278 + 1941 and not batch.rejections
    assert len(batch.contacts) == 33344 - 278 - 1941
    assert sum(1 for c in batch.contacts if c.answered_at) == 27162
    assert sum(1 for c in batch.contacts if c.abandoned_at) == 3963
    first = next(c for c in batch.contacts if c.source_id == "AA0101-34536")
    assert first.arrived_at == utc(1999, 2, 1, 5, 2, 55)  # 07:02:55 in Israel (UTC+2), not queued
    assert first.ended_at - first.answered_at == timedelta(seconds=166) and first.agent_id == "DORIT"
    israel = ZoneInfo("Asia/Jerusalem")
    over_midnight = [c for c in batch.contacts
                     if c.ended_at and c.ended_at.astimezone(israel).date() > c.arrived_at.astimezone(israel).date()]
    assert over_midnight and all(c.ended_at > c.answered_at for c in over_midnight)


@pytest.mark.shared_data
def test_support_tickets_reject_exactly_the_resolutions_before_first_response(shared_data):
    batch = real(shared_data, "support_tickets", "support_tickets/customer_support_tickets.csv")
    assert len(batch.rejections) == 1365
    assert {(r.field, r.reason.split(" (")[0]) for r in batch.rejections} == {("ended_at", "end before answer")}
    assert len(batch.contacts) == 2769 - 1365 == len(batch.surveys)
    assert {c.channel for c in batch.contacts} == {"email", "voice", "chat", "social"}
    assert {c.queue for c in batch.contacts} == {"Low", "Medium", "High", "Critical"}
