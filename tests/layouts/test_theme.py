"""Threshold bands: crossed only strictly beyond a level; no value is its own state."""

import pytest

from layouts.theme import CRITICAL, NO_DATA, OK, WARNING, level


@pytest.mark.parametrize("value, expected", [
    (0.80, OK),        # exactly meets an 80 % target: not a warning
    (0.7999, WARNING),
    (0.70, WARNING),   # exactly at the critical level: still only a warning
    (0.69, CRITICAL),
    (None, NO_DATA),   # no answered or abandoned contacts: a dash, not a colour
])
def test_service_level_bands_below(value, expected):
    assert level(value, warning=0.80, critical=0.70, direction="below") == expected


@pytest.mark.parametrize("value, expected", [(60, OK), (61, WARNING), (120, WARNING), (121, CRITICAL), (0, OK)])
def test_wait_bands_above(value, expected):
    assert level(value, warning=60, critical=120, direction="above") == expected


def test_an_unset_level_is_never_crossed():
    assert level(10_000, warning=None, critical=None, direction="above") == OK
