"""The shared record checks and the unit conversions every source relies on."""

from __future__ import annotations

from datetime import datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from collectors.sources.validate import contact_problems, reason_key
from collectors.sources.values import to_bool, to_datetime, to_int, to_seconds
from dashboard.records import Contact

NOW = datetime(2026, 1, 1, 12, 0, tzinfo=timezone.utc)
T0 = datetime(2026, 1, 1, 11, 0, tzinfo=timezone.utc)


def contact(**changes) -> Contact:
    return Contact(**{"source": "s", "source_id": "1", "channel": "voice", "queue": "q", "arrived_at": T0,
                      **changes})


@pytest.mark.parametrize("changes, field, reason", [
    ({"answered_at": T0 - timedelta(seconds=1)}, "answered_at", "answer before arrival"),
    ({"abandoned_at": T0 - timedelta(seconds=1)}, "abandoned_at", "abandon before arrival"),
    ({"answered_at": T0 + timedelta(seconds=9), "ended_at": T0 + timedelta(seconds=5)}, "ended_at",
     "end before answer"),
    ({"ended_at": T0 - timedelta(seconds=5)}, "ended_at", "end before arrival"),
    ({"arrived_at": NOW + timedelta(minutes=6)}, "arrived_at", "time in the future"),
    ({"wrap_seconds": -1.0}, "wrap_seconds", "negative duration or count"),
    ({"hold_seconds": -1.0}, "hold_seconds", "negative duration or count"),
    ({"queue": ""}, "queue", "missing required field"),
    ({"arrived_at": None}, "arrived_at", "missing required field"),
    ({"arrived_at": datetime(2026, 1, 1, 11)}, "arrived_at", "time without a time zone"),
    ({"answered_at": T0, "abandoned_at": T0}, "abandoned_at", "both answered and abandoned"),
])
def test_each_check_names_its_field(changes, field, reason):
    problems = contact_problems(contact(**changes), NOW)
    assert [(p.field, reason_key(p.reason)) for p in problems][:1] == [(field, reason)]


def test_good_contact_small_clock_drift_and_queue_list():
    assert contact_problems(contact(arrived_at=NOW + timedelta(minutes=4)), NOW) == []
    assert [p.field for p in contact_problems(contact(queue="x"), NOW, frozenset({"q"}))] == ["queue"]


def test_units_are_explicit():
    assert to_seconds("1500", "ms") == 1.5 and to_seconds("2", "min") == 120 and to_seconds("1:02:03", "hh:mm:ss") == 3723
    assert to_seconds("02:03", "hh:mm:ss") == 123 and to_seconds(time(0, 2, 23), "s") == 143
    with pytest.raises(ValueError):
        to_seconds("1:xx", "hh:mm:ss")
    assert to_datetime("1700000000", "epoch", timezone.utc) == datetime(2023, 11, 14, 22, 13, 20, tzinfo=timezone.utc)
    assert to_datetime(1700000000000, "epoch_ms", timezone.utc) == to_datetime("1700000000", "epoch", timezone.utc)
    with pytest.raises(ValueError):
        to_datetime("1700000000000", "epoch", timezone.utc)  # milliseconds read as seconds: out of range
    seoul = ZoneInfo("Asia/Seoul")
    assert to_datetime("2024-01-01 09:00", "%Y-%m-%d %H:%M", seoul) == datetime(2024, 1, 1, 0, 0, tzinfo=timezone.utc)
    assert to_datetime("2024-01-01T09:00+01:00", "iso", seoul) == datetime(2024, 1, 1, 8, 0, tzinfo=timezone.utc)
    assert to_datetime(datetime(2024, 1, 1, 9), "iso", seoul).hour == 0  # naive SQL value: local
    assert to_int("3") == 3 and to_bool("Y") is True and to_bool("no") is False
    with pytest.raises(ValueError):
        to_int("3.5")


@pytest.mark.parametrize("raw", ["nan", "NaN", "inf", "-Infinity", float("nan"), float("inf")])
def test_a_number_that_is_not_finite_is_refused_with_what_was_read(raw):
    # float() reads all of these; stored, one NaN would turn every sum it entered into NaN
    with pytest.raises(ValueError, match="not a finite number"):
        to_seconds(raw, "s")
    with pytest.raises(ValueError, match="not a finite number"):
        to_int(raw)
