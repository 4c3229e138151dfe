"""The embedded default source: a simulated contact center, live (``SimulatorSource``) or as history (``backfill``).

The model (package ``collectors.sources.simulation``):

- **Operating days.** The world is simulated one local day at a time by a
  discrete-event engine (a heap of timed events). A day is a pure function of
  (seed, date, time zone, scale), cached and indexed by the instants at which
  its records change, so a poll every 5 s is a binary search, a restart with a
  stored cursor continues exactly, and live polls agree with ``backfill``.
  Agents work within the day; the hard stop at 23:55 local ends anything left
  (it only bites under overload). Agent states are cut at local midnight, so
  an offline agent's interval ends at 00:00 and a new one starts.
- **Queues** (``profiles``): Billing, Tech Support, Sales and Korean Desk
  (voice), Chat Support (chat), Email Care (email), Social Care (social) and
  SMS Care (sms), with opening hours, weekday factors and intraday shapes in
  the site's time zone. Voice and chat take new contacts only while open;
  email, social and sms arrive around the clock, and those after 20:00 wait
  for the next day's staff.
- **Arrivals and customers** (``journeys``): non-homogeneous Poisson arrivals
  by thinning start customer journeys; an unresolved issue brings the
  customer back hours or days later, in the same channel or another, so
  touchpoints, repeat contacts and FCR mean something. Customer ids come from
  a pool; abandoned callers retry the same day 30 % of the time.
- **Agents** (``roster``): 51 fictional agents in six teams with skills,
  8.5-hour shifts, two rest days a week, occasional absence, breaks, lunch,
  training and meetings as aux reasons, offline outside shifts.
- **Handling** (``engine``): log-normal handling times, exponential
  after-contact work, exponential patience (capped at 30 min) for voice and
  chat only; chat agents hold up to three chats and stay ``on_contact`` while
  talking in any; a share of voice contacts is blind-transferred to another
  queue (front of its queue, no abandon) and finished by a second agent: the
  record keeps its queue and first answer, ``transfer_count`` = 1 and the
  final agent. Async channels: ``answered_at`` is the agent's first reply
  (after the time spent writing it) and ``ended_at`` the closing of the case
  minutes to hours later. ``hold_seconds`` stays 0: holds are part of talk.
- **Feedback** (``feedback``): CSAT, NPS and CES from one latent satisfaction
  per contact (resolution, wait, transfer, agent), with short comments.

A record is seen as it was at the poll's ``now``: a contact waiting has no
answer yet, a running state no end; each change is returned again and the
store upserts it by (source, source_id). Ids are stable: contacts
``YYYYMMDD-queue-journey-step``, states ``agent-YYYYMMDD-n``, surveys
``contact-kind``.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from functools import lru_cache
from typing import Iterator
from zoneinfo import ZoneInfo

from collectors.sources.base import Cursor
from collectors.sources.simulation.clock import local_date, to_datetime, to_ms, wall_ms
from collectors.sources.simulation.mmc import run_mmc
from collectors.sources.simulation.profiles import ASYNC_CUTOFF_HOURS
from collectors.sources.simulation.roster import roster
from collectors.sources.simulation.world import TAIL, DayWorld, simulate_day
from dashboard.records import Agent, AgentStateInterval, Batch, Contact, SurveyResponse

FIRST_WINDOW = timedelta(hours=6)
MAX_CATCH_UP = timedelta(hours=6)


def agents(source: str = "simulator", scale: float = 1.0) -> list[Agent]:
    """The simulated agents as records (ids a001.., fictional names, team, skills as queue names)."""
    return [Agent(source, a.agent_id, a.name, a.team, a.skills) for a in roster(scale)]


@lru_cache(maxsize=256)
def _day_bounds(day: date, timezone: str) -> tuple[int, int]:
    """[first event, horizon) of operating ``day``, in ms, known without simulating it."""
    tz = ZoneInfo(timezone)
    return (wall_ms(day - timedelta(days=1), ASYNC_CUTOFF_HOURS, tz),
            wall_ms(day + timedelta(days=1), 0, tz) + TAIL)


def _days_touching(after_ms: int, until_ms: int, timezone: str) -> list[date]:
    """Operating days with a change point possibly in (after_ms, until_ms]."""
    tz = ZoneInfo(timezone)
    first, last = local_date(after_ms - TAIL, tz), local_date(until_ms, tz) + timedelta(days=1)
    days = [first + timedelta(days=n) for n in range((last - first).days + 1)]
    return [d for d in days if _day_bounds(d, timezone)[0] <= until_ms and _day_bounds(d, timezone)[1] > after_ms]


def _add(batch: Batch, world: DayWorld, refs: set[int], at_ms: int, source: str) -> None:
    for ref in sorted(refs):
        record = world.view(ref, at_ms, source)
        if isinstance(record, Contact):
            batch.contacts.append(record)
        elif isinstance(record, AgentStateInterval):
            batch.states.append(record)
        elif isinstance(record, SurveyResponse):
            batch.surveys.append(record)


class SimulatorSource:
    """The Source protocol over the simulated world: each poll returns what changed since the cursor.

    The cursor is the instant (ms since the epoch) up to which records were
    returned, with the seed, zone and scale it belongs to; a cursor of another
    world counts as empty. The first poll returns the records of the last six
    hours (or since local midnight, if later), plus everything waiting or
    running then. After a long outage a poll catches up at most six hours at a
    time, viewed at the end of that slice, so batches stay bounded.
    """

    kind = "simulator"

    def __init__(self, name: str = "simulator", seed: int = 7, timezone: str = "UTC", scale: float = 1.0,
                 first_window: timedelta = FIRST_WINDOW, max_catch_up: timedelta = MAX_CATCH_UP):
        self.name, self.seed, self.timezone, self.scale = name, seed, timezone, float(scale)
        self.tz = ZoneInfo(timezone)
        self.first_window, self.max_catch_up = first_window, max_catch_up

    def cursor_at(self, at: datetime) -> Cursor:
        """The cursor of a source that has returned everything up to ``at`` (e.g. after ``backfill``)."""
        at_ms = to_ms(at)
        return {"at_ms": at_ms, "at": to_datetime(at_ms).isoformat(), "seed": self.seed,
                "timezone": self.timezone, "scale": self.scale}

    def _resume_ms(self, cursor: Cursor) -> int | None:
        mine = (cursor.get("seed"), cursor.get("timezone"), cursor.get("scale")) == (
            self.seed, self.timezone, self.scale)
        return int(cursor["at_ms"]) if mine and "at_ms" in cursor else None

    def poll(self, cursor: Cursor, now: datetime) -> tuple[Batch, Cursor]:
        """Records whose visible version changed in (cursor, now], as seen at ``now``; see the class doc."""
        now_ms = to_ms(now)
        after = self._resume_ms(cursor)
        if after is None:
            after = max(wall_ms(local_date(now_ms, self.tz), 0, self.tz),
                        now_ms - self.first_window // timedelta(milliseconds=1))
            return self._collect(after, now_ms, first=True), self.cursor_at(now)
        if after >= now_ms:
            return Batch(), cursor
        until = min(now_ms, after + self.max_catch_up // timedelta(milliseconds=1))
        return self._collect(after, until, first=False), self.cursor_at(to_datetime(until))

    def _collect(self, after_ms: int, until_ms: int, first: bool) -> Batch:
        batch = Batch(agents=agents(self.name, self.scale) if first else [])
        for day in _days_touching(after_ms, until_ms, self.timezone):
            world = simulate_day(self.seed, day, self.timezone, self.scale)
            refs = world.changed(after_ms, until_ms)
            if first:
                refs |= world.open_at(after_ms)
            _add(batch, world, refs, until_ms, self.name)
        return batch


def backfill(seed: int, days: int, end: datetime, timezone: str = "UTC", scale: float = 1.0,
             source: str = "simulator") -> Iterator[Batch]:
    """History up to ``end``: one batch per operating day, every record as seen at ``end``.

    The days are the ``days`` local days ending with ``end``'s own day (so
    ``days=1`` is today so far), plus the next operating day's early async
    arrivals when ``end`` is after 20:00. The first batch also carries the
    agents. Continue live with ``SimulatorSource(...).poll(source.cursor_at(end), now)``.
    """
    tz, end_ms = ZoneInfo(timezone), to_ms(end)
    last = local_date(end_ms, tz)
    for number in range(days + 1):
        day = last - timedelta(days=days - 1 - number)
        if wall_ms(day - timedelta(days=1), ASYNC_CUTOFF_HOURS, tz) > end_ms:
            continue
        world = simulate_day(seed, day, timezone, float(scale))
        batch = Batch(agents=agents(source, scale) if number == 0 else [])
        _add(batch, world, world.seen_by(end_ms), end_ms, source)
        yield batch


__all__ = ["SimulatorSource", "backfill", "agents", "run_mmc"]
