"""Day roll-ups: every day row equals the sum of its interval rows, and reads over days equal interval reads."""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import replace
from datetime import date, timedelta, timezone

import numpy as np
import pandas as pd
import pytest
from sqlalchemy import select

from collectors.pipeline import refresh_live, store_batch
from collectors.sources.simulator import SimulatorSource, backfill
from dashboard.metrics.counts import COUNT_FIELDS
from dashboard.metrics.windows import date_range, day_window, interval_starts, site_day
from dashboard.records import AgentStateInterval, Batch, Contact
from dashboard.settings import load_settings
from dashboard.store import raw, read
from dashboard.store.days import DayCut, day_runs, split_window, stored_cut
from dashboard.store.db import session_scope
from dashboard.store.models import (AgentDayStatRow, AgentIntervalStatRow, AgentStateDayStatRow, AgentStateStatRow,
                                    IntervalStatRow, QueueDayStatRow)
from dashboard.store.rebuild import rebuild_rollups
from tests.conftest import utc

BERLIN, RESET = "Europe/Berlin", 4
# Berlin moves to summer time at 02:00 on Sunday 2026-03-29: the site day of Saturday 28 March
# (04:00 to 04:00 on the wall) lasts 23 hours
DST_DAY = date(2026, 3, 28)
END = utc(2026, 3, 31, 10, 2, 30)
COUNTED = ((IntervalStatRow, QueueDayStatRow, ("queue", "channel"), COUNT_FIELDS),
           (AgentIntervalStatRow, AgentDayStatRow, ("agent_id", "queue", "channel"), COUNT_FIELDS),
           (AgentStateStatRow, AgentStateDayStatRow, ("agent_id", "state", "reason"), ("seconds",)))


@pytest.fixture
def site(settings, tmp_path):
    """The settings of a site in Berlin whose day starts at 04:00."""
    config = tmp_path / "berlin.toml"
    config.write_text(f'timezone = "{BERLIN}"\nday_reset_hour = {RESET}\n')
    return load_settings(environ={}, config_path=config, database_url=settings.database_url)


def _nonzero(values: dict) -> bool:
    return any(abs(v) > 1e-6 for v in values.values())


def day_rows(engine) -> dict:
    """Every day row by (table, day, keys), all-zero rows left out."""
    out = {}
    with session_scope(engine) as session:
        for _, model, keys, fields in COUNTED:
            for row in session.scalars(select(model)):
                values = {f: getattr(row, f) for f in fields}
                if _nonzero(values):
                    out[(model.__tablename__, row.day, *(getattr(row, k) for k in keys))] = values
    return out


def interval_sums(engine, tz, reset_hour: int) -> dict:
    """The interval rows summed per site day in Python: what every day row must hold."""
    sums: dict = defaultdict(lambda: defaultdict(float))
    with session_scope(engine) as session:
        for interval, model, keys, fields in COUNTED:
            for row in session.scalars(select(interval)):
                key = (model.__tablename__, site_day(row.interval_start, tz, reset_hour),
                       *(getattr(row, k) for k in keys))
                for f in fields:
                    sums[key][f] += getattr(row, f)
    return {key: dict(values) for key, values in sums.items() if _nonzero(values)}


def assert_close(left: dict, right: dict) -> None:
    assert left.keys() == right.keys()
    for key, values in left.items():
        for field, number in values.items():
            assert math.isclose(number, right[key][field], rel_tol=1e-9, abs_tol=1e-6), (key, field)


def assert_days_exact(engine, settings) -> None:
    assert_close(day_rows(engine), interval_sums(engine, settings.tz, settings.day_reset_hour))


def voice(source_id: str, arrived_at, **fields) -> Contact:
    return Contact(source="s", source_id=source_id, channel="voice", queue="Billing", arrived_at=arrived_at,
                   **fields)


def test_crafted_batches_keep_day_rows_equal_to_their_intervals(engine, site):
    # 03:50 Berlin (02:50 UTC) on 2 March is still site day 1 March: the reset hour is 04:00
    early = utc(2026, 3, 2, 2, 50)
    batch = Batch(contacts=[voice("c1", early), voice("c2", early + timedelta(hours=3),
                                                       answered_at=early + timedelta(hours=3, seconds=10),
                                                       ended_at=early + timedelta(hours=3, minutes=5), agent_id="a1")],
                  states=[AgentStateInterval("s", "st1", "a1", "available", early, early + timedelta(minutes=40))])
    store_batch(engine, site, "s", "fake", batch, {"n": 1}, early + timedelta(hours=4))
    assert_days_exact(engine, site)
    rows = day_rows(engine)
    assert rows[("queue_day_stats", date(2026, 3, 1), "Billing", "voice")]["offered"] == 1
    assert rows[("queue_day_stats", date(2026, 3, 2), "Billing", "voice")]["offered"] == 1
    # the state interval crosses the reset: 10 minutes on day 1, 30 on day 2
    assert rows[("agent_state_day_stats", date(2026, 3, 1), "a1", "available", "")]["seconds"] == 600.0
    assert rows[("agent_state_day_stats", date(2026, 3, 2), "a1", "available", "")]["seconds"] == 1800.0

    # c1 is answered and ended the next site day: its offer stays on day 1, the rest moves to day 2
    answered = voice("c1", early, answered_at=early + timedelta(minutes=15), ended_at=early + timedelta(minutes=30),
                     agent_id="a2")
    store_batch(engine, site, "s", "fake", Batch(contacts=[answered]), {"n": 2}, early + timedelta(hours=5))
    assert_days_exact(engine, site)
    rows = day_rows(engine)
    assert rows[("queue_day_stats", date(2026, 3, 2), "Billing", "voice")]["answered"] == 2
    assert rows[("agent_day_stats", date(2026, 3, 2), "a2", "Billing", "voice")]["ended"] == 1
    # the agent roll-up counts the offer where it happened, under the agent who took the contact
    assert rows[("agent_day_stats", date(2026, 3, 1), "a2", "Billing", "voice")]["offered"] == 1
    assert rows[("agent_day_stats", date(2026, 3, 1), "a2", "Billing", "voice")]["ended"] == 0


def test_a_repeat_flag_set_days_later_updates_the_first_contacts_day(engine, site):
    first_at = utc(2026, 3, 2, 9, 0)
    first = voice("c1", first_at, customer_id="k1", answered_at=first_at + timedelta(seconds=5),
                  ended_at=first_at + timedelta(minutes=4), agent_id="a1", resolved=True)
    store_batch(engine, site, "s", "fake", Batch(contacts=[first]), {"n": 1}, first_at + timedelta(hours=1))
    key = ("queue_day_stats", date(2026, 3, 2), "Billing", "voice")
    assert (day_rows(engine)[key]["first_contact_resolved"], day_rows(engine)[key]["repeated"]) == (1, 0)

    again = first_at + timedelta(days=3)
    store_batch(engine, site, "s", "fake", Batch(contacts=[voice("c2", again, customer_id="k1")]), {"n": 2},
                again + timedelta(minutes=1))
    rows = day_rows(engine)
    assert (rows[key]["first_contact_resolved"], rows[key]["repeated"]) == (0, 1)
    assert rows[("agent_day_stats", date(2026, 3, 2), "a1", "Billing", "voice")]["repeated"] == 1
    assert rows[("queue_day_stats", date(2026, 3, 5), "Billing", "voice")]["offered"] == 1
    assert_days_exact(engine, site)


def simulated(engine, settings) -> None:
    """Five simulated Berlin days over the change to summer time, then live ticks and clock advances."""
    start = END - timedelta(minutes=40)
    for number, batch in enumerate(backfill(5, 5, start, timezone=BERLIN, scale=0.15)):
        store_batch(engine, settings, "simulator", "simulator", batch, {"day": number}, start)
    source = SimulatorSource(seed=5, scale=0.15, timezone=BERLIN)
    cursor, now = source.cursor_at(start), start
    while now < END:
        now += timedelta(minutes=10)
        batch, cursor = source.poll(cursor, now)
        store_batch(engine, settings, source.name, source.kind, batch, cursor, now)
        refresh_live(engine, settings, now + timedelta(minutes=1))


def test_simulated_days_over_a_dst_change_equal_their_intervals(engine, site):
    simulated(engine, site)
    assert len(interval_starts(day_window(DST_DAY, site.tz, RESET))) == 92
    rows = day_rows(engine)
    assert {key[1] for key in rows} >= {DST_DAY - timedelta(days=1), DST_DAY, DST_DAY + timedelta(days=1)}
    assert_days_exact(engine, site)


def test_rebuild_rollups_rebuilds_the_days(engine, site):
    simulated(engine, site)
    with session_scope(engine) as session:
        session.execute(QueueDayStatRow.__table__.delete())
        session.execute(AgentStateDayStatRow.__table__.update().values(seconds=1.0))
    rebuild_rollups(engine, site, END, progress=False)
    assert_days_exact(engine, site)


def test_days_are_recut_when_the_zone_or_reset_hour_changes(engine, site):
    simulated(engine, site)
    moved = replace(site, timezone="America/New_York", day_reset_hour=0)
    store_batch(engine, moved, "s", "fake", Batch(contacts=[voice("late", END)]), {"n": 1}, END)
    with session_scope(engine) as session:
        assert stored_cut(session) == DayCut("America/New_York", 0)
    assert_days_exact(engine, moved)


def _interval_only(session) -> None:
    session.info["ccpulse.day_cut"] = None  # as if no day was built: every read sums intervals


def _same(days, intervals) -> None:
    """Equal results: counts exactly, seconds up to float rounding (summed in another order)."""
    if isinstance(days, dict):
        assert list(days) == list(intervals) or days.keys() == intervals.keys()
        for key in days:
            _same(days[key], intervals[key])
    elif isinstance(days, float):
        assert math.isclose(days, intervals, rel_tol=1e-9, abs_tol=1e-6)
    elif hasattr(days, "as_dict"):
        for field, value in days.as_dict().items():
            _same(float(value), float(getattr(intervals, field)))
    else:
        assert days == intervals


def test_reads_over_whole_days_equal_the_interval_reads(engine, site):
    simulated(engine, site)
    tz = site.tz
    whole = date_range(DST_DAY - timedelta(days=2), DST_DAY + timedelta(days=1), tz, RESET)
    ragged = replace(whole, start=whole.start + timedelta(hours=5, minutes=15), end=whole.end - timedelta(hours=2))
    with session_scope(engine) as session:
        agents = sorted(raw.agent_rows(session))[:3]
    for window in (whole, ragged, day_window(DST_DAY, tz, RESET)):
        results = []
        for interval_only in (False, True):
            with session_scope(engine) as session:
                if interval_only:
                    _interval_only(session)
                else:
                    assert split_window(session, window.start, window.end).first_day is not None
                start, end = window.start, window.end
                results.append([
                    *(read.counts_by(session, start, end, by, tz=tz, reset_hour=RESET)
                      for by in (None, "queue", "channel", "agent", "day", "week")),
                    read.counts_by(session, start, end, "queue", agents=agents),
                    read.counts_by(session, start, end, "day", tz=tz, reset_hour=RESET, queues=["Billing"]),
                    read.state_seconds_by_agent(session, start, end),
                    read.state_seconds_by_agent(session, start, end, agents),
                    read.aux_seconds_by_reason(session, start, end),
                    read.aux_seconds_by_agent(session, start, end, agents),
                    read.agent_counts_by_day(session, start, end, agents, tz=tz, reset_hour=RESET),
                    read.queue_channels(session, start, end),
                ])
        days, intervals = results
        assert days[0]["all"].offered > 0
        for by_days, by_intervals in zip(days, intervals):
            _same(by_days, by_intervals)


def test_reads_cut_another_way_fall_back_to_intervals(engine, site):
    simulated(engine, site)
    whole = date_range(DST_DAY - timedelta(days=1), DST_DAY + timedelta(days=1), site.tz, RESET)
    with session_scope(engine) as session:
        assert split_window(session, whole.start, whole.end, site.tz, 0).first_day is None
        by_utc_day = read.counts_by(session, whole.start, whole.end, "day", tz=site.tz, reset_hour=0)
        _interval_only(session)
        _same(by_utc_day, read.counts_by(session, whole.start, whole.end, "day", tz=site.tz, reset_hour=0))


def test_day_runs_cut_at_site_days_across_a_dst_change(settings):
    """Interval starts over 2026-03-07..10 in New York (clocks forward on the 8th), days from 6 am:
    each run begins where ``day_sums`` begins a day. The site day of the 7th runs from 6 am EST
    (11:00 UTC) to 6 am EDT on the 8th (10:00 UTC): 23 hours, 92 intervals; the next two 96."""
    settings = replace(settings, timezone="America/New_York", day_reset_hour=6)
    starts = np.arange(np.datetime64("2026-03-07T11:00", "us"), np.datetime64("2026-03-10T10:00", "us"),
                       np.timedelta64(15, "m"))
    day = [site_day(at.replace(tzinfo=timezone.utc), settings.tz, 6) for at in pd.DatetimeIndex(starts).to_pydatetime()]
    runs = day_runs(settings, starts, 10)
    assert [first for first, _ in runs] == [0] + [n for n in range(1, len(day)) if day[n] != day[n - 1]]
    assert [stop - first for first, stop in runs] == [92, 96, 96]
    assert day_runs(settings, starts, 2) == [(0, 188), (188, len(starts))]
