"""Contact detail: its timeline, survey, and the customer's journey with the repeat flag."""

from __future__ import annotations

from sqlalchemy import select

from dashboard.i18n import catalog
from dashboard.store.db import session_scope
from dashboard.store.models import ContactRow
from dashboard.usecases.contact_detail import contact_detail


def test_contact_detail_shows_timeline_survey_and_journey(drill_store):
    settings, engine, _ = drill_store
    with session_scope(engine) as session:
        contact_id = session.scalars(select(ContactRow.id).where(ContactRow.source_id == "c0")).one()
        detail = contact_detail(session, settings, contact_id)
        assert contact_detail(session, settings, 10_000) is None
    assert [e.key for e in detail.events] == ["drill.event.arrived", "drill.event.answered", "drill.event.ended",
                                              "drill.event.wrapped"]
    assert all(e.key in catalog() for e in detail.events)
    assert [(s["kind"], s["score"]) for s in detail.surveys] == [("csat", 1), ("nps", 0)]
    # cust0 came back with c4 and c8, 68 and 136 minutes later, both within 7 days
    assert [j["this"] for j in detail.journey] == [True, False, False]
    assert detail.repeat and detail.journey[0]["repeat"]
