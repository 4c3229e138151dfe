"""The journal (``collectors.journal``): polls journaled, live facts at once, filed in bulk, exactly once.

What the collector files from its journal must equal what filing each batch at once
gives (both equal the roll-ups rebuilt from the stored contacts), its memory must equal
a fresh read of the store and the journal after every tick, and a batch journaled
before a stop or a failed filing is filed once, never twice, never lost.
"""

from __future__ import annotations

import threading
from dataclasses import replace
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from collectors import journal
from collectors.live import LiveState
from collectors.pipeline import poll_once, refresh_live, store_batch
from collectors.snapshot import board_payload, build_snapshots, window_starts
from collectors.sources.fake import FakeSource
from collectors.sources.simulator import SimulatorSource, backfill
from dashboard.records import Agent, AgentStateInterval, Batch, Contact, SurveyResponse
from dashboard.store.db import session_scope
from dashboard.store.models import ContactRow, JournalRow, SourceStateRow
from dashboard.store.rebuild import rebuild_rollups
from dashboard.store.write import ROLLUP_CLOCK, clock_batches
from tests.collectors.test_live import rounded, with_board
from tests.conftest import utc
from tests.store.test_rebuild import assert_same, snapshot

START = utc(2026, 3, 2, 23, 20, 0)


def journal_rows(engine) -> int:
    with session_scope(engine) as session:
        return session.scalar(select(func.count()).select_from(JournalRow))


def fresh_snapshots(engine, settings, now) -> dict:
    """What the snapshot would be if the memory were read now from the store and the journal."""
    with session_scope(engine) as session:
        state = LiveState()
        state.load(session, min(window_starts(now, settings).values()),
                   clock_batches(session.get(SourceStateRow, ROLLUP_CLOCK)))
        state.take_facts(journal.facts(journal.read_new(session, {}), settings.tz))
        return {**build_snapshots(session, settings, now, state), ("agents", "all"): board_payload(state, now)}


def test_every_kind_of_record_comes_back_from_the_journal_as_it_went_in():
    batch = Batch(
        contacts=[Contact(source="s", source_id="c1", channel="voice", queue="Billing", arrived_at=START,
                          customer_id="k1", answered_at=START + timedelta(seconds=7.25), agent_id="a1",
                          wrap_seconds=12.5, transfer_count=1, resolved=True, topic="refund"),
                  Contact(source="s", source_id="c2", channel="email", queue="Mail", arrived_at=START)],
        states=[AgentStateInterval(source="s", source_id="st1", agent_id="a1", state="away", started_at=START,
                                   ended_at=START + timedelta(minutes=3), reason="lunch")],
        surveys=[SurveyResponse(source="s", source_id="v1", contact_source_id="c1", kind="csat", score=5,
                                responded_at=START + timedelta(hours=1), comment="thanks, ça va")],
        agents=[Agent(source="s", agent_id="a1", name="Ada", team="Blue", skills=("Billing", "Mail"))])
    assert journal.decode(journal.encode(batch)) == batch


def test_a_time_without_its_zone_fails_the_poll_not_a_later_filing(engine, settings):
    naive = Contact(source="fake", source_id="n1", channel="voice", queue="Billing",
                    arrived_at=START.replace(tzinfo=None))
    outcome = poll_once(engine, settings, FakeSource(batches=[Batch(contacts=[naive])]), START, LiveState(),
                        journaled=True)
    assert not outcome.ok and "arrived_at" in outcome.error and "no time zone" in outcome.error
    assert journal_rows(engine) == 0


def test_journaled_ticks_filed_in_bulk_equal_the_rollups_rebuilt_from_the_contacts(engine, settings):
    settings = replace(settings, file_seconds=15 * 60)
    start = utc(2026, 3, 3, 13, 22, 30)
    for number, batch in enumerate(backfill(3, 2, start, scale=0.3)):
        store_batch(engine, settings, "simulator", "simulator", batch, {"day": number}, start)
    source, live = SimulatorSource(seed=3, scale=0.3), LiveState()
    cursor, now, filings = source.cursor_at(start), start, 0
    for _ in range(8):  # every 5 minutes, filed every 15: a contact changes between polls and filings
        now += timedelta(minutes=5)
        batch, cursor = source.poll(cursor, now)
        store_batch(engine, settings, source.name, source.kind, batch, cursor, now, live, journaled=True)
        pending = journal_rows(engine)
        refresh_live(engine, settings, now, live=live)
        filings += journal_rows(engine) < pending
    refresh_live(engine, settings, now, live=live, file=True)
    assert filings >= 2 and journal_rows(engine) == 0
    filed = snapshot(engine)
    rebuild_rollups(engine, settings, now, progress=False)
    assert_same(snapshot(engine), filed)


def test_the_memory_equals_a_fresh_read_of_store_and_journal_after_every_tick(engine, settings):
    settings = replace(settings, timezone="Asia/Tokyo", file_seconds=6 * 60)  # midnight at 15:00 UTC
    source, live = SimulatorSource(name="simulator", seed=3, scale=0.3), LiveState()
    at, after_refresh, most_waiting = utc(2026, 3, 2, 14, 20), set(), 0
    for _ in range(30):  # 14:20 to 15:20 UTC, every two minutes, filed every third tick
        assert poll_once(engine, settings, source, at, live, journaled=True).ok
        kept = with_board(engine, refresh_live(engine, settings, at, live=live))
        after_refresh.add("pending" if journal_rows(engine) else "filed")
        assert live.batches is not None  # followed, not reloaded
        assert rounded(kept) == rounded(fresh_snapshots(engine, settings, at)), at
        most_waiting = max(most_waiting, sum(len(arrivals) for arrivals in live.waiting.values()))
        at += timedelta(minutes=2)
    assert after_refresh == {"pending", "filed"} and most_waiting > 0 and live.board.states


def test_waiting_shows_at_once_and_counts_when_filed(engine, settings):
    settings = replace(settings, file_seconds=30)
    live = LiveState()
    refresh_live(engine, settings, START, live=live)  # files (nothing yet): the next filing is due at +30 s
    waiting = Contact(source="fake", source_id="w1", channel="voice", queue="Billing",
                      arrived_at=START + timedelta(seconds=2))
    store_batch(engine, settings, "fake", "fake", Batch(contacts=[waiting]), {"n": 1}, START + timedelta(seconds=5),
                journaled=True)  # a poll of another process: the memory is not told
    snapshots = refresh_live(engine, settings, START + timedelta(seconds=10), live=live)
    assert snapshots[("queue", "Billing")]["live"]["waiting"] == 1
    assert snapshots[("queue", "Billing")]["counts"]["today"]["offered"] == 0  # not filed yet
    snapshots = refresh_live(engine, settings, START + timedelta(seconds=30), live=live)
    assert snapshots[("queue", "Billing")]["counts"]["today"]["offered"] == 1
    assert snapshots[("queue", "Billing")]["live"]["waiting"] == 1
    assert journal_rows(engine) == 0


def test_a_poll_hands_its_batch_to_the_memory_which_then_need_not_read_it_back(engine, settings, monkeypatch):
    live, now = LiveState(), START + timedelta(seconds=5)
    refresh_live(engine, settings, START, live=live)
    waiting = Contact(source="fake", source_id="w1", channel="voice", queue="Billing", arrived_at=START)
    store_batch(engine, settings, "fake", "fake", Batch(contacts=[waiting]), {"n": 1}, now, live, journaled=True)
    assert [entry.records for entry in live.unread] == [None]  # the batch itself, not its JSON
    monkeypatch.setattr(journal, "_batch_of", None)  # neither its facts nor its filing parse the JSON back
    snapshots = refresh_live(engine, settings, now, live=live)
    assert snapshots[("queue", "Billing")]["live"]["waiting"] == 1
    assert snapshots[("queue", "Billing")]["counts"]["today"]["offered"] == 1 and journal_rows(engine) == 0


def test_a_poll_holds_the_memory_from_before_its_commit_until_it_hands_its_batch_over(engine, settings,
                                                                                     monkeypatch):
    # a refresh in between (PostgreSQL polls in threads beside the live job) would read the row back
    # and, once handed over too, take its facts twice: an answered contact waiting again
    live, free_while_journaling = LiveState(), []
    real_append = journal.append

    def try_lock():
        free_while_journaling.append(live.lock.acquire(blocking=False))
        if free_while_journaling[-1]:
            live.lock.release()

    def append(*args):
        probe = threading.Thread(target=try_lock)
        probe.start()
        probe.join()
        return real_append(*args)

    monkeypatch.setattr(journal, "append", append)
    waiting = Contact(source="fake", source_id="w1", channel="voice", queue="Billing", arrived_at=START)
    store_batch(engine, settings, "fake", "fake", Batch(contacts=[waiting]), {"n": 1}, START, live, journaled=True)
    assert free_while_journaling == [False] and len(live.unread) == 1


def test_a_batch_journaled_before_a_stop_is_filed_once_by_the_next_collector(engine, settings):
    answered = Contact(source="fake", source_id="c1", channel="voice", queue="Billing", agent_id="a1",
                       arrived_at=START, answered_at=START + timedelta(seconds=10))
    assert poll_once(engine, settings, FakeSource(batches=[Batch(contacts=[answered])]), START + timedelta(seconds=20),
                     LiveState(), journaled=True).ok  # then the collector stopped before filing
    for seconds in (30, 60):  # a new collector's first refresh files it; the next finds nothing to file
        snapshots = refresh_live(engine, settings, START + timedelta(seconds=seconds), live=LiveState())
        assert snapshots[("queue", "Billing")]["counts"]["today"]["answered"] == 1
    with session_scope(engine) as session:
        assert session.scalar(select(func.count()).select_from(ContactRow)) == 1


def test_a_failed_filing_keeps_the_journal_and_files_it_next_time(engine, settings, monkeypatch):
    settings = replace(settings, file_seconds=60)
    live = LiveState()
    refresh_live(engine, settings, START + timedelta(seconds=60), live=live)  # filed: the next is due at +120 s
    ended = Contact(source="fake", source_id="c1", channel="voice", queue="Billing", agent_id="a1", arrived_at=START,
                    answered_at=START + timedelta(seconds=10), ended_at=START + timedelta(seconds=70))
    store_batch(engine, settings, "fake", "fake", Batch(contacts=[ended]), {}, START + timedelta(seconds=75),
                live, journaled=True)

    def broken(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr("collectors.pipeline.refresh_days", broken)
    with pytest.raises(RuntimeError):
        refresh_live(engine, settings, START + timedelta(seconds=80), live=live, file=True)
    assert journal_rows(engine) == 1 and live.batches is None
    monkeypatch.undo()
    # tried again at the next refresh, not file_seconds later: the counts must not stand still unseen
    snapshots = refresh_live(engine, settings, START + timedelta(seconds=85), live=live)
    assert snapshots[("queue", "Billing")]["counts"]["today"]["ended"] == 1
    assert journal_rows(engine) == 0


def test_rows_the_store_refuses_are_set_aside_with_why_and_the_other_sources_filed(engine, settings, monkeypatch):
    from collectors import pipeline

    live = LiveState()
    refresh_live(engine, settings, START, live=live)
    for source in ("good", "bad"):
        waiting = Contact(source=source, source_id="w1", channel="voice", queue=f"Q {source}",
                          arrived_at=START + timedelta(seconds=2))
        store_batch(engine, settings, source, "fake", Batch(contacts=[waiting]), {}, START + timedelta(seconds=5),
                    journaled=True)
    upsert = pipeline.upsert_contacts

    def refusing(session, source, *args, **kwargs):
        if source == "bad":
            raise ValueError("value too long for type character varying(128)")
        return upsert(session, source, *args, **kwargs)

    monkeypatch.setattr(pipeline, "upsert_contacts", refusing)
    snapshots = refresh_live(engine, settings, START + timedelta(seconds=10), live=live, file=True)
    assert snapshots[("queue", "Q good")]["counts"]["today"]["offered"] == 1
    assert ("queue", "Q bad") not in snapshots  # its waiting contact was never stored: not shown either
    with session_scope(engine) as session:
        kept = session.execute(select(JournalRow.source, JournalRow.error)).all()
        bad = session.get(SourceStateRow, "bad")
        assert [source for source, _ in kept] == ["bad"] and "could not be filed" in kept[0][1]
        assert bad.consecutive_failures == 1 and "character varying(128)" in bad.last_error
    monkeypatch.undo()
    refresh_live(engine, settings, START + timedelta(seconds=15), live=live, file=True)  # not tried again
    assert journal_rows(engine) == 1


def test_set_aside_rows_are_filed_after_refile_journal(engine, settings, monkeypatch, caplog):
    import logging

    from dashboard.cli import main

    monkeypatch.setenv("CCPULSE_DATABASE_URL", settings.database_url)
    answered = Contact(source="bad", source_id="c1", channel="voice", queue="Billing", agent_id="a1",
                       arrived_at=START, answered_at=START + timedelta(seconds=10))
    store_batch(engine, settings, "bad", "fake", Batch(contacts=[answered]), {}, START + timedelta(seconds=15),
                journaled=True)
    with session_scope(engine) as session:  # as _file_journal leaves a source's refused rows
        journal.set_aside(session, journal.read_new(session, {}), "journal rows 1-1 could not be filed: Boom")
    assert ("queue", "Billing") not in refresh_live(engine, settings, START + timedelta(seconds=20), file=True)
    assert journal_rows(engine) == 1  # set aside: kept, not filed
    with caplog.at_level(logging.INFO):
        assert main(["db", "refile-journal"]) == 0
    assert "bad: 1 poll(s) back in line" in caplog.text and "Boom" in caplog.text
    snapshots = refresh_live(engine, settings, START + timedelta(seconds=25), file=True)
    assert snapshots[("queue", "Billing")]["counts"]["today"]["answered"] == 1
    assert journal_rows(engine) == 0


def test_a_poll_committing_while_the_live_job_files_neither_fails_nor_loses_a_batch(engine, settings, monkeypatch):
    """Seen in a running collector: the live job's filing read the contacts, a poll journaled its
    batch and committed, and the filing's first write then failed at once with "database is locked"
    (SQLite will not let a transaction that read an older state write over a newer one). The live
    job takes the store's write lock first, so the poll waits for it instead."""
    from collectors import pipeline

    first = Contact(source="fake", source_id="c1", channel="voice", queue="Billing", agent_id="a1",
                    arrived_at=START, answered_at=START + timedelta(seconds=10))
    second = replace(first, source_id="c2", arrived_at=START + timedelta(seconds=12), answered_at=None)
    refresh_live(engine, settings, START, live=LiveState(), file=True)  # the roll-up clock's row exists
    store_batch(engine, settings, "fake", "fake", Batch(contacts=[first]), {}, START + timedelta(seconds=15),
                journaled=True)
    file_records, polled = pipeline.file_records, []

    def poll_meanwhile():
        store_batch(engine, settings, "fake", "fake", Batch(contacts=[second]), {"n": 2},
                    START + timedelta(seconds=18), journaled=True)
        polled.append(True)

    def filing_while_a_poll_commits(session, *args, **kwargs):
        session.scalar(select(func.count()).select_from(ContactRow))  # the filing has read the store
        poll = threading.Thread(target=poll_meanwhile)
        poll.start()
        poll.join(timeout=2)  # it commits now unless the live job holds the write lock
        return file_records(session, *args, **kwargs)

    monkeypatch.setattr(pipeline, "file_records", filing_while_a_poll_commits)
    snapshots = refresh_live(engine, settings, START + timedelta(seconds=20), live=LiveState(), file=True)
    assert snapshots[("queue", "Billing")]["counts"]["today"]["answered"] == 1
    monkeypatch.undo()
    for _ in range(100):  # the poll waited for the live job's commit, then committed its own
        if polled:
            break
        threading.Event().wait(0.05)
    assert polled == [True] and journal_rows(engine) == 1
    with session_scope(engine) as session:
        assert session.scalar(select(func.count()).select_from(JournalRow).where(JournalRow.error.is_not(None))) == 0
    snapshots = refresh_live(engine, settings, START + timedelta(seconds=25), live=LiveState(), file=True)
    assert snapshots[("queue", "Billing")]["counts"]["today"]["offered"] == 2 and journal_rows(engine) == 0


def test_a_fault_of_the_store_while_filing_sets_nothing_aside_and_is_tried_again(engine, settings, monkeypatch):
    """A disk or lock error says nothing of the rows: they stay in line, not set aside for a manual
    ``refile-journal``, and the next refresh files them."""
    import sqlite3

    from sqlalchemy.exc import OperationalError

    from collectors import pipeline

    refresh_live(engine, settings, START, live=LiveState())
    answered = Contact(source="fake", source_id="c1", channel="voice", queue="Billing", agent_id="a1",
                       arrived_at=START, answered_at=START + timedelta(seconds=10))
    store_batch(engine, settings, "fake", "fake", Batch(contacts=[answered]), {}, START + timedelta(seconds=15),
                journaled=True)

    def disk_error(*args, **kwargs):
        raise OperationalError("INSERT INTO contacts ...", {}, sqlite3.OperationalError("disk I/O error"))

    monkeypatch.setattr(pipeline, "upsert_contacts", disk_error)
    with pytest.raises(OperationalError, match="disk I/O error"):
        refresh_live(engine, settings, START + timedelta(seconds=20), live=LiveState(), file=True)
    monkeypatch.undo()
    with session_scope(engine) as session:
        assert session.execute(select(JournalRow.error)).all() == [(None,)]
        assert not session.get(SourceStateRow, "fake").last_error
    snapshots = refresh_live(engine, settings, START + timedelta(seconds=25), live=LiveState(), file=True)
    assert snapshots[("queue", "Billing")]["counts"]["today"]["answered"] == 1
    assert journal_rows(engine) == 0
