"""The trend page's callbacks as plain functions: the CSV equals the cards, gaps are dashes, roles are checked."""

from __future__ import annotations

import csv
import io
from dataclasses import replace
from datetime import timedelta

import pytest
from werkzeug.exceptions import Unauthorized

from collectors.pipeline import store_batch
from dashboard.app import create_app
from dashboard.i18n.format import DASH
from dashboard.i18n.weekly_format import kpi_value
from dashboard.metrics.weekly import kpis
from dashboard.records import Batch, Contact, SurveyResponse
from tests.conftest import utc


def seed(engine, settings):
    contacts, surveys = [], []
    for n in range(30):
        at = utc(2026, 3, 2, 8) + timedelta(days=n % 14, minutes=17 * n)
        contact = Contact(source="s", source_id=f"c{n}", channel="voice" if n % 3 else "email",
                          queue="Billing" if n % 3 else "Email Care", arrived_at=at, customer_id=f"k{n % 7}",
                          topic=("refund", "outage")[n % 2], answered_at=at + timedelta(seconds=5 + n),
                          ended_at=at + timedelta(seconds=400 + 9 * n), resolved=n % 4 != 0)
        contacts.append(contact)
        surveys.append(SurveyResponse("s", f"v{n}", f"c{n}", "csat", 1 + n % 5, at + timedelta(hours=1)))
    store_batch(engine, settings, "s", "fake", Batch(contacts=contacts, surveys=surveys), {}, utc(2026, 3, 20))


def cards(tree) -> dict[str, str]:
    """The value text of every KPI card in a component tree, by KPI key."""
    found = {}

    def walk(node):
        if isinstance(node, (list, tuple)):
            for child in node:
                walk(child)
            return
        props = getattr(node, "__dict__", {})
        if "data-value" in props:
            found[props["data-value"]] = node.children
        walk(getattr(node, "children", None) or [])

    walk(tree)
    return found


def test_the_exported_csv_equals_the_cards(engine, settings):
    seed(engine, settings)
    app = create_app(settings, engine)
    from dashboard.pages import trends  # registers its page: only after an app exists
    with app.server.test_request_context("/trends"):
        body, _links = trends.refresh_trends("2026-03-11", "en")
        download = trends.download_csv("2026-03-11", "en")
    shown = cards(body)
    rows = list(csv.DictReader(io.StringIO(download["content"])))
    assert download["filename"] == "ccpulse-kpis-2026-W11.csv"
    assert [r["kpi"] for r in rows] == list(shown)
    kinds = {k.key: k.kind for k in kpis(channels=("voice", "email"))}
    for row in rows:
        value = None if row["this_week"] == "" else float(row["this_week"])
        kind = kinds[row["kpi"]]
        if kind in ("count", "nps") and value is not None:
            value = int(value)
        assert kpi_value(kind, value) == shown[row["kpi"]].rstrip("*"), row["kpi"]
    assert shown["contacts"] == "14"  # n % 14 in 7..13: n = 7..13 and 21..27


def test_a_week_with_no_data_shows_dashes(engine, settings):
    seed(engine, settings)
    app = create_app(settings, engine)
    from dashboard.pages import trends  # registers its page: only after an app exists
    with app.server.test_request_context("/trends"):
        body, _links = trends.refresh_trends("2026-02-16", "ko")
    assert set(cards(body).values()) == {DASH}


def test_without_the_role_the_callbacks_refuse(engine, settings):
    app = create_app(replace(settings, require_login=True), engine)
    from dashboard.pages import trends
    with app.server.test_request_context("/trends"):
        with pytest.raises(Unauthorized):
            trends.refresh_trends("2026-03-09", "en")
