"""Sums of many rows per key, on integer codes: several key columns as one int64 (``Radix``), the
amounts summed per distinct key with ``np.bincount`` (``Sums``). What the rebuild and the day
roll-ups group by instead of pandas group-bys on Python strings.
"""

from __future__ import annotations

import numpy as np
import pandas as pd


def codes_of(values: pd.Series) -> tuple[np.ndarray, pd.Index]:
    """The values as int64 codes into a sorted dictionary, and that dictionary (a categorical's own,
    when its categories are sorted); NULL is -1."""
    if isinstance(values.dtype, pd.CategoricalDtype) and values.cat.categories.is_monotonic_increasing:
        return values.cat.codes.to_numpy().astype(np.int64), values.cat.categories
    codes, dictionary = pd.factorize(values, sort=True)
    return codes.astype(np.int64), pd.Index(dictionary)


def coded(values: pd.Series, dictionary: pd.Index) -> np.ndarray:
    """Each value's position in ``dictionary`` (int64); -1 for NULL and values not in it."""
    return pd.Categorical(values, categories=dictionary).codes.astype(np.int64)


class Radix:
    """Several non-negative codes as one int64, the first the most significant: keys sort as the tuples do."""

    def __init__(self, *sizes: int):
        self.sizes = tuple(max(int(size), 1) for size in sizes)
        if np.prod([float(s) for s in self.sizes]) >= 2.0 ** 62:
            raise OverflowError(f"keys of sizes {self.sizes} do not fit in 64 bits")

    def key(self, *codes: np.ndarray) -> np.ndarray:
        out = np.zeros(len(codes[0]), dtype=np.int64)
        for values, size in zip(codes, self.sizes):
            out = out * size + values
        return out

    def lowest(self, first: int) -> int:
        """The smallest key whose first code is ``first``."""
        return int(first) * int(np.prod(self.sizes[1:], dtype=object))

    def codes(self, keys: np.ndarray) -> list[np.ndarray]:
        out = []
        for size in reversed(self.sizes):
            keys, rest = np.divmod(keys, size)
            out.append(rest)
        return out[::-1]


class Sums:
    """Amounts added to int64 keys field by field (an event at a time), summed per distinct key."""

    def __init__(self):
        self._keys: list[np.ndarray] = []
        self._amounts: list[dict] = []

    def add(self, keys: np.ndarray, **amounts) -> None:
        """One event's rows: their keys and per field the amounts (an array, or 1 for each row)."""
        self._keys.append(keys)
        self._amounts.append(amounts)

    def totals(self, low: int | None = None, high: int | None = None) -> tuple[np.ndarray, dict[str, np.ndarray]]:
        """The distinct keys, ascending, and each field's total per key: one ``np.bincount`` a field,
        over every event that adds to it (counts of 1 and flags as int64, other amounts float64).
        With ``low`` and ``high``: only the keys from ``low`` up to (not including) ``high``."""
        events = list(zip(self._keys, self._amounts))
        if low is not None:
            events = [_within(keys, amounts, low, high) for keys, amounts in events]
        if not events:
            return np.zeros(0, dtype=np.int64), {}
        codes, keys = pd.factorize(np.concatenate([keys for keys, _ in events]), sort=True)
        bounds = np.cumsum([0, *(len(keys) for keys, _ in events)])
        slots = [codes[start:stop] for start, stop in zip(bounds[:-1], bounds[1:])]
        added: dict[str, list] = {}
        for slot, (_, amounts) in zip(slots, events):
            for name, amount in amounts.items():
                added.setdefault(name, []).append((slot, amount))
        return keys, {name: _total(parts, len(keys)) for name, parts in added.items()}


def _within(keys: np.ndarray, amounts: dict, low: int, high: int) -> tuple[np.ndarray, dict]:
    rows = np.flatnonzero((keys >= low) & (keys < high))
    return keys[rows], {name: amount if np.isscalar(amount) else amount[rows] for name, amount in amounts.items()}


def _total(parts: list[tuple[np.ndarray, object]], size: int) -> np.ndarray:
    if all(_counted(amount) for _, amount in parts):
        return np.bincount(np.concatenate([slot if np.isscalar(amount) else slot[amount] for slot, amount in parts]),
                           minlength=size)
    weights = [np.full(len(slot), float(amount)) if np.isscalar(amount) else amount.astype(float, copy=False)
               for slot, amount in parts]
    return np.bincount(np.concatenate([slot for slot, _ in parts]), weights=np.concatenate(weights), minlength=size)


def _counted(amount) -> bool:
    """1 for every row, or a flag per row: the total is a count of rows."""
    return (np.isscalar(amount) and amount == 1) or (not np.isscalar(amount) and amount.dtype == bool)


def sums_frame(keys: dict[str, object], totals: dict[str, np.ndarray], fields: tuple[str, ...]) -> pd.DataFrame:
    """A roll-up frame: the key columns, then every field (0 where nothing was added); the arrays are
    taken as they are, not copied into blocks."""
    size = len(next(iter(keys.values())))
    columns = dict(keys)
    for name in fields:
        kind = float if name.endswith(("seconds", "_sum")) else np.int64
        columns[name] = totals[name].astype(kind, copy=False) if name in totals else np.zeros(size, dtype=kind)
    return pd.DataFrame(columns, copy=False)
