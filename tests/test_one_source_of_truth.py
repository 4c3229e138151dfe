"""A day's figures are the same on the wall, the drill-down, the report and the trend page.

One simulated day is stored through the collector's path; each page's own use case
then computes the day's service level (and abandon rate, ASA) for every queue and
for the centre, and all of them must be equal, not merely close.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest

from collectors.pipeline import refresh_live, store_batch
from collectors.snapshot import read_snapshots
from collectors.sources.simulator import backfill
from dashboard.metrics import ratios
from dashboard.metrics.counts import COUNT_FIELDS, Counts, total
from dashboard.metrics.windows import day_window
from dashboard.store import read
from dashboard.store.db import session_scope
from dashboard.usecases.filters import Filters
from dashboard.usecases.queue_overview import queue_rows
from dashboard.usecases.weekly_trends import weekly_report

DAY = date(2026, 3, 4)  # a Wednesday


def same(a: Counts, b: Counts) -> bool:
    """Counts exactly equal; sums of seconds equal to 1e-9 (they are added up in another order)."""
    return all(pytest.approx(getattr(b, f), rel=1e-9, abs=1e-9) == getattr(a, f) if f.endswith("_seconds")
               or f.endswith("_sum") else getattr(a, f) == getattr(b, f) for f in COUNT_FIELDS)


@pytest.fixture
def one_day(engine, settings):
    settings = replace(settings, timezone="Europe/Berlin")
    end = datetime(2026, 3, 4, 19, 0, tzinfo=ZoneInfo("Europe/Berlin"))
    for batch in backfill(seed=11, days=1, end=end, timezone="Europe/Berlin"):
        store_batch(engine, settings, "simulator", "simulator", batch, {}, end)
    refresh_live(engine, settings, end)
    return settings, end


def test_the_day_is_the_same_figure_on_every_page(engine, one_day):
    settings, end = one_day
    form = settings.service_level_form
    with session_scope(engine) as session:
        wall = read_snapshots(session)
        window = day_window(DAY, settings.tz, settings.day_reset_hour)
        report = read.counts_by(session, window.start, window.end, "queue", tz=settings.tz)
        drill = {row.queue: row for row in queue_rows(session, settings, Filters("custom", DAY, DAY), end)}
        trend = weekly_report(session, settings, DAY, end)

    queues = [key for scope, key in wall if scope == "queue"]
    assert len(queues) >= 6
    for queue in queues:
        on_wall = Counts(**wall[("queue", queue)]["counts"]["today"])
        assert same(on_wall, report[queue]), queue
        if not wall[("queue", queue)]["async"]:
            assert drill[queue].range["service_level"] == ratios.service_level(on_wall, form) == drill[queue].today["service_level"]
            assert drill[queue].range["abandon_rate"] == ratios.abandon_rate(on_wall)

    centre = Counts(**wall[("centre", "all")]["counts"]["today"])
    assert same(centre, total(report.values()))
    trend_sl = next(k for k in trend.kpis if k.kpi.key == "service_level").this
    assert trend_sl is not None and trend_sl == ratios.service_level(centre, form)
    assert 0 < centre.offered and centre.answered > 0
