"""The weekly report: week-over-week arithmetic, weeks across a year end and a DST change, empty weeks."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from collectors.pipeline import store_batch
from dashboard.commands.report import report_rows
from dashboard.metrics.weekly import BAD, FLAT, GOOD
from dashboard.records import Batch, Contact
from dashboard.store.db import session_scope
from dashboard.usecases.weekly_trends import days_elapsed, latest_complete_week, weekly_report
from tests.conftest import utc

BERLIN = ZoneInfo("Europe/Berlin")


def call(n: int, at: datetime, wait: float, *, abandoned: bool = False, talk: float = 300, queue="Billing",
         channel="voice", customer: str | None = None) -> Contact:
    contact = Contact(source="s", source_id=f"c{n}", channel=channel, queue=queue, arrived_at=at,
                      customer_id=customer, topic="billing question")
    if abandoned:
        contact.abandoned_at = at + timedelta(seconds=wait)
    else:
        contact.answered_at = at + timedelta(seconds=wait)
        contact.ended_at = contact.answered_at + timedelta(seconds=talk)
        contact.resolved = True
    return contact


def store(engine, settings, contacts, now):
    store_batch(engine, settings, "s", "fake", Batch(contacts=contacts), {}, now)


def report_of(engine, settings, week, now):
    with session_scope(engine) as session:
        return weekly_report(session, settings, week, now)


def test_week_over_week_changes_and_their_verdicts(engine, settings):
    last, this = utc(2026, 3, 2, 9), utc(2026, 3, 9, 9)
    # last week: 4 answered, 3 within 20 s, talk 300 s each; this week: 2 answered within T, 2 abandoned
    contacts = [call(1, last, 10), call(2, last, 12), call(3, last, 15), call(4, last, 40),
                call(5, this, 5, talk=420), call(6, this, 8, talk=420), call(7, this, 30, abandoned=True),
                call(8, this, 60, abandoned=True)]
    now = utc(2026, 3, 20, 12)
    store(engine, settings, contacts, now)
    report = report_of(engine, settings, date(2026, 3, 11), now)  # any day of the week picks its Monday
    assert report.week == date(2026, 3, 9) and report.days_elapsed == 7 and report.has_data
    sl = report.kpi("service_level")
    assert (sl.last, sl.this) == (0.75, 0.5) and sl.change == pytest.approx(-0.25) and sl.verdict == BAD
    assert sl.target == settings.service_level_target and len(sl.values) == 13
    abandon = report.kpi("abandon_rate")
    assert (abandon.last, abandon.this, abandon.verdict) == (0.0, 0.5, BAD)
    aht = report.kpi("aht_seconds")
    assert (aht.last, aht.this, aht.change, aht.verdict) == (300.0, 420.0, 120.0, BAD)
    asa = report.kpi("asa_seconds")  # (10+12+15+40)/4 = 19.25 → (5+8)/2 = 6.5: shorter is better
    assert (asa.last, asa.this, asa.verdict) == (19.25, 6.5, GOOD)
    contacts_kpi = report.kpi("contacts")
    assert (contacts_kpi.last, contacts_kpi.this, contacts_kpi.change, contacts_kpi.verdict) == (4, 4, 0.0, FLAT)
    assert report.kpi("contacts.voice").values[-2:] == (4, 4)
    assert report.kpi("response_sla").this is None  # no asynchronous queue: a dash, not 0 %


def test_the_report_gives_the_figures_of_ccpulse_report_by_week(engine, settings):
    contacts = [call(n, utc(2026, 3, 2 + n % 14, 9 + n % 8), 5 + 7 * (n % 6), abandoned=n % 5 == 0,
                     talk=200 + 10 * n, customer=f"k{n % 4}") for n in range(40)]
    now = utc(2026, 3, 20, 12)
    store(engine, settings, contacts, now)
    report = report_of(engine, settings, date(2026, 3, 9), now)
    with session_scope(engine) as session:
        rows = {r["group"]: r for r in report_rows(session, settings, date(2026, 3, 2), date(2026, 3, 15), "week")}
    for index, label in ((-2, "2026-W10"), (-1, "2026-W11")):
        row = rows[label]
        for key in ("service_level", "abandon_rate", "asa_seconds", "aht_seconds", "transfer_rate", "fcr",
                    "repeat_contact_rate", "touchpoints_mean", "touchpoints_4plus_share", "csat", "nps", "ces"):
            assert report.kpi(key).values[index] == row[key], (label, key)
        assert report.kpi("contacts").values[index] == row["offered"]


def test_a_week_across_the_year_end_holds_its_sunday_evening_in_the_site_zone(engine, settings):
    settings = replace(settings, timezone="Europe/Berlin")
    # 2027-01-03 is the Sunday of ISO week 2026-W53; 23:30 UTC that day is already Monday 00:30 in Berlin
    inside, after = utc(2027, 1, 3, 21, 30), utc(2027, 1, 3, 23, 30)
    now = utc(2027, 1, 20)
    store(engine, settings, [call(1, inside, 5), call(2, after, 5), call(3, after, 6)], now)
    week53 = report_of(engine, settings, date(2026, 12, 31), now)
    assert week53.week == date(2026, 12, 28) and week53.kpi("contacts").this == 1
    week1 = report_of(engine, settings, date(2027, 1, 4), now)
    assert week1.kpi("contacts").values[-2:] == (1, 2)


def test_a_week_with_a_daylight_saving_change_ends_at_local_midnight(engine, settings):
    settings = replace(settings, timezone="Europe/Berlin")
    # clocks go forward on Sunday 2026-03-29: local midnight that night is 22:00 UTC, not 23:00
    store(engine, settings, [call(1, utc(2026, 3, 29, 21, 30), 5), call(2, utc(2026, 3, 29, 22, 30), 5)],
          utc(2026, 4, 10))
    report = report_of(engine, settings, date(2026, 3, 23), utc(2026, 4, 10))
    assert report.kpi("contacts").this == 1
    assert report_of(engine, settings, date(2026, 3, 30), utc(2026, 4, 10)).kpi("contacts").this == 1


def test_an_empty_week_is_dashes_not_zeros(engine, settings):
    now = utc(2026, 3, 20, 12)
    store(engine, settings, [call(1, utc(2026, 3, 2, 9), 5)], now)
    report = report_of(engine, settings, date(2026, 3, 9), now)
    assert not report.has_data
    assert all(trend.this is None for trend in report.kpis)
    assert report.kpi("contacts").last == 1 and report.kpi("contacts").change is None
    assert report.touchpoints_this.mean is None and report.topics == ()


def test_the_week_in_progress_counts_its_days():
    tz = BERLIN
    assert days_elapsed(date(2026, 3, 9), utc(2026, 3, 11, 10), tz) == 3  # Wednesday
    assert days_elapsed(date(2026, 3, 9), utc(2026, 3, 8, 23, 30), tz) == 1  # Monday 00:30 in Berlin
    assert days_elapsed(date(2026, 3, 9), utc(2026, 3, 20), tz) == 7
    assert days_elapsed(date(2026, 3, 16), utc(2026, 3, 11), tz) == 0
    assert latest_complete_week(utc(2026, 3, 11, 10), tz) == date(2026, 3, 2)


def test_topics_carry_their_repeat_rate(engine, settings):
    week = utc(2026, 3, 9, 9)
    contacts = [call(1, week, 5, customer="k1"), call(2, week + timedelta(days=1), 5, customer="k1"),
                call(3, week, 5, customer="k2")]
    contacts[2].topic = "refund"
    now = utc(2026, 3, 20)
    store(engine, settings, contacts, now)
    topics = {tp.topic: tp for tp in report_of(engine, settings, date(2026, 3, 9), now).topics}
    # k1 came back a day later: one of the two billing contacts is a repeat
    assert (topics["billing question"].contacts, topics["billing question"].repeat_rate) == (2, 0.5)
    assert (topics["refund"].contacts, topics["refund"].repeat_rate) == (1, 0.0)
