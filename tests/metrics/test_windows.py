"""Site days, ISO weeks, date ranges and rolling windows, including DST days and year ends."""

from __future__ import annotations

from datetime import date, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings, strategies as st

from dashboard.metrics.windows import (Window, date_range, day_window, days_in, interval_starts, iso_week,
                                       live_windows, rolling, site_day, site_week, today, week_start,
                                       week_window, weeks_in)
from tests.conftest import utc

NEW_YORK, BERLIN, UTC = ZoneInfo("America/New_York"), ZoneInfo("Europe/Berlin"), ZoneInfo("UTC")


@pytest.mark.parametrize("tz, day, hours, intervals", [
    # New York springs forward 2026-03-08 02:00 → 03:00: 23 h = 92 intervals
    (NEW_YORK, date(2026, 3, 8), 23, 92),
    # and falls back 2026-11-01 02:00 → 01:00: 25 h = 100 intervals
    (NEW_YORK, date(2026, 11, 1), 25, 100),
    # Berlin: 2026-03-29 (23 h) and 2026-10-25 (25 h)
    (BERLIN, date(2026, 3, 29), 23, 92),
    (BERLIN, date(2026, 10, 25), 25, 100),
    (BERLIN, date(2026, 6, 1), 24, 96),
])
def test_dst_days_have_92_or_100_intervals(tz, day, hours, intervals):
    window = day_window(day, tz)
    assert window.seconds == hours * 3600
    assert len(interval_starts(window)) == intervals


def test_day_bounds_follow_the_wall_clock():
    # New York 2026-03-08: midnight EST (05:00 UTC) to midnight EDT next day (04:00 UTC)
    assert day_window(date(2026, 3, 8), NEW_YORK) == Window(utc(2026, 3, 8, 5), utc(2026, 3, 9, 4))
    # Berlin 2026-10-25: midnight CEST (22:00 UTC the day before) to midnight CET (23:00 UTC)
    assert day_window(date(2026, 10, 25), BERLIN) == Window(utc(2026, 10, 24, 22), utc(2026, 10, 25, 23))


def test_reset_hour_moves_the_day_start():
    # reset at 06:00 Berlin (UTC+1 in January): 05:30 UTC = 06:30 local is today; 04:30 UTC = 05:30 is yesterday
    assert site_day(utc(2026, 1, 15, 5, 30), BERLIN, 6) == date(2026, 1, 15)
    assert site_day(utc(2026, 1, 15, 4, 30), BERLIN, 6) == date(2026, 1, 14)
    assert today(utc(2026, 1, 15, 4, 30), BERLIN, 6) == Window(utc(2026, 1, 14, 5), utc(2026, 1, 15, 5))


def test_reset_hour_on_dst_days():
    # reset 02:00 in a spring-forward gap resolves to the jump (03:00 CEST = 01:00 UTC); the
    # day still has 23 hours. New York with reset 02:00: the 25-hour day is the one *before* the
    # fall-back day (Oct 31 02:00 EDT → Nov 1 02:00 EST)
    assert day_window(date(2026, 3, 29), BERLIN, 2) == Window(utc(2026, 3, 29, 1), utc(2026, 3, 30, 0))
    assert day_window(date(2026, 10, 31), NEW_YORK, 2).seconds == 25 * 3600
    assert day_window(date(2026, 11, 1), NEW_YORK, 2).seconds == 24 * 3600


def test_iso_week_across_a_year_end():
    # 2027-01-01 is a Friday in ISO week 53 of 2026, which runs Mon 2026-12-28 to Sun 2027-01-03
    assert week_start(date(2027, 1, 1)) == date(2026, 12, 28)
    assert iso_week(date(2027, 1, 1)) == (2026, 53)
    assert iso_week(date(2027, 1, 4)) == (2027, 1)
    week = week_window(date(2026, 12, 28), BERLIN)
    assert week == Window(utc(2026, 12, 27, 23), utc(2027, 1, 3, 23))
    # the Sunday evening 2027-01-03 23:30 Berlin (22:30 UTC) still belongs to that week
    assert site_week(utc(2027, 1, 3, 22, 30), BERLIN) == date(2026, 12, 28)
    assert site_week(utc(2027, 1, 3, 23, 0), BERLIN) == date(2027, 1, 4)


def test_week_holding_a_dst_change_has_167_hours():
    assert week_window(date(2026, 3, 23), BERLIN).seconds == 167 * 3600


def test_date_range_is_inclusive_whole_days():
    window = date_range(date(2026, 3, 7), date(2026, 3, 8), NEW_YORK)
    # 7 March (24 h, EST) + 8 March (23 h) = 47 h, from 05:00 UTC
    assert window == Window(utc(2026, 3, 7, 5), utc(2026, 3, 9, 4))
    assert days_in(window, NEW_YORK) == [date(2026, 3, 7), date(2026, 3, 8)]
    with pytest.raises(ValueError):
        date_range(date(2026, 3, 8), date(2026, 3, 7), NEW_YORK)


def test_weeks_in_a_range_across_the_year_end():
    window = date_range(date(2026, 12, 25), date(2027, 1, 5), UTC)
    assert weeks_in(window, UTC) == [date(2026, 12, 21), date(2026, 12, 28), date(2027, 1, 4)]


@pytest.mark.parametrize("now, minutes, start, end", [
    # 14:37: "last 30 min" is the 14:30 interval so far and 14:15 → since 14:15
    (utc(2026, 3, 2, 14, 37), 30, utc(2026, 3, 2, 14, 15), utc(2026, 3, 2, 14, 45)),
    (utc(2026, 3, 2, 14, 37), 15, utc(2026, 3, 2, 14, 30), utc(2026, 3, 2, 14, 45)),
    (utc(2026, 3, 2, 14, 37), 60, utc(2026, 3, 2, 13, 45), utc(2026, 3, 2, 14, 45)),
    # exactly on a boundary: the new interval has just begun
    (utc(2026, 3, 2, 14, 30), 30, utc(2026, 3, 2, 14, 15), utc(2026, 3, 2, 14, 45)),
])
def test_rolling_windows_are_whole_intervals(now, minutes, start, end):
    assert rolling(now, minutes) == Window(start, end)


def test_live_windows():
    windows = live_windows(utc(2026, 3, 2, 14, 37), BERLIN, 0)
    assert set(windows) == {"today", "15m", "30m", "60m"}
    assert windows["today"] == Window(utc(2026, 3, 1, 23), utc(2026, 3, 2, 23))
    assert len(interval_starts(windows["60m"])) == 4


def test_naive_times_are_refused():
    from datetime import datetime
    with pytest.raises(ValueError):
        rolling(datetime(2026, 3, 2, 14, 37), 30)


@settings(max_examples=100, deadline=None)
@given(days=st.integers(0, 3 * 365), tz=st.sampled_from([NEW_YORK, BERLIN, UTC, ZoneInfo("Asia/Kathmandu")]),
       reset=st.integers(0, 23))
def test_consecutive_days_tile_time(days, tz, reset):
    # each day ends where the next begins, lasts 23-25 hours, and every instant maps back to its day
    day = date(2025, 1, 1) + timedelta(days=days)
    window, following = day_window(day, tz, reset), day_window(day + timedelta(days=1), tz, reset)
    assert window.end == following.start
    assert 23 * 3600 <= window.seconds <= 25 * 3600
    assert site_day(window.start, tz, reset) == day
    assert site_day(window.end - timedelta(seconds=1), tz, reset) == day
    assert len(interval_starts(window)) * 900 == window.seconds
