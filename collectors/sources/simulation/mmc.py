"""M/M/c: one queue, Poisson arrivals, exponential service, c agents, first come first served.

No abandons, no after-contact work, no aux: the textbook system Erlang C
describes, so its waits can be checked against the formula. FCFS with
identical agents means each contact goes to the agent who frees first, so the
simulation is a heap of agents' free instants (Kiefer-Wolfowitz recursion),
O(n log c) for n contacts.
"""

from __future__ import annotations

import heapq
import random
from datetime import datetime, timedelta, timezone

from dashboard.records import Contact

MMC_START = datetime(2026, 1, 5, tzinfo=timezone.utc)


def run_mmc(arrival_rate_per_second: float, mean_handle_seconds: float, agents: int,
            duration_seconds: float, seed: int, start: datetime = MMC_START,
            source: str = "mmc") -> list[Contact]:
    """Every contact arriving in ``duration_seconds`` from ``start``, answered and ended (none abandon).

    ``answered_at − arrived_at`` is the wait, ``ended_at − answered_at`` the
    exponential service; agents are ``m001``..; the queue is "M/M/c", channel voice.
    Contacts arriving near the end are still served to completion.
    """
    if arrival_rate_per_second <= 0 or mean_handle_seconds <= 0 or agents < 1:
        raise ValueError("M/M/c needs a positive arrival rate, a positive mean handle time and 1+ agents")
    rng = random.Random(f"mmc:{seed}")
    free = [(0.0, number) for number in range(agents)]
    contacts: list[Contact] = []
    t = 0.0
    while True:
        t += rng.expovariate(arrival_rate_per_second)
        if t >= duration_seconds:
            return contacts
        free_at, agent = heapq.heappop(free)
        answered = max(t, free_at)
        ended = answered + rng.expovariate(1.0 / mean_handle_seconds)
        heapq.heappush(free, (ended, agent))
        contacts.append(Contact(
            source=source, source_id=f"mmc-{len(contacts):07d}", channel="voice", queue="M/M/c",
            arrived_at=start + timedelta(seconds=t), answered_at=start + timedelta(seconds=answered),
            ended_at=start + timedelta(seconds=ended), agent_id=f"m{agent + 1:03d}", resolved=True))
