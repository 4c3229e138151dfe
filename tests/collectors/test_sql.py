"""The SQL sources against real servers: a CDR table and Asterisk's queue_log table, polled by key."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest
import sqlalchemy as sa

from collectors.sources.asterisk import AsteriskTableSource
from collectors.sources.mapping import parse_mapping
from collectors.sources.registry import build_source
from collectors.sources.sql import SqlSource
from dashboard.settings import SettingsError

NOW = datetime(2026, 1, 1, tzinfo=timezone.utc)
MARIADB_URL = "mysql+pymysql://root@127.0.0.1:3306/test"

CDR_MAPPING = parse_mapping({
    "source": {"timezone": "Europe/Paris"},
    "contact": {
        "source_id": {"column": "id"},
        "channel": {"value": "voice"},
        "queue": {"column": "queue"},
        "arrived_at": {"column": "started", "format": "iso"},  # a naive TIMESTAMP: local in the zone
        "answered_at": {"after": "arrived_at", "column": "wait_ms", "unit": "ms"},
        "ended_at": {"after": "answered_at", "column": "talk_s", "unit": "s"},
    },
})


def cdr_table(engine: sa.Engine) -> sa.Table:
    metadata = sa.MetaData()
    table = sa.Table("cdr", metadata, sa.Column("id", sa.Integer, primary_key=True),
                     sa.Column("queue", sa.String(20)), sa.Column("started", sa.DateTime),
                     sa.Column("wait_ms", sa.Integer), sa.Column("talk_s", sa.Integer))
    metadata.create_all(engine)
    return table


def poll_until_empty(source, cursor: dict) -> tuple[list, list, dict]:
    contacts, rejections = [], []
    for _ in range(20):
        batch, cursor = source.poll(cursor, NOW)
        if not len(batch) and not batch.rejections:
            break
        contacts += batch.contacts
        rejections += batch.rejections
    return contacts, rejections, cursor


def check_cdr_polling(url: str) -> None:
    engine = sa.create_engine(url)
    table = cdr_table(engine)
    with engine.begin() as connection:
        connection.execute(table.insert(), [
            {"id": i, "queue": "sales", "started": datetime(2024, 7, 1, 9, 0, i), "wait_ms": 1500 * i,
             "talk_s": 60} for i in range(1, 6)])
        connection.execute(table.insert(), [{"id": 6, "queue": "sales", "started": datetime(2024, 7, 1, 9, 1),
                                             "wait_ms": -4000, "talk_s": 60}])
    source = SqlSource("cdr", url, "cdr", "id", CDR_MAPPING, batch_size=2)
    contacts, rejections, cursor = poll_until_empty(source, {})
    assert [c.source_id for c in contacts] == ["1", "2", "3", "4", "5"]
    assert contacts[0].arrived_at == datetime(2024, 7, 1, 7, 0, 1, tzinfo=timezone.utc)  # Paris is UTC+2 in July
    assert (contacts[2].answered_at - contacts[2].arrived_at).total_seconds() == 4.5  # 4500 ms
    assert [(r.location, r.field) for r in rejections] == [("cdr id 6", "answered_at")]
    again, _, same = poll_until_empty(source, cursor)
    assert again == [] and same == cursor  # polling the same data again adds nothing
    with engine.begin() as connection:
        connection.execute(table.insert(), [{"id": 7, "queue": "sales", "started": datetime(2024, 7, 1, 9, 2),
                                             "wait_ms": 0, "talk_s": 5}])
    new, _, _ = poll_until_empty(source, cursor)
    assert [c.source_id for c in new] == ["7"]
    engine.dispose()


def test_sql_source_polls_a_cdr_table_in_postgresql(postgres_url):
    check_cdr_polling(postgres_url)


def test_sql_source_polls_a_cdr_table_in_mariadb():
    try:
        engine = sa.create_engine(MARIADB_URL, connect_args={"connect_timeout": 3})
        with engine.begin() as connection:
            connection.execute(sa.text("DROP TABLE IF EXISTS cdr"))
        engine.dispose()
    except Exception as error:  # noqa: BLE001 - any failure means "no MariaDB here"
        pytest.skip(f"no MariaDB at {MARIADB_URL}: {type(error).__name__}")
    check_cdr_polling(MARIADB_URL)


def test_timestamp_key_with_ties_neither_loses_nor_repeats_rows(postgres_url):
    engine = sa.create_engine(postgres_url)
    table = cdr_table(engine)
    same = datetime(2024, 7, 1, 9, 0, 0)
    with engine.begin() as connection:
        connection.execute(table.insert(), [{"id": i, "queue": "q", "started": same, "wait_ms": 0, "talk_s": 1}
                                            for i in range(1, 4)])
    source = SqlSource("cdr", postgres_url, "cdr", "started", CDR_MAPPING, batch_size=2)
    first, _, cursor = poll_until_empty(source, {})
    with engine.begin() as connection:  # a late row with the same timestamp
        connection.execute(table.insert(), [{"id": 9, "queue": "q", "started": same, "wait_ms": 0, "talk_s": 1}])
    late, _, _ = poll_until_empty(source, cursor)
    assert sorted(c.source_id for c in first) == ["1", "2", "3"] and [c.source_id for c in late] == ["9"]
    engine.dispose()


def test_asterisk_queue_log_table_with_stock_columns(postgres_url):
    engine = sa.create_engine(postgres_url)
    metadata = sa.MetaData()
    columns = [sa.Column("id", sa.Integer, primary_key=True), sa.Column("time", sa.String(32))]
    columns += [sa.Column(n, sa.String(80)) for n in ("callid", "queuename", "agent", "event")]
    columns += [sa.Column(f"data{i}", sa.String(80)) for i in range(1, 6)]
    table = sa.Table("queue_log", metadata, *columns)
    metadata.create_all(engine)
    rows = [("2024-07-01 09:00:00.250000", "c1", "q", "NONE", "ENTERQUEUE", "", "5550100", "1"),
            ("2024-07-01 09:00:04.250000", "c1", "q", "SIP/200", "CONNECT", "4", "b", "1"),
            ("2024-07-01 09:01:04.250000", "c1", "q", "SIP/200", "COMPLETEAGENT", "4", "60", "1"),
            ("2024-07-01 09:02:00", "NONE", "NONE", "NONE", "QUEUESTART", "", "", "")]
    with engine.begin() as connection:
        connection.execute(table.insert(), [dict(zip(("time", "callid", "queuename", "agent", "event", "data1",
                                                      "data2", "data3"), row)) for row in rows])
    source = AsteriskTableSource("pbxdb", postgres_url, timezone="America/New_York")
    batch, cursor = source.poll({}, NOW)
    call = batch.contacts[0]
    assert call.arrived_at == datetime(2024, 7, 1, 13, 0, 0, 250000, tzinfo=timezone.utc)  # EDT = UTC-4
    assert (call.ended_at - call.answered_at).total_seconds() == 60 and batch.skipped == 1
    assert cursor["key"] == 4 and cursor["state"]["calls"] == {}
    engine.dispose()


def test_build_source_makes_each_kind_and_names_bad_keys(settings, tmp_path):
    mapping = tmp_path / "m.toml"
    mapping.write_text('[contact]\nsource_id = { column = "id" }\n')
    assert build_source({"name": "a", "kind": "asterisk_file", "path": "/var/log/asterisk/queue_log"},
                        settings).kind == "asterisk_file"
    assert build_source({"name": "b", "kind": "drop_folder", "folder": str(tmp_path), "mapping": str(mapping),
                         "pattern": "*.csv"}, settings).kind == "drop_folder"
    assert build_source({"name": "c", "kind": "sql", "url": "postgresql://x@h/db", "table": "cdr", "key": "id",
                         "mapping": str(mapping)}, settings).url.startswith("postgresql+psycopg://")
    for spec, key in [({"name": "d", "kind": "ftp"}, "sources[d].kind"),
                      ({"name": "e", "kind": "files", "path": "x.csv"}, "sources[e].mapping"),
                      ({"name": "f", "kind": "asterisk_file", "path": "q", "colour": 1}, "sources[f].colour"),
                      ({"name": "g", "kind": "asterisk_table", "url": "u", "timezone": "Nowhere"},
                       "sources[g].timezone"),
                      ({"name": "h", "kind": "asterisk_table", "url": "u", "layout": "x"}, "sources[h].layout")]:
        with pytest.raises(SettingsError, match=key.replace("[", r"\[").replace("]", r"\]")):
            build_source(spec, settings)
