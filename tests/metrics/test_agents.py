"""Agent figures: state time clipped to the window and to now, occupancy, utilization, time in state."""

from __future__ import annotations

from datetime import timedelta

import pytest

from dashboard.metrics.agents import (add_seconds, agent_figures, current_states, occupancy, state_seconds,
                                      time_in_state_seconds, utilization)
from dashboard.metrics.counts import Counts
from dashboard.records import AgentStateInterval
from tests.conftest import utc

T0 = utc(2026, 3, 2, 9, 0)


def at(minutes: float):
    return T0 + timedelta(minutes=minutes)


def state(agent, name, start, end=None, reason=None):
    return AgentStateInterval("s", f"{agent}-{name}-{start}", agent, name, at(start), None if end is None else at(end),
                              reason)


# Ann 08:50-10:00: available 08:50-09:10, on_contact 09:10-09:40, after_contact_work 09:40-09:45,
# aux (break) 09:45-09:50, available from 09:50, still open at now = 10:00
ANN = [state("ann", "available", -10, 10), state("ann", "on_contact", 10, 40),
       state("ann", "after_contact_work", 40, 45), state("ann", "aux", 45, 50, "break"),
       state("ann", "available", 50)]


def test_state_seconds_clip_to_window_and_now():
    # window 09:00-10:00, now 10:00: available 10 + 10 = 20 min (the 08:50-09:00 part is outside),
    # on_contact 30, acw 5, aux 5
    seconds = state_seconds(ANN, T0, at(60), at(60))["ann"]
    assert seconds == {"available": 1200.0, "on_contact": 1800.0, "after_contact_work": 300.0, "aux": 300.0}
    # now 09:55: the open interval counts only 5 minutes
    assert state_seconds(ANN, T0, at(60), at(55))["ann"]["available"] == 900.0


def test_occupancy_and_utilization():
    seconds = {"available": 1200.0, "on_contact": 1800.0, "after_contact_work": 300.0, "aux": 300.0,
               "offline": 600.0}
    # occupancy: handle (1800 + 300) ÷ (2100 + 1200 available) = 2100/3300 = 0.636
    assert occupancy(seconds) == pytest.approx(2100 / 3300)
    # utilization: handle 2100 ÷ staffed (all but offline: 3600) = 0.583
    assert utilization(seconds) == pytest.approx(2100 / 3600)


def test_never_staffed_is_no_value():
    assert occupancy({}) is None and utilization({"offline": 3600.0}) is None
    assert occupancy({"aux": 600.0}) is None  # only on break: neither handling nor available


def test_add_seconds_joins_rollups_and_open_intervals():
    assert add_seconds({"ann": {"available": 60.0}}, {"ann": {"available": 30.0, "aux": 5.0}, "bob": {"aux": 1.0}}) \
        == {"ann": {"available": 90.0, "aux": 5.0}, "bob": {"aux": 1.0}}


def test_current_state_and_time_in_it():
    current = current_states(ANN, at(60))
    assert current["ann"].state == "available"
    assert time_in_state_seconds(current["ann"], at(60)) == 600.0  # since 09:50
    assert time_in_state_seconds(None, at(60)) is None
    # at 09:42 the current state is after-contact work, 2 minutes in
    assert time_in_state_seconds(current_states(ANN, at(42))["ann"], at(42)) == 120.0


def test_agent_figures_use_the_same_ratios():
    # 4 contacts ended, handle (900 + 60 + 240) s → AHT 300 s; 3 of 4 resolved first time; CSAT 1 of 2
    counts = Counts(ended=4, talk_seconds=900.0, hold_seconds=60.0, wrap_seconds=240.0, resolved_known=4,
                    first_contact_resolved=3, csat_responses=2, csat_satisfied=1)
    seconds = state_seconds(ANN, T0, at(60), at(60))["ann"]
    figures = agent_figures("ann", seconds, counts, current_states(ANN, at(60))["ann"], at(60))
    assert (figures.contacts_handled, figures.aht_seconds, figures.fcr, figures.csat) == (4, 300.0, 0.75, 0.5)
    assert figures.state == "available" and figures.time_in_state_seconds == 600.0
    assert figures.occupancy == pytest.approx(2100 / 3300)
    empty = agent_figures("bob", {}, Counts(), None, at(60))
    assert (empty.aht_seconds, empty.fcr, empty.csat, empty.occupancy, empty.state) == (None,) * 5
