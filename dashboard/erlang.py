"""Staffing by Erlang C (METRICS.md, "Staffing"): P(wait), service level, ASA, occupancy, agents needed.

Traffic a = arrivals × mean handle time ÷ interval length, in erlangs. Erlang C is
computed from the Erlang B recursion B(0) = 1, B(n) = a·B(n−1) ÷ (n + a·B(n−1)),
then C = N·B ÷ (N − a·(1 − B)). Every step is a ratio of numbers no larger than
a + n, so nothing overflows: the figures stay exact and finite at thousands of
agents, where the textbook form (aᴺ ÷ N!) overflows a float near N = 170.

With N ≤ a the queue grows without bound: P(wait) is 1, the service level 0 and
the ASA (average speed of answer) has no value (None, shown as a dash).
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Staffing:
    """The Erlang C figures of one queue with a given number of agents."""

    traffic_erlangs: float
    agents: int
    p_wait: float | None
    service_level: float | None
    asa_seconds: float | None
    occupancy: float | None


def traffic_erlangs(arrivals: float, interval_seconds: float, aht_seconds: float) -> float:
    """Offered traffic a = arrivals × AHT ÷ interval length, in erlangs (both times in seconds)."""
    if interval_seconds <= 0:
        raise ValueError("the interval must be longer than 0 seconds")
    if arrivals < 0 or aht_seconds < 0:
        raise ValueError("arrivals and handle time cannot be negative")
    return arrivals * aht_seconds / interval_seconds


def erlang_b(agents: int, traffic: float) -> float:
    """Erlang B: the share of arrivals blocked with ``agents`` servers and no queue, in [0, 1]."""
    _check(agents, traffic)
    blocked = 1.0
    for n in range(1, agents + 1):
        blocked = traffic * blocked / (n + traffic * blocked)
    return blocked


def _erlang_c_from_b(agents: int, traffic: float, blocked: float) -> float:
    if agents <= traffic:
        return 1.0
    return agents * blocked / (agents - traffic * (1.0 - blocked))


def erlang_c(agents: int, traffic: float) -> float:
    """Erlang C: P(wait), the share of arrivals that must queue, in [0, 1]; 1 when agents ≤ traffic."""
    return _erlang_c_from_b(agents, traffic, erlang_b(agents, traffic))


def service_level(agents: int, traffic: float, aht_seconds: float, target_seconds: float) -> float:
    """Share answered within ``target_seconds``: 1 − P(wait)·e^(−(N − a)·T ÷ h); 0 when agents ≤ traffic."""
    p_wait = erlang_c(agents, traffic)
    return _service_level(agents, traffic, p_wait, aht_seconds, target_seconds)


def _service_level(agents: int, traffic: float, p_wait: float, aht_seconds: float,
                   target_seconds: float) -> float:
    if agents <= traffic:
        return 0.0
    if aht_seconds <= 0:
        return 1.0 - p_wait if target_seconds <= 0 else 1.0
    return max(0.0, min(1.0, 1.0 - p_wait * math.exp(-(agents - traffic) * target_seconds / aht_seconds)))


def asa(agents: int, traffic: float, aht_seconds: float) -> float | None:
    """Average speed of answer, seconds: P(wait)·h ÷ (N − a); agents ≤ traffic → None (unbounded)."""
    if agents <= traffic:
        return None
    return erlang_c(agents, traffic) * aht_seconds / (agents - traffic)


def occupancy(agents: int, traffic: float) -> float | None:
    """Share of staffed time spent handling: a ÷ N, at most 1; no agents → None."""
    if agents <= 0:
        return None
    return min(1.0, traffic / agents)


def staffing(agents: int, traffic: float, aht_seconds: float, target_seconds: float) -> Staffing:
    """All the Erlang C figures for ``agents`` agents; 0 agents → every figure None."""
    if agents == 0:
        return Staffing(traffic, 0, None, None, None, None)
    p_wait = erlang_c(agents, traffic)
    return Staffing(
        traffic_erlangs=traffic, agents=agents, p_wait=p_wait,
        service_level=_service_level(agents, traffic, p_wait, aht_seconds, target_seconds),
        asa_seconds=None if agents <= traffic else p_wait * aht_seconds / (agents - traffic),
        occupancy=occupancy(agents, traffic))


def required_agents(traffic: float, aht_seconds: float, target_service_level: float,
                    target_seconds: float, max_occupancy: float | None = None) -> int:
    """The least N with service level ≥ the target (and a ÷ N ≤ ``max_occupancy`` when given).

    No traffic → 0 agents. One pass of the Erlang B recursion, so O(N) even at
    thousands of agents.
    """
    _check(0, traffic)
    if not 0 <= target_service_level <= 1:
        raise ValueError("the target service level is a fraction from 0 to 1")
    if max_occupancy is not None and not 0 < max_occupancy <= 1:
        raise ValueError("the maximum occupancy is a fraction above 0, at most 1")
    if traffic == 0:
        return 0
    floor_agents = math.ceil(traffic / max_occupancy - 1e-9) if max_occupancy else 1
    first = max(math.floor(traffic) + 1, floor_agents)  # the least N that can meet it: N > a, N ≥ the floor
    blocked = 1.0
    for n in range(1, first):  # the recursion alone up to there: the live job runs this for every queue
        blocked = traffic * blocked / (n + traffic * blocked)
    for agents in itertools.count(first):
        blocked = traffic * blocked / (agents + traffic * blocked)
        p_wait = _erlang_c_from_b(agents, traffic, blocked)
        if _service_level(agents, traffic, p_wait, aht_seconds, target_seconds) >= target_service_level - 1e-12:
            return agents


def staffing_gap(required: int, staffed_now: int) -> int:
    """Required agents − agents staffed on the queue now: positive means short, negative means spare."""
    return required - staffed_now


def _check(agents: int, traffic: float) -> None:
    if agents < 0:
        raise ValueError("the number of agents cannot be negative")
    if traffic < 0 or not math.isfinite(traffic):
        raise ValueError("traffic must be a finite number of erlangs, at least 0")
