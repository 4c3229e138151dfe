"""The M/M/c mode: the textbook queue whose waits Erlang C predicts."""

from __future__ import annotations

import pytest

from collectors.sources.simulator import run_mmc


def erlang_c(agents: int, erlangs: float) -> float:
    """P(wait) through the Erlang B recursion."""
    blocking = 1.0
    for k in range(1, agents + 1):
        blocking = erlangs * blocking / (k + erlangs * blocking)
    return agents * blocking / (agents - erlangs * (1 - blocking))


def test_service_times_are_exponential_with_the_mean_handle_time():
    contacts = run_mmc(arrival_rate_per_second=8 / 180, mean_handle_seconds=180, agents=10,
                       duration_seconds=400_000, seed=3)
    service = [(c.ended_at - c.answered_at).total_seconds() for c in contacts]
    mean = sum(service) / len(service)
    assert mean == pytest.approx(180, rel=0.03)
    assert sum(s > 180 for s in service) / len(service) == pytest.approx(0.3679, abs=0.01)
    assert len(contacts) == pytest.approx(8 / 180 * 400_000, rel=0.03)


def test_contacts_are_served_first_come_first_served_and_never_abandon():
    contacts = run_mmc(0.05, 180, 10, 50_000, seed=1)
    answers = [c.answered_at for c in contacts]
    assert answers == sorted(answers)
    assert all(c.answered_at >= c.arrived_at and c.abandoned_at is None and c.wrap_seconds == 0
               for c in contacts)
    assert len({c.agent_id for c in contacts}) == 10


def test_waits_follow_erlang_c():
    agents, erlangs, handle = 10, 8.0, 180.0
    contacts = run_mmc(erlangs / handle, handle, agents, 1_500_000, seed=11)
    waits = [(c.answered_at - c.arrived_at).total_seconds() for c in contacts]
    p_wait = erlang_c(agents, erlangs)
    assert sum(w > 0 for w in waits) / len(waits) == pytest.approx(p_wait, rel=0.05)
    assert sum(waits) / len(waits) == pytest.approx(p_wait * handle / (agents - erlangs), rel=0.1)


def test_the_same_seed_gives_the_same_contacts():
    assert run_mmc(0.05, 180, 10, 20_000, seed=5) == run_mmc(0.05, 180, 10, 20_000, seed=5)
    assert run_mmc(0.05, 180, 10, 20_000, seed=5) != run_mmc(0.05, 180, 10, 20_000, seed=6)
