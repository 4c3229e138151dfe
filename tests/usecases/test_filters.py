"""URL state ⇄ filters: presets, custom dates, lists, and the round trip a shared link relies on."""

from __future__ import annotations

from datetime import date
from urllib.parse import parse_qsl
from zoneinfo import ZoneInfo

import pytest

from dashboard.usecases.filters import from_controls, from_query, to_query
from tests.conftest import utc

NOW = utc(2026, 3, 11, 23, 30)  # a Wednesday; already Thursday in Seoul
UTC = ZoneInfo("UTC")


@pytest.mark.parametrize("preset, first, last", [
    ("today", date(2026, 3, 11), date(2026, 3, 11)),
    ("yesterday", date(2026, 3, 10), date(2026, 3, 10)),
    ("this_week", date(2026, 3, 9), date(2026, 3, 11)),
    ("last_week", date(2026, 3, 2), date(2026, 3, 8)),
    ("last_30_days", date(2026, 2, 10), date(2026, 3, 11)),
])
def test_presets(preset, first, last):
    filters = from_query({"range": preset}, NOW, UTC)
    assert (filters.first, filters.last) == (first, last)


def test_today_is_the_sites_day():
    assert from_query({}, NOW, ZoneInfo("Asia/Seoul")).first == date(2026, 3, 12)


def test_custom_range_swaps_reversed_dates_and_falls_back_when_malformed():
    filters = from_query({"range": "custom", "from": "2026-03-05", "to": "2026-03-01"}, NOW, UTC)
    assert (filters.first, filters.last, filters.days) == (date(2026, 3, 1), date(2026, 3, 5), 5)
    assert from_query({"range": "custom", "from": "soon"}, NOW, UTC).preset == "today"


def test_round_trip_keeps_everything_and_extras():
    filters = from_controls("custom", "2026-01-01", "2026-01-31", ["support", "sales"], ["voice"], NOW, UTC)
    search = to_query(filters, cols="name,aht_seconds")
    query = dict(parse_qsl(search[1:]))
    assert query["cols"] == "name,aht_seconds" and query["queue"] == "sales,support"
    assert from_query(query, NOW, UTC) == filters
