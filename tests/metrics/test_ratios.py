"""Ratios over summed counts: hand-worked tables, the dash for no value, and properties."""

from __future__ import annotations

import pytest
from hypothesis import given, settings, strategies as st

from dashboard.metrics import ratios
from dashboard.metrics.counts import Counts, total

# One queue's hour: 40 answered (30 within T), 8 abandoned after S (3 of them within T),
# 4 short abandons; waits: answered 600 s in all, abandoned 320 s in all.
HOUR = Counts(offered=52, answered=40, answered_within_threshold=30, abandoned=8, abandoned_within_threshold=3,
              short_abandoned=4, answer_wait_seconds=600.0, abandon_wait_seconds=320.0,
              ended=20, talk_seconds=3000.0, hold_seconds=600.0, wrap_seconds=1200.0, transferred=3,
              responded=10, responded_within_target=7, response_seconds=9000.0, expired_unanswered=2,
              resolved_known=16, first_contact_resolved=12, repeated=5,
              csat_responses=10, csat_satisfied=7, csat_score_sum=38.0,
              nps_responses=8, nps_promoters=3, nps_detractors=2, ces_responses=4, ces_score_sum=22.0)


@pytest.mark.parametrize("name, expected", [
    # service level, abandons count: 30 ÷ (40 + 8) = 0.625
    ("service_level", 30 / 48),
    # abandon rate: 8 ÷ (40 + 8) = 0.1667 (the 4 short abandons count nowhere)
    ("abandon_rate", 8 / 48),
    # ASA: 600 s ÷ 40 answered = 15 s
    ("asa_seconds", 15.0),
    # average wait: (600 + 320) ÷ (40 + 8) = 19.17 s
    ("average_wait_seconds", 920 / 48),
    # AHT: (3000 talk + 600 hold + 1200 wrap) ÷ 20 ended = 240 s
    ("aht_seconds", 240.0),
    # transfer rate: 3 ÷ 20 ended = 0.15
    ("transfer_rate", 0.15),
    # response SLA: 7 within R ÷ (10 responded + 2 unanswered past R) = 0.5833
    ("response_sla", 7 / 12),
    # first response: 9000 s ÷ 10 responded = 900 s
    ("first_response_seconds", 900.0),
    # FCR: 12 ÷ 16 with resolution known = 0.75
    ("fcr", 0.75),
    # repeat contact rate: 5 ÷ 20 ended = 0.25
    ("repeat_contact_rate", 0.25),
    # CSAT: 7 of 10 scored 4-5 = 0.7; mean 38 ÷ 10 = 3.8
    ("csat", 0.7), ("csat_mean", 3.8),
    # CES: 22 ÷ 4 = 5.5
    ("ces", 5.5),
])
def test_hand_worked_hour(name, expected):
    assert getattr(ratios, name)(HOUR) == pytest.approx(expected)


def test_service_level_forms():
    # ignore abandons: 30 ÷ 40 = 0.75; abandons within T favourable: (30 + 3) ÷ 48 = 0.6875
    assert ratios.service_level(HOUR, "ignore_abandons") == 0.75
    assert ratios.service_level(HOUR, "abandons_within_T_favourable") == pytest.approx(33 / 48)
    with pytest.raises(ValueError):
        ratios.service_level(HOUR, "nonsense")


def test_metrics_md_names_are_the_same_functions():
    assert ratios.asa is ratios.asa_seconds and ratios.aht is ratios.aht_seconds


def test_empty_window_has_no_value_anywhere():
    empty = Counts()
    for name in ("service_level", "abandon_rate", "asa_seconds", "average_wait_seconds", "aht_seconds",
                 "transfer_rate", "response_sla", "first_response_seconds", "fcr", "repeat_contact_rate",
                 "csat", "csat_mean", "nps", "ces"):
        assert getattr(ratios, name)(empty) is None, name


def test_all_abandoned():
    # 5 abandoned, nothing answered: SL 0 (not a dash: people were turned away), abandon rate 1,
    # ASA a dash (nobody answered); ignoring abandons there is nothing to rate
    counts = Counts(offered=5, abandoned=5, abandon_wait_seconds=200.0)
    assert ratios.service_level(counts) == 0.0
    assert ratios.abandon_rate(counts) == 1.0
    assert ratios.asa_seconds(counts) is None
    assert ratios.average_wait_seconds(counts) == 40.0
    assert ratios.service_level(counts, "ignore_abandons") is None


def test_only_short_abandons_is_no_value():
    assert ratios.service_level(Counts(offered=3, short_abandoned=3)) is None
    assert ratios.abandon_rate(Counts(offered=3, short_abandoned=3)) is None


@pytest.mark.parametrize("promoters, detractors, responses, expected", [
    (3, 2, 8, 13),     # 100 × 1/8 = 12.5 → 13 (half away from zero; round() gave 12)
    (2, 3, 8, -13),    # −12.5 → −13
    (5, 2, 8, 38),     # 37.5 → 38 (round() also gives 38: the two must not differ by parity)
    (1, 0, 3, 33),     # 33.33 → 33
    (2, 0, 3, 67),     # 66.67 → 67
    (4, 0, 4, 100), (0, 4, 4, -100), (0, 0, 4, 0),
])
def test_nps_rounds_half_away_from_zero(promoters, detractors, responses, expected):
    counts = Counts(nps_responses=responses, nps_promoters=promoters, nps_detractors=detractors)
    assert ratios.nps(counts) == expected


@st.composite
def queue_counts(draw):
    answered = draw(st.integers(0, 200))
    abandoned = draw(st.integers(0, 200))
    return Counts(answered=answered, answered_within_threshold=draw(st.integers(0, answered)),
                  abandoned=abandoned, abandoned_within_threshold=draw(st.integers(0, abandoned)))


FORMS = ("abandons_count", "ignore_abandons", "abandons_within_T_favourable")


@settings(max_examples=200, deadline=None)
@given(counts=queue_counts(), form=st.sampled_from(FORMS))
def test_service_level_stays_in_0_1(counts, form):
    value = ratios.service_level(counts, form)
    assert value is None or 0.0 <= value <= 1.0


@settings(max_examples=200, deadline=None)
@given(counts=queue_counts(), form=st.sampled_from(FORMS))
def test_a_contact_answered_within_t_never_lowers_service_level(counts, form):
    before = ratios.service_level(counts, form)
    after = ratios.service_level(counts + Counts(answered=1, answered_within_threshold=1), form)
    assert after is not None and (before is None or after >= before)


@settings(max_examples=100, deadline=None)
@given(promoters=st.integers(0, 500), passives=st.integers(0, 500), detractors=st.integers(0, 500))
def test_nps_is_an_integer_from_minus_100_to_100(promoters, passives, detractors):
    responses = promoters + passives + detractors
    value = ratios.nps(Counts(nps_responses=responses, nps_promoters=promoters, nps_detractors=detractors))
    assert value is None if responses == 0 else (isinstance(value, int) and -100 <= value <= 100)


def test_ratio_of_a_sum_is_not_the_mean_of_ratios():
    # 1 of 1 within T in one interval, 0 of 9 in the next: the hour is 1/10, not (100 % + 0 %)/2
    quiet = Counts(answered=1, answered_within_threshold=1)
    busy = Counts(answered=9)
    assert ratios.service_level(total([quiet, busy])) == 0.1
