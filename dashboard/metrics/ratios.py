"""Ratios and means over summed ``Counts``: taken last, after the intervals are added up.

A ratio whose denominator is zero is *no value* (None), shown as a dash, never
0 % or 100 %. Rates are fractions in [0, 1]; durations are seconds.
"""

from __future__ import annotations

from dashboard.metrics.counts import Counts


def _ratio(numerator: float, denominator: float) -> float | None:
    return numerator / denominator if denominator else None


def service_level(counts: Counts, form: str = "abandons_count") -> float | None:
    """Share answered within T (METRICS.md, three forms); short abandons count in no form.

    - ``abandons_count``: answered within T ÷ (answered + abandoned)
    - ``ignore_abandons``: answered within T ÷ answered
    - ``abandons_within_T_favourable``: (answered within T + abandoned within T) ÷ (answered + abandoned)
    Nothing answered or abandoned → None.
    """
    if form == "ignore_abandons":
        return _ratio(counts.answered_within_threshold, counts.answered)
    if form == "abandons_within_T_favourable":
        return _ratio(counts.answered_within_threshold + counts.abandoned_within_threshold,
                      counts.answered + counts.abandoned)
    if form == "abandons_count":
        return _ratio(counts.answered_within_threshold, counts.answered + counts.abandoned)
    raise ValueError(f"unknown service-level form {form!r}")


def abandon_rate(counts: Counts) -> float | None:
    """Abandoned (after S) ÷ (answered + abandoned); None when neither happened."""
    return _ratio(counts.abandoned, counts.answered + counts.abandoned)


def asa_seconds(counts: Counts) -> float | None:
    """Average speed of answer: mean wait of answered contacts, seconds."""
    return _ratio(counts.answer_wait_seconds, counts.answered)


def average_wait_seconds(counts: Counts) -> float | None:
    """Mean wait over answered and abandoned (after S) contacts, seconds."""
    return _ratio(counts.answer_wait_seconds + counts.abandon_wait_seconds, counts.answered + counts.abandoned)


def aht_seconds(counts: Counts) -> float | None:
    """Average handle time: (talk + hold + after-contact work) per ended contact, seconds."""
    return _ratio(counts.talk_seconds + counts.hold_seconds + counts.wrap_seconds, counts.ended)


def transfer_rate(counts: Counts) -> float | None:
    """Ended contacts transferred at least once ÷ contacts ended."""
    return _ratio(counts.transferred, counts.ended)


def response_sla(counts: Counts) -> float | None:
    """First-responded within R ÷ (first-responded + unanswered past R)."""
    return _ratio(counts.responded_within_target, counts.responded + counts.expired_unanswered)


def first_response_seconds(counts: Counts) -> float | None:
    """Mean first-response time of the contacts first-responded in the window, seconds."""
    return _ratio(counts.response_seconds, counts.responded)


def fcr(counts: Counts) -> float | None:
    """First-contact resolution: resolved, never transferred, no repeat ÷ ended with resolution known."""
    return _ratio(counts.first_contact_resolved, counts.resolved_known)


def repeat_contact_rate(counts: Counts) -> float | None:
    """Ended contacts followed by the same customer's next contact within the repeat window ÷ ended."""
    return _ratio(counts.repeated, counts.ended)


def csat(counts: Counts) -> float | None:
    """Customer satisfaction: share of 1-5 responses scored 4 or 5."""
    return _ratio(counts.csat_satisfied, counts.csat_responses)


def csat_mean(counts: Counts) -> float | None:
    """Mean CSAT score on 1-5."""
    return _ratio(counts.csat_score_sum, counts.csat_responses)


def nps(counts: Counts) -> int | None:
    """Net promoter score: % promoters (9-10) − % detractors (0-6), rounded to an integer in [−100, 100]."""
    if not counts.nps_responses:
        return None
    # half away from zero, in integers: Python's round() sends 12.5 to 12 but 13.5 to 14,
    # while a person checking by hand (or a spreadsheet's ROUND) gets 13 for 12.5
    net, responses = 100 * (counts.nps_promoters - counts.nps_detractors), counts.nps_responses
    magnitude = (2 * abs(net) + responses) // (2 * responses)
    return magnitude if net >= 0 else -magnitude


def ces(counts: Counts) -> float | None:
    """Customer effort score: mean on 1-7, 7 = very easy."""
    return _ratio(counts.ces_score_sum, counts.ces_responses)


# the names METRICS.md and STYLE.md use for the two averages
asa = asa_seconds
aht = aht_seconds
