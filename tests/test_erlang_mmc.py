"""The simulator's M/M/c mode over long simulated time agrees with Erlang C (P(wait) and ASA within 5 %).

Each run is deterministic (a fixed seed), long enough that the sampling error of
the ASA, the noisier of the two, is well under 5 % at these loads; the first 2 %
of simulated time is dropped as warm-up, and contacts still waiting at the end
are left out.
"""

from __future__ import annotations

import pytest

from dashboard.erlang import asa, erlang_c

simulator = pytest.importorskip(
    "collectors.sources.simulator",
    reason="collectors/sources/simulator.py (run_mmc) is not written yet: the M/M/c check cannot run")

HANDLE_SECONDS = 60.0


@pytest.mark.slow
@pytest.mark.parametrize("agents, traffic, duration_seconds", [
    (10, 8.0, 4_000_000.0),    # ≈ 530 000 arrivals; Erlang C: P(wait) 0.409, ASA 12.3 s
    (50, 45.0, 1_500_000.0),   # ≈ 1 100 000 arrivals; Erlang C: P(wait) 0.564, ASA 6.8 s
])
def test_mmc_simulation_matches_erlang_c(agents, traffic, duration_seconds):
    contacts = simulator.run_mmc(traffic / HANDLE_SECONDS, HANDLE_SECONDS, agents, duration_seconds, seed=11)
    start = min(c.arrived_at for c in contacts)
    warm = [c for c in contacts if c.answered_at is not None
            and (c.arrived_at - start).total_seconds() >= 0.02 * duration_seconds]
    waits = [(c.answered_at - c.arrived_at).total_seconds() for c in warm]
    p_wait = sum(w > 0 for w in waits) / len(waits)
    mean_wait = sum(waits) / len(waits)
    assert p_wait == pytest.approx(erlang_c(agents, traffic), rel=0.05)
    assert mean_wait == pytest.approx(asa(agents, traffic, HANDLE_SECONDS), rel=0.05)
