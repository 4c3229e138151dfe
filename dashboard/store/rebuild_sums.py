"""The rules of ``dashboard.metrics.counts`` over whole columns, for ``store.rebuild``.

Every contact's, survey's and closed agent state's contributions are summed per roll-up key
with numpy, never a Python object per row: strings are categorical codes into sorted
dictionaries shared by all tables (``Codes``), times are microseconds since the epoch (int64,
``NAT`` for none), and a key of several columns is one int64 (``Radix``), summed with
``np.bincount``. Counts come out identical to the incremental path's; sums of seconds equal up
to float rounding (the same values added in another order).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from dashboard.metrics.counts import COUNT_FIELDS, DETRACTOR_NPS, PROMOTER_NPS, SATISFIED_CSAT
from dashboard.records import ASYNC_CHANNELS
from dashboard.store.keyed_sums import Radix, Sums, coded, codes_of, sums_frame

NAT = np.iinfo(np.int64).min  # pandas' NaT as int64
INTERVAL_US = 15 * 60 * 1_000_000


def micros(times: pd.Series) -> np.ndarray:
    """datetime64 values as int64 microseconds since the epoch, NaT as ``NAT``."""
    return times.to_numpy(dtype="datetime64[us]").view(np.int64)


def seconds(later: np.ndarray, earlier: np.ndarray) -> np.ndarray:
    """``(later - earlier).total_seconds()`` as Python computes it (whole microseconds / 1e6); NaN
    where either is none."""
    return np.where((later == NAT) | (earlier == NAT), np.nan, (later - earlier) / 1e6)


@dataclass(frozen=True)
class Codes:
    """Sorted dictionaries of the key strings, shared by every table summed into the same roll-ups,
    so a string has one code whichever table it came from; codes follow the strings' order, so
    sorted keys are in primary-key order."""

    queues: pd.Index
    channels: pd.Index
    agents: pd.Index

    @classmethod
    def of(cls, *frames: pd.DataFrame) -> Codes:
        return cls(*(_dictionary(frames, column) for column in ("queue", "channel", "agent_id")))

    def keys(self, frame: pd.DataFrame) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """The rows' queue, channel and agent codes; agent -1 where there is none (NULL or empty)."""
        agent = _blank_as_null(coded(frame["agent_id"], self.agents), self.agents)
        return coded(frame["queue"], self.queues), coded(frame["channel"], self.channels), agent


def _dictionary(frames, column: str) -> pd.Index:
    names: set = set()
    for frame in frames:
        names.update(_categories(frame[column]))
    return pd.Index(sorted(names), dtype=object)


def _categories(values: pd.Series) -> list:
    if isinstance(values.dtype, pd.CategoricalDtype):
        return list(values.cat.categories)
    return list(values.dropna().unique())


def sorted_codes(values: pd.Series, empty: bool = True) -> tuple[np.ndarray, pd.Index]:
    """Codes of ``values`` into their own sorted dictionary, and that dictionary; without ``empty``
    the empty string is coded -1, as NULL."""
    codes, dictionary = codes_of(values)
    return (codes if empty else _blank_as_null(codes, dictionary)), dictionary


def _blank_as_null(codes: np.ndarray, dictionary: pd.Index) -> np.ndarray:
    """``codes`` with the empty string's code made -1, as NULL's: no customer, no agent."""
    if "" in dictionary:
        codes[codes == dictionary.get_loc("")] = -1
    return codes


@dataclass(frozen=True)
class Grid:
    """The 15-minute intervals the rebuild sums into, numbered from the earliest, so that an
    interval's number in a key stays small: ``size`` of them."""

    first: int
    size: int

    @classmethod
    def spanning(cls, *times: np.ndarray) -> Grid:
        """The intervals from the earliest to the latest of ``times`` (``NAT`` left out)."""
        present = [t[t != NAT] for t in times]
        present = [t for t in present if len(t)]
        if not present:
            return cls(0, 1)
        first = min(int(t.min()) for t in present) // INTERVAL_US
        return cls(first, max(int(t.max()) for t in present) // INTERVAL_US - first + 1)

    def number(self, at: np.ndarray) -> np.ndarray:
        return at // INTERVAL_US - self.first

    def starts(self, numbers: np.ndarray) -> np.ndarray:
        """Interval numbers as their starts, naive UTC datetime64[us]."""
        return ((numbers + self.first) * INTERVAL_US).astype("datetime64[us]")


class CountKeys:
    """The (interval, queue, channel) and (interval, agent, queue, channel) keys events are summed to."""

    def __init__(self, grid: Grid, codes: Codes):
        self.grid, self.codes = grid, codes
        self.queue_radix = Radix(grid.size, len(codes.queues), len(codes.channels))
        self.agent_radix = Radix(grid.size, len(codes.agents), len(codes.queues), len(codes.channels))
        self.queues, self.agents = Sums(), Sums()

    def add(self, at: np.ndarray, queue: np.ndarray, channel: np.ndarray, agent: np.ndarray, mask: np.ndarray,
            **amounts) -> None:
        """The rows of ``mask`` add ``amounts`` at the interval of ``at``: to their queue's row, and to
        their agent's where they have one."""
        rows = np.flatnonzero(mask)
        if not len(rows):
            return
        if (queue[rows] < 0).any() or (channel[rows] < 0).any():
            raise ValueError("a record to roll up has no queue or no channel")
        interval = self.grid.number(at[rows])
        picked = {name: amount if np.isscalar(amount) else amount[rows] for name, amount in amounts.items()}
        self.queues.add(self.queue_radix.key(interval, queue[rows], channel[rows]), **picked)
        known = agent[rows] >= 0
        self.agents.add(self.agent_radix.key(interval[known], agent[rows][known], queue[rows][known],
                                             channel[rows][known]),
                        **{name: amount if np.isscalar(amount) else amount[known] for name, amount in picked.items()})

    def queue_frame(self) -> pd.DataFrame:
        keys, totals = self.queues.totals()
        interval, queue, channel = self.queue_radix.codes(keys)
        return sums_frame({"interval_start": self.grid.starts(interval), **self._names(queue, channel)},
                           totals, COUNT_FIELDS)

    def agent_frame(self, first: int = 0, stop: int | None = None) -> pd.DataFrame:
        """The (interval, agent, queue, channel) rows of the interval numbers from ``first`` up to
        ``stop`` (all: the grid's end), in key order."""
        stop = self.grid.size if stop is None else stop
        keys, totals = self.agents.totals(self.agent_radix.lowest(first), self.agent_radix.lowest(stop))
        interval, agent, queue, channel = self.agent_radix.codes(keys)
        return sums_frame({"interval_start": self.grid.starts(interval),
                           "agent_id": pd.Categorical.from_codes(agent, categories=self.codes.agents),
                           **self._names(queue, channel)}, totals, COUNT_FIELDS)

    def _names(self, queue: np.ndarray, channel: np.ndarray) -> dict:
        return {"queue": pd.Categorical.from_codes(queue, categories=self.codes.queues),
                "channel": pd.Categorical.from_codes(channel, categories=self.codes.channels)}


@dataclass(frozen=True)
class Policies:
    """Each (queue, channel) code pair's thresholds T, S, R and repeat window, in seconds."""

    channels: int
    service_level: np.ndarray
    short_abandon: np.ndarray
    response_target: np.ndarray
    repeat_window: np.ndarray

    @classmethod
    def of(cls, codes: Codes, queue: np.ndarray, channel: np.ndarray, policy_for) -> Policies:
        """Looked up once per pair present in the rows."""
        size = len(codes.queues) * max(len(codes.channels), 1)
        values = np.full((4, max(size, 1)), np.nan)
        for pair in np.unique(queue * len(codes.channels) + channel).tolist():
            name, kind = codes.queues[pair // len(codes.channels)], codes.channels[pair % len(codes.channels)]
            policy = policy_for(name, kind)
            values[:, pair] = (policy.service_level_seconds, policy.short_abandon_seconds,
                               policy.response_target_seconds, policy.repeat_window_seconds)
        return cls(max(len(codes.channels), 1), *values)

    def of_rows(self, queue: np.ndarray, channel: np.ndarray) -> tuple[np.ndarray, ...]:
        pair = queue * self.channels + channel
        return (self.service_level[pair], self.short_abandon[pair], self.response_target[pair],
                self.repeat_window[pair])


@dataclass(frozen=True)
class ContactColumns:
    """The contacts as the rules read them: key codes, flags, times (µs), amounts."""

    queue: np.ndarray
    channel: np.ndarray
    agent: np.ndarray
    inbound: np.ndarray
    is_async: np.ndarray
    arrived: np.ndarray
    answered: np.ndarray
    abandoned: np.ndarray
    ended: np.ndarray
    next_at: np.ndarray
    hold: np.ndarray
    wrap: np.ndarray
    transfers: np.ndarray
    resolved: np.ndarray  # 1.0, 0.0, NaN when not known

    @classmethod
    def of(cls, frame: pd.DataFrame, codes: Codes, next_at: np.ndarray) -> ContactColumns:
        """The frame's contacts with their journey links ``next_at`` (µs)."""
        queue, channel, agent = codes.keys(frame)
        is_async = np.isin(np.asarray(codes.channels, dtype=object), list(ASYNC_CHANNELS))
        return cls(queue, channel, agent, (frame["direction"] != "outbound").to_numpy(), is_async[channel],
                   *(micros(frame[name]) for name in ("arrived_at", "answered_at", "abandoned_at", "ended_at")),
                   next_at, *(frame[name].fillna(0.0).to_numpy(dtype=float) for name in ("hold_seconds",
                                                                                          "wrap_seconds")),
                   frame["transfer_count"].fillna(0).to_numpy(dtype=np.int64),
                   frame["resolved"].to_numpy(dtype=float, na_value=np.nan))


def add_contacts(keys: CountKeys, c: ContactColumns, policies: Policies, through: int) -> None:
    """Every contact's counts as known at ``through`` (µs): ``counts.contact_entries`` over columns."""
    service_level, short_abandon, target, repeat_window = policies.of_rows(c.queue, c.channel)
    answered, abandoned = c.answered != NAT, c.abandoned != NAT
    inbound_sync, inbound_async = c.inbound & ~c.is_async, c.inbound & c.is_async

    def add(at, mask, **amounts):
        keys.add(at, c.queue, c.channel, c.agent, mask, **amounts)

    add(c.arrived, c.inbound, offered=1)
    wait = seconds(c.answered, c.arrived)
    add(c.answered, inbound_sync & answered, answered=1, answer_wait_seconds=wait,
        answered_within_threshold=wait <= service_level)
    add(c.answered, inbound_async & answered, responded=1, response_seconds=wait,
        responded_within_target=wait <= target)
    left = seconds(c.abandoned, c.arrived)
    gave_up, short = inbound_sync & ~answered & abandoned, left <= short_abandon
    add(c.abandoned, gave_up & short, short_abandoned=1)
    add(c.abandoned, gave_up & ~short, abandoned=1, abandon_wait_seconds=left,
        abandoned_within_threshold=left <= service_level)
    due = c.arrived + np.rint(target * 1e6).astype(np.int64)  # timedelta(seconds=...) rounds to whole µs
    add(due, inbound_async & ~answered & (due <= through) & ((c.ended == NAT) | (c.ended > due)),
        expired_unanswered=1)
    _add_ends(add, c, repeat_window)


def _add_ends(add, c: ContactColumns, repeat_window: np.ndarray) -> None:
    """Handle time, transfers and resolution where the contact ended (``counts._add_end``)."""
    start = np.where(c.answered != NAT, c.answered, c.arrived)
    # an asynchronous case's open span is elapsed time, not handle time: only reported work counts
    span = np.where(c.is_async, 0.0, np.maximum(0.0, seconds(c.ended, start)))
    hold = np.minimum(c.hold, span)
    repeat = (c.next_at != NAT) & (seconds(c.next_at, c.arrived) <= repeat_window)
    known = ~np.isnan(c.resolved)
    add(c.ended, (c.ended != NAT) & ((c.answered != NAT) | ~c.inbound), ended=1, talk_seconds=span - hold,
        hold_seconds=hold, wrap_seconds=c.wrap, transferred=c.transfers >= 1, repeated=repeat, resolved_known=known,
        first_contact_resolved=known & (c.resolved != 0) & (c.transfers == 0) & ~repeat)


def add_surveys(keys: CountKeys, frame: pd.DataFrame, codes: Codes) -> None:
    """Survey responses that know their contact's queue (``counts.survey_entries``)."""
    queue, channel, agent = codes.keys(frame)
    kind, score = frame["kind"].to_numpy(dtype=object), frame["score"].to_numpy(dtype=np.int64)
    csat, nps, ces = kind == "csat", kind == "nps", kind == "ces"
    keys.add(micros(frame["responded_at"]), queue, channel, agent, csat | nps | ces,
             csat_responses=csat, csat_score_sum=np.where(csat, score, 0).astype(float),
             csat_satisfied=csat & (score >= SATISFIED_CSAT), nps_responses=nps,
             nps_promoters=nps & (score >= PROMOTER_NPS), nps_detractors=nps & (score <= DETRACTOR_NPS),
             ces_responses=ces, ces_score_sum=np.where(ces, score, 0).astype(float))


def state_seconds(frame: pd.DataFrame) -> pd.DataFrame:
    """Seconds per (interval, agent, state, reason) of the closed states (``counts.state_contributions``):
    each state cut at the 15-minute boundaries it spans, a NULL reason as the empty string."""
    started, ended = micros(frame["started_at"]), micros(frame["ended_at"])
    closed = np.flatnonzero((ended != NAT) & (ended > started))
    first, last = started[closed] // INTERVAL_US, (ended[closed] - 1) // INTERVAL_US
    pieces = (last - first + 1).astype(np.int64)
    state = np.repeat(closed, pieces)
    interval = np.repeat(first, pieces) + np.arange(len(state)) - np.repeat(np.cumsum(pieces) - pieces, pieces)
    amount = (np.minimum(ended[state], (interval + 1) * INTERVAL_US)
              - np.maximum(started[state], interval * INTERVAL_US)) / 1e6
    grid = Grid.spanning(interval * INTERVAL_US)
    columns = {"agent_id": sorted_codes(frame["agent_id"]), "state": sorted_codes(frame["state"]),
               "reason": sorted_codes(frame["reason"].astype(object).fillna(""))}
    radix = Radix(grid.size, *(len(dictionary) for _, dictionary in columns.values()))
    sums = Sums()
    sums.add(radix.key(grid.number(interval * INTERVAL_US), *(codes[state] for codes, _ in columns.values())),
             seconds=amount)
    keys, totals = sums.totals()
    interval_codes, *name_codes = radix.codes(keys)
    names = {name: pd.Categorical.from_codes(codes, categories=dictionary)
             for (name, (_, dictionary)), codes in zip(columns.items(), name_codes)}
    return sums_frame({"interval_start": grid.starts(interval_codes), **names}, totals, ("seconds",))


def queue_sources(frame: pd.DataFrame) -> pd.DataFrame:
    """Each (queue, channel, source) with its latest arrival."""
    return (frame.groupby(["queue", "channel", "source"], observed=True, sort=True)["arrived_at"].max()
            .rename("latest_arrival_at").reset_index())
