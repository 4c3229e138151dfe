"""A small, hand-made store for the drill-down use cases: two agents, two queues, one customer's journey."""

from __future__ import annotations

from datetime import timedelta

import pytest

from collectors.pipeline import store_batch
from dashboard.records import Agent, AgentStateInterval, Batch, Contact, SurveyResponse
from tests.conftest import utc

NOW = utc(2026, 3, 11, 16, 0)


def drill_batch() -> Batch:
    day = utc(2026, 3, 10, 9, 0)
    contacts, states, surveys = [], [], []
    for n in range(12):
        arrived = day + timedelta(minutes=17 * n)
        agent = "a1" if n % 3 else "a2"
        abandoned = n == 5
        contacts.append(Contact(
            source="t", source_id=f"c{n}", channel="voice" if n % 4 else "chat",
            queue="sales" if n % 2 else "support", arrived_at=arrived, customer_id=f"cust{n % 4}",
            answered_at=None if abandoned else arrived + timedelta(seconds=8 + 9 * n),
            abandoned_at=arrived + timedelta(seconds=40) if abandoned else None,
            ended_at=None if abandoned else arrived + timedelta(seconds=200 + 30 * n),
            wrap_seconds=0 if abandoned else 20 + n, hold_seconds=5 * (n % 2),
            agent_id=None if abandoned else agent, transfer_count=int(n == 7), resolved=None if n == 4 else n % 5 != 0))
        if not abandoned and n % 2 == 0:
            surveys.append(SurveyResponse("t", f"s{n}", f"c{n}", "csat", 1 + n % 5,
                                          arrived + timedelta(seconds=600), f"comment {n}" if n % 4 == 0 else None))
            surveys.append(SurveyResponse("t", f"n{n}", f"c{n}", "nps", n % 11, arrived + timedelta(seconds=610)))
    for agent, offset in (("a1", 0), ("a2", 7)):
        at = day - timedelta(minutes=30) + timedelta(minutes=offset)
        for k, (state, minutes, reason) in enumerate([("available", 50, None), ("on_contact", 40, None),
                                                      ("after_contact_work", 9, None), ("aux", 25, "break"),
                                                      ("on_contact", 70, None), ("aux", 31, "training"),
                                                      ("available", 44, None), ("offline", 60, None)]):
            states.append(AgentStateInterval("t", f"{agent}-{k}", agent, state, at, at + timedelta(minutes=minutes),
                                             reason))
            at += timedelta(minutes=minutes)
    states.append(AgentStateInterval("t", "a1-open", "a1", "available", utc(2026, 3, 11, 15, 10)))
    agents = [Agent("t", "a1", "Ada One", "blue", ("sales", "support")), Agent("t", "a2", "Bo Two", "blue", ("sales",))]
    return Batch(contacts=contacts, states=states, surveys=surveys, agents=agents)


@pytest.fixture
def drill_store(settings, engine):
    batch = drill_batch()
    store_batch(engine, settings, "t", "test", batch, {}, NOW)
    return settings, engine, batch
