"""The summary for crafted data: the largest changes, worded, with where they came from."""

from __future__ import annotations

from datetime import date, timedelta

from dashboard.metrics.counts import Counts
from dashboard.metrics.journey import touchpoints
from dashboard.metrics.weekly import kpis
from dashboard.usecases.trend_summary import impacts, largest_changes, summary_sentences
from dashboard.usecases.weekly_trends import Breakdown, KpiTrend, WeeklyReport

MONDAY = date(2026, 3, 9)
WEEKS = tuple(MONDAY - timedelta(days=7 * n) for n in range(12, -1, -1))


def sl_counts(within: int, answered: int, abandoned: int) -> Counts:
    return Counts(offered=answered + abandoned, answered=answered, answered_within_threshold=within,
                  abandoned=abandoned)


def crafted(last: dict, this: dict, cells_last: dict, cells_this: dict) -> WeeklyReport:
    """Last and this week per queue; every KPI's series built from the sums, as the use case does."""
    week_last, week_this = sum(last.values(), Counts()), sum(this.values(), Counts())
    trends = tuple(KpiTrend(k, (None,) * 11 + (k.value(week_last), k.value(week_this)))
                   for k in kpis() if k.value is not None and not k.channel)
    empty = touchpoints([])
    return WeeklyReport(week=MONDAY, weeks=WEEKS, days_elapsed=7, has_data=True, kpis=trends, channels=("voice",),
                        touchpoints_this=empty, touchpoints_before=empty, topics=(),
                        breakdown=Breakdown(queues_this=this, queues_last=last, cells_this=cells_this,
                                            cells_last=cells_last, queue_channels={"Billing": "voice", "Sales": "voice"}),
                        fcr_provisional=False)


def billing_monday_report() -> WeeklyReport:
    # Sales is steady at 80 %; Billing falls from 80 % to 56 % with abandons 10 → 30,
    # and the fall sits on Monday 9-11 h
    last = {"Billing": sl_counts(80, 90, 10), "Sales": sl_counts(80, 90, 10)}
    this = {"Billing": sl_counts(56, 70, 30), "Sales": sl_counts(80, 90, 10)}
    cells_last = {(0, 9): sl_counts(40, 45, 5), (0, 10): sl_counts(40, 45, 5), (2, 14): sl_counts(80, 90, 10)}
    cells_this = {(0, 9): sl_counts(28, 35, 15), (0, 10): sl_counts(28, 35, 15), (2, 14): sl_counts(80, 90, 10)}
    return crafted(last, this, cells_last, cells_this)


def test_impacts_add_up_to_the_whole_change():
    report = billing_monday_report()
    service_level = report.kpi("service_level")
    parts = impacts(service_level.kpi, report.breakdown.queues_this, report.breakdown.queues_last)
    assert abs(sum(parts.values()) - (service_level.this - service_level.last)) < 1e-12
    assert parts["Billing"] < 0 and abs(parts["Sales"]) < 1e-12


def test_the_summary_names_the_largest_changes_and_where_they_came_from():
    report = billing_monday_report()
    findings = largest_changes(report)
    # abandon rate 10 % → 20 % (+10 pt) and service level 80 % → 68 % (−12 pt) lead; contacts are flat
    assert [f.key for f in findings] == ["service_level", "abandon_rate"]
    english = summary_sentences(report, "en")
    assert english[0] == ("Service level fell 12.0 pt to 68.0%, mostly Monday 9–11 h on Billing (Voice), "
                          "where abandons went from 10 to 30.")
    assert english[1] == ("Abandon rate rose 10.0 pt to 20.0%, mostly Monday 9–11 h on Billing (Voice), "
                          "where abandons went from 10 to 30.")
    korean = summary_sentences(report, "ko")
    assert korean[0] == "서비스 레벨 12.0%p 하락, 68.0% — 주로 월요일 9–11시, Billing(음성), 포기 건수 10건 → 30건."


def test_a_steady_week_and_an_empty_week_say_so():
    same = {"Billing": sl_counts(80, 90, 10)}
    assert summary_sentences(crafted(same, same, {}, {}), "en") == [
        "No figure moved by a point or more since last week."]
    report = crafted(same, same, {}, {})
    empty = WeeklyReport(**{**report.__dict__, "has_data": False})
    assert summary_sentences(empty, "en") == ["No contacts were recorded this week."]
