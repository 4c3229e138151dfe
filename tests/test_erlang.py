"""Erlang C against published worked examples, exactness at thousands of agents, required agents."""

from __future__ import annotations

import math
from decimal import Decimal, getcontext

import pytest
from hypothesis import given, settings, strategies as st

from dashboard.erlang import (asa, erlang_b, erlang_c, occupancy, required_agents, service_level, staffing,
                              staffing_gap, traffic_erlangs)


# ---- published worked examples ------------------------------------------------------------------

def test_call_centre_helper_made_simple_example():
    # Source: Call Centre Helper, "Erlang C Formula - Made Simple with an Easy Worked Example"
    # (callcentrehelper.com). 100 calls in 30 minutes, AHT 180 s, target 80 % in 20 s.
    # Traffic = 100 × 180 / 1800 = 10 erlangs. With 11 agents the article gives
    # P(wait) = 68.21 % and service level 39.0 %; it adds agents until the target is
    # met and reaches 14 raw agents (13 give 79.6 %, just short of 80 %).
    traffic = traffic_erlangs(100, 30 * 60, 180)
    assert traffic == 10.0
    assert round(100 * erlang_c(11, traffic), 2) == 68.21
    assert round(100 * service_level(11, traffic, 180, 20), 1) == 39.0
    assert round(100 * service_level(13, traffic, 180, 20), 1) == 79.6
    assert required_agents(traffic, 180, 0.8, 20) == 14
    # SL(14) = 1 − 0.1741 × e^(−4 × 20/180) = 1 − 0.1741 × 0.6412 = 0.8884
    assert round(service_level(14, traffic, 180, 20), 4) == 0.8884


def test_westbay_erlang_c_page_example():
    # Source: Westbay Engineers, "The Erlang-C Formula" (westbay.ndirect.co.uk/erlang.htm):
    # 360 calls per half hour, 4-minute calls, 55 agents, target answer time 15 s.
    # Traffic = 360 × 240 / 1800 = 48 erlangs; occupancy = 48 / 55 = 0.873.
    # The P(wait), ASA and service level below are our own arithmetic of the page's
    # formulas (we could not re-read the page's printed figures): P(wait) = 0.2387,
    # ASA = 0.2387 × 240 / 7 = 8.2 s, SL = 1 − 0.2387 × e^(−7 × 15/240) = 84.6 %.
    traffic = traffic_erlangs(360, 1800, 240)
    assert traffic == 48.0
    assert round(occupancy(55, traffic), 3) == 0.873
    assert round(erlang_c(55, traffic), 4) == 0.2387
    assert round(asa(55, traffic, 240), 1) == 8.2
    assert round(100 * service_level(55, traffic, 240, 15), 1) == 84.6


def test_footbridge_call_calc_application_note():
    # Source: Footbridge "Call Calc" application note (al911.org/qos_calc.htm): 2 call
    # takers, 60-second calls arriving 30 per hour → "fewer than 8 percent of callers
    # will wait more than 10 seconds"; with 60 + 20 s of work per call "the QOS falls
    # to 14 percent". a = 30 × 60 / 3600 = 0.5; C(2, 0.5) = 2ρ²/(1 + ρ) with ρ = 0.25 = 0.1;
    # P(W > 10) = 0.1 × e^(−1.5 × 10/60) = 0.0779. With 80 s: a = 2/3, ρ = 1/3,
    # C = (2/9)/(4/3) = 1/6; P(W > 10) = (1/6) × e^(−(4/3) × 10/80) = 0.1411.
    assert 1 - service_level(2, traffic_erlangs(30, 3600, 60), 60, 10) < 0.08
    assert round(1 - service_level(2, traffic_erlangs(30, 3600, 80), 80, 10), 2) == 0.14


def test_erlang_b_seventeen_erlangs_one_percent_needs_27_lines():
    # Source: the Erlang B exercise posted to erlang-questions (erlang.org, 2002-06-16):
    # "17 erlang ... less than 1% blockage ... The answer I got was 27 lines", which
    # matches every published Erlang B table: B(26, 17) = 1.02 %, B(27, 17) = 0.64 %.
    assert erlang_b(26, 17) > 0.01 > erlang_b(27, 17)
    assert round(100 * erlang_b(27, 17), 2) == 0.64


def test_mm1_textbook_closed_form():
    # Source: any queueing text, e.g. Kleinrock, Queueing Systems vol. 1, §3.2 (M/M/1):
    # P(wait) = ρ and Wq = ρ/(μ − λ). With h = 60 s, λ = 1/120 per s: ρ = 0.5,
    # Wq = 0.5 / (1/60 − 1/120) = 60 s.
    assert erlang_c(1, 0.5) == pytest.approx(0.5)
    assert asa(1, 0.5, 60) == pytest.approx(60.0)


def test_mm2_textbook_closed_form():
    # Source: Gross & Harris, Fundamentals of Queueing Theory, M/M/c with c = 2:
    # P(wait) = 2ρ²/(1 + ρ). a = 1 erlang, ρ = 0.5 → 2 × 0.25 / 1.5 = 1/3;
    # a = 1.5, ρ = 0.75 → 2 × 0.5625 / 1.75 = 0.642857.
    assert erlang_c(2, 1.0) == pytest.approx(1 / 3)
    assert erlang_c(2, 1.5) == pytest.approx(1.125 / 1.75)


# ---- exactness and edges -------------------------------------------------------------------------

def _erlang_c_decimal(agents: int, traffic: int) -> Decimal:
    getcontext().prec = 60
    a, blocked = Decimal(traffic), Decimal(1)
    for n in range(1, agents + 1):
        blocked = a * blocked / (n + a * blocked)
    return agents * blocked / (agents - a * (1 - blocked))


@pytest.mark.parametrize("agents, traffic", [(2000, 1950), (2100, 2000), (5000, 4900), (3000, 2990)])
def test_exact_and_finite_at_thousands_of_agents(agents, traffic):
    # the textbook aᴺ/N! overflows a float near N = 170; the recursion must match 60-digit arithmetic
    value = erlang_c(agents, traffic)
    assert math.isfinite(value) and 0 < value < 1
    assert value == pytest.approx(float(_erlang_c_decimal(agents, traffic)), rel=1e-9)
    result = staffing(agents, traffic, 180, 20)
    assert all(math.isfinite(v) for v in (result.p_wait, result.service_level, result.asa_seconds))


def test_overloaded_queue_waits_always_and_has_no_asa():
    # N ≤ a: the queue grows without bound
    result = staffing(10, 10.0, 180, 20)
    assert (result.p_wait, result.service_level, result.asa_seconds, result.occupancy) == (1.0, 0.0, None, 1.0)
    assert erlang_c(5, 8.0) == 1.0


def test_no_traffic_needs_no_agents_and_zero_agents_have_no_figures():
    assert required_agents(0.0, 180, 0.8, 20) == 0
    assert staffing(0, 0.0, 180, 20).p_wait is None
    assert staffing(3, 0.0, 180, 20).p_wait == 0.0  # nobody arrives, nobody waits


def test_max_occupancy_raises_the_requirement():
    # 10 erlangs: 14 agents meet 80/20 at occupancy 10/14 = 71.4 %; at most 70 % needs ⌈10/0.7⌉ = 15
    assert required_agents(10.0, 180, 0.8, 20, max_occupancy=0.85) == 14
    assert required_agents(10.0, 180, 0.8, 20, max_occupancy=0.7) == 15


def test_staffing_gap_is_required_less_staffed():
    assert staffing_gap(14, 11) == 3
    assert staffing_gap(14, 16) == -2


def test_bad_input_is_refused():
    with pytest.raises(ValueError):
        erlang_b(-1, 2.0)
    with pytest.raises(ValueError):
        required_agents(5.0, 180, 1.5, 20)
    with pytest.raises(ValueError):
        traffic_erlangs(10, 0, 180)


# ---- properties ------------------------------------------------------------------------------------

@settings(max_examples=60, deadline=None)
@given(traffic=st.floats(0.1, 300), aht=st.floats(10, 900), target=st.floats(0, 120),
       level=st.floats(0.05, 0.99))
def test_required_agents_is_the_least_meeting_the_target(traffic, aht, target, level):
    agents = required_agents(traffic, aht, level, target)
    assert agents > traffic
    assert service_level(agents, traffic, aht, target) >= level - 1e-12
    if agents - 1 > traffic:
        assert service_level(agents - 1, traffic, aht, target) < level


@settings(max_examples=60, deadline=None)
@given(traffic=st.floats(0.1, 500), extra=st.integers(1, 60))
def test_more_agents_never_wait_more(traffic, extra):
    agents = math.floor(traffic) + extra
    assert 0 <= erlang_c(agents + 1, traffic) <= erlang_c(agents, traffic) <= 1
