"""The collector's SQLite engine leaves the write-ahead log to its own checkpoint job."""

from __future__ import annotations

from sqlalchemy import text

from dashboard.store.db import checkpoint, make_engine, upgrade_database


def test_commits_on_a_manual_engine_leave_the_log_and_checkpoint_copies_it(tmp_path):
    url = f"sqlite:///{tmp_path / 'store.db'}"
    upgrade_database(url)
    engine = make_engine(url, manual_checkpoints=True)
    with engine.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA wal_autocheckpoint").scalar() == 0
        connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
        for number in range(2000):  # well past the default 1000-page automatic checkpoint
            connection.execute(text("INSERT INTO agents (agent_id, source, name, skills) VALUES (:a, 's', :n, '')"),
                               {"a": f"a{number}", "n": "x" * 3000})
            connection.commit()
    wal = tmp_path / "store.db-wal"
    assert wal.stat().st_size > 1000 * 4096  # nothing copied back by the commits themselves
    assert checkpoint(engine) > 1000
    with engine.connect() as connection:
        assert connection.exec_driver_sql("SELECT count(*) FROM agents").scalar() == 2000
    engine.dispose()


def test_an_ordinary_engine_checkpoints_by_itself(tmp_path):
    url = f"sqlite:///{tmp_path / 'store.db'}"
    upgrade_database(url)
    engine = make_engine(url)
    with engine.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA wal_autocheckpoint").scalar() == 1000
    engine.dispose()


def test_checkpoint_is_nothing_to_do_on_postgresql(postgres_url):
    engine = make_engine(postgres_url)
    assert checkpoint(engine) is None
    engine.dispose()
