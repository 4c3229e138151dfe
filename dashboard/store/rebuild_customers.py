"""The rebuild's customer tables over whole columns: each contact's journey link (the same
customer's next arrival, ``contact_links``) and the customers' weeks
(``customer_weeks``), as the incremental path keeps them (``store.write``).
"""

from __future__ import annotations

from datetime import tzinfo

import numpy as np
import pandas as pd

from dashboard.store.keyed_sums import Radix
from dashboard.store.rebuild_sums import NAT

DAY_US = 86_400 * 1_000_000
EPOCH_WEEKDAY = 3  # 1970-01-01 was a Thursday


def next_contacts(customer: np.ndarray, arrived: np.ndarray, ids: np.ndarray, window_seconds: float) -> np.ndarray:
    """Each contact's same customer's next arrival (by arrival, then id) when within the window, else
    ``NAT``; no link for contacts without a customer (code -1)."""
    following = np.full(len(arrived), NAT, dtype=np.int64)
    linked = np.flatnonzero(customer >= 0)
    order = linked[np.lexsort((ids[linked], arrived[linked], customer[linked]))]
    current, after = order[:-1], order[1:]
    gap = (arrived[after] - arrived[current]) / 1e6
    near = (customer[after] == customer[current]) & (gap <= window_seconds)
    following[current[near]] = arrived[after[near]]
    return following


def customer_weeks(customer: np.ndarray, customers: pd.Index, channel: np.ndarray, channels: pd.Index,
                   arrived: np.ndarray, tz: tzinfo) -> pd.DataFrame:
    """(week start, customer) → contacts and their channels sorted and comma-joined, for the contacts
    with a customer (code ≥ 0; ``channels`` sorted); a week starts on the Monday of the site's zone,
    at local midnight (``site_week``). In key order."""
    rows = np.flatnonzero(customer >= 0)
    local = (pd.DatetimeIndex(arrived[rows].view("datetime64[us]")).tz_localize("UTC").tz_convert(tz)
             .tz_localize(None).to_numpy(dtype="datetime64[us]").view(np.int64))
    day = local // DAY_US
    week = day - (day + EPOCH_WEEKDAY) % 7
    first = int(week.min()) if len(week) else 0
    radix = Radix((int(week.max()) - first) // 7 + 1 if len(week) else 1, len(customers), len(channels))
    seen, count = np.unique(radix.key((week - first) // 7, customer[rows], channel[rows]), return_counts=True)
    week_number, who, kind = radix.codes(seen)
    pairs, slot = np.unique(week_number * len(customers) + who, return_inverse=True)
    contacts = np.bincount(slot, weights=count, minlength=len(pairs)).astype(np.int64)
    # each channel a bit: a (week, customer) sums each of its channels' bits once, so its sum is its set
    masks = np.bincount(slot, weights=np.left_shift(1, kind), minlength=len(pairs)).astype(np.int64)
    spelt = {mask: ",".join(name for bit, name in enumerate(channels) if mask >> bit & 1)
             for mask in np.unique(masks).tolist()}
    return pd.DataFrame({"week_start": ((pairs // max(len(customers), 1)) * 7 + first).astype("datetime64[D]"),
                         "customer_id": np.asarray(customers, dtype=object)[pairs % max(len(customers), 1)],
                         "contacts": contacts, "channels": pd.Series(masks, dtype=np.int64).map(spelt).to_numpy()})
