"""keyed_sums: several codes as one int64 key, and amounts summed per key."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from dashboard.store.keyed_sums import Radix, Sums, codes_of, sums_frame


def test_keys_sort_as_their_tuples_and_give_their_codes_back():
    radix = Radix(3, 4, 5)
    codes = [np.array([2, 0, 1, 0]), np.array([0, 3, 3, 3]), np.array([4, 4, 0, 1])]
    keys = radix.key(*codes)
    assert [list(c) for c in radix.codes(keys)] == [list(c) for c in codes]
    assert list(np.argsort(keys)) == sorted(range(4), key=lambda n: tuple(int(c[n]) for c in codes))


def test_keys_too_wide_for_64_bits_are_refused():
    with pytest.raises(OverflowError):
        Radix(2 ** 31, 2 ** 31, 2)


def test_sums_count_flags_and_ones_and_add_amounts_per_key():
    sums = Sums()
    sums.add(np.array([7, 3, 7]), offered=1, talk_seconds=np.array([1.5, 2.0, 0.25]))
    sums.add(np.array([3, 9]), offered=1, answered=np.array([True, False]))
    keys, totals = sums.totals()
    assert keys.tolist() == [3, 7, 9]
    assert totals["offered"].tolist() == [2, 2, 1] and totals["offered"].dtype.kind == "i"
    assert totals["answered"].tolist() == [1, 0, 0]
    assert totals["talk_seconds"].tolist() == [2.0, 1.75, 0.0]


def test_an_empty_sum_has_no_keys():
    keys, totals = Sums().totals()
    assert len(keys) == 0 and totals == {}


def test_codes_follow_the_sorted_strings_and_null_is_minus_one():
    codes, dictionary = codes_of(pd.Series(["b", None, "a", "b"], dtype=object))
    assert list(dictionary) == ["a", "b"] and codes.tolist() == [1, -1, 0, 1]
    categorical = pd.Series(pd.Categorical(["y", "x"], categories=["x", "y"]))
    codes, dictionary = codes_of(categorical)
    assert list(dictionary) == ["x", "y"] and codes.tolist() == [1, 0]


def test_a_sums_frame_fills_the_fields_nothing_added_to():
    frame = sums_frame({"key": np.array([1, 2])}, {"seconds": np.array([0.5, 1.0])}, ("seconds", "offered"))
    assert frame["offered"].tolist() == [0, 0] and frame["offered"].dtype == np.int64
    assert frame["seconds"].tolist() == [0.5, 1.0]
