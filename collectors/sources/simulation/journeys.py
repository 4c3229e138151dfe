"""Customer journeys: fresh arrivals by thinning, and the follow-up contacts of unresolved issues.

A journey is one customer's issue. Its first contact arrives by a
non-homogeneous Poisson process per queue (Lewis-Shedler thinning against the
profile's peak rate). While the issue is unresolved the customer comes back:
after each contact, with the queue's ``continue_share``, another contact follows
(a few hours later the same day, or 1-4.5 days later; up to 5 contacts in 6
days), in the same channel or, 45 % of the time, another one. Every contact but
the last is unresolved; the last resolves the issue 90 % of the time. Customers
are drawn from a pool, so separate issues of one customer also meet.

Everything about the journeys that start on one operating day is a pure
function of (seed, day, zone, scale); a chunk collects the contacts of the last
eight days' journeys that fall into its own arrival window.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

from collectors.sources.simulation.clock import DAY, HOUR, MINUTE, LocalClock, wall_ms
from collectors.sources.simulation.profiles import (
    ASYNC_CUTOFF_HOURS, QUEUE_BY_NAME, QUEUES, QueueProfile, is_open, max_rate_per_ms, rate_per_ms)

MAX_CONTACTS = 5
LOOKBACK_DAYS = 8
SWITCH_SHARE = 0.45
SWITCH_WEIGHTS = {"voice": 5, "chat": 3, "email": 2, "social": 1, "sms": 1.5}
DOMAIN_WEIGHTS = (("billing", 0.45), ("tech", 0.4), ("sales", 0.15))
VOICE_BY_DOMAIN = {"billing": "Billing", "tech": "Tech Support", "sales": "Sales", "general": "Billing"}
DIGITAL_BY_CHANNEL = {"chat": "Chat Support", "email": "Email Care", "social": "Social Care", "sms": "SMS Care"}
CUSTOMERS_PER_SCALE = 400_000


@dataclass(frozen=True, slots=True)
class Arrival:
    """One planned contact: when, where, who, about what, and whether handling it resolves the issue."""

    at_ms: int
    queue: str
    key: str  # the contact's stable source id
    customer_id: str
    topic: str
    language: str
    resolves: bool
    chunk: date  # the operating day whose simulation handles it


def arrival_window(queue: QueueProfile, day: date, tz: ZoneInfo) -> tuple[int, int] | None:
    """[start, end) in ms of the arrivals that operating ``day`` takes for ``queue`` (None when closed)."""
    if not queue.sync:
        return wall_ms(day - timedelta(days=1), ASYNC_CUTOFF_HOURS, tz), wall_ms(day, ASYNC_CUTOFF_HOURS, tz)
    hours = queue.hours[day.weekday()]
    return None if hours is None else (wall_ms(day, hours[0], tz), wall_ms(day, hours[1], tz))


def chunk_of(queue: QueueProfile, at_ms: int, clock: LocalClock) -> date:
    """The operating day that handles a contact arriving in ``queue`` at ``at_ms``."""
    return clock.date(at_ms, 0 if queue.sync else int((24 - ASYNC_CUTOFF_HOURS) * HOUR))


def _thinned(queue: QueueProfile, window: tuple[int, int], clock: LocalClock, scale: float,
             rng: random.Random) -> list[int]:
    """Arrival instants (ms) in ``window`` of the queue's non-homogeneous Poisson process."""
    start, end = window
    weekdays = tuple({clock.local(start)[0], clock.local(end - 1)[0]})
    peak = max_rate_per_ms(queue, weekdays, scale)
    if peak <= 0:
        return []
    arrivals, t = [], float(start)
    while True:
        t += rng.expovariate(peak)
        if t >= end:
            return arrivals
        weekday, hour = clock.local(int(t))
        if rng.random() * peak < rate_per_ms(queue, weekday, hour, scale):
            arrivals.append(int(t))


def _next_open(queue: QueueProfile, at_ms: int, clock: LocalClock, tz: ZoneInfo,
               rng: random.Random) -> int | None:
    """``at_ms`` if the queue is open then, else a moment in the first 8 hours of its next opening."""
    if is_open(queue, *clock.local(at_ms)):
        return at_ms
    for ahead in range(8):
        day = clock.date(at_ms) + timedelta(days=ahead)
        hours = queue.hours[day.weekday()]
        if hours is not None and wall_ms(day, hours[0], tz) > at_ms:
            opened, closed = wall_ms(day, hours[0], tz), wall_ms(day, hours[1], tz)
            return opened + int(rng.uniform(0, min(8 * HOUR, closed - opened - MINUTE)))
    return None


def _follow_up_queue(queue: QueueProfile, domain: str, language: str, rng: random.Random) -> QueueProfile:
    if rng.random() >= SWITCH_SHARE:
        return queue
    channels = [c for c in SWITCH_WEIGHTS if c != queue.channel]
    channel = rng.choices(channels, [SWITCH_WEIGHTS[c] for c in channels])[0]
    if channel != "voice":
        return QUEUE_BY_NAME[DIGITAL_BY_CHANNEL[channel]]
    return QUEUE_BY_NAME["Korean Desk" if language == "ko" else VOICE_BY_DOMAIN[domain]]


def _gap_ms(rng: random.Random) -> int:
    """Time from one contact of an unresolved issue to the next."""
    if rng.random() < 0.35:
        return int(min(rng.lognormvariate(0, 0.8) * 2 * HOUR, 10 * HOUR))
    return int(rng.uniform(0.6, 4.5) * DAY)


def _journey(first: QueueProfile, at_ms: int, key: str, clock: LocalClock, tz: ZoneInfo, scale: float,
             rng: random.Random) -> list[Arrival]:
    """The contacts of one issue starting with a contact in ``first`` at ``at_ms``."""
    customer = f"cu{rng.randrange(int(CUSTOMERS_PER_SCALE * max(scale, 0.01))):07d}"
    language = first.language if first.language != "en" or rng.random() > 0.04 else "ko"
    domain = first.domain if first.domain != "general" else rng.choices(
        [d for d, _ in DOMAIN_WEIGHTS], [w for _, w in DOMAIN_WEIGHTS])[0]
    steps, queue, topic, when = [], first, rng.choice(first.topics), at_ms
    while True:
        more = len(steps) + 1 < MAX_CONTACTS and rng.random() < queue.continue_share
        resolves = more is False and rng.random() < 0.9
        steps.append(Arrival(when, queue.name, f"{key}-{len(steps) + 1}", customer, topic, language,
                             resolves, chunk_of(queue, when, clock)))
        if not more:
            return steps
        nxt = _follow_up_queue(queue, domain, language, rng)
        opened = _next_open(nxt, when + _gap_ms(rng), clock, tz, rng)
        if opened is None or opened - at_ms > 6 * DAY:
            return steps
        topic = topic if nxt is queue else rng.choice(nxt.topics)
        queue, when = nxt, opened


@lru_cache(maxsize=64)
def journeys_started(seed: int, day: date, tz_name: str, scale: float) -> tuple[Arrival, ...]:
    """Every contact of every journey whose first contact belongs to operating ``day``."""
    tz = ZoneInfo(tz_name)
    clock = LocalClock(wall_ms(day - timedelta(days=1), 0, tz), wall_ms(day, 24 * 15, tz), tz)
    contacts: list[Arrival] = []
    for queue in QUEUES:
        window = arrival_window(queue, day, tz)
        if window is None:
            continue
        rng = random.Random(f"journeys:{seed}:{day.isoformat()}:{queue.code}:{scale}")
        for number, at_ms in enumerate(_thinned(queue, window, clock, scale, rng)):
            key = f"{day:%Y%m%d}-{queue.code}-{number:05d}"
            contacts.extend(_journey(queue, at_ms, key, clock, tz, scale, rng))
    return tuple(contacts)


def arrivals_for(seed: int, day: date, tz_name: str, scale: float) -> list[Arrival]:
    """The planned contacts operating ``day`` handles, in arrival order (ties by key)."""
    mine = [a for back in range(LOOKBACK_DAYS + 1)
            for a in journeys_started(seed, day - timedelta(days=back), tz_name, scale) if a.chunk == day]
    return sorted(mine, key=lambda a: (a.at_ms, a.key))
