"""The benchmark's generated contact centre: each contact goes to an agent skilled in its queue."""

from __future__ import annotations

from sqlalchemy import text

from benchmarks.metrics import NOW, new_store
from benchmarks.synthetic import Plan, generate


def test_every_handled_contact_goes_to_an_agent_skilled_in_its_queue(tmp_path):
    _, engine = new_store(tmp_path, "small")
    generate(engine, Plan(days=2, history_per_day=500, today_per_day=3_000, agents=60), NOW)
    with engine.connect() as connection:
        skills = {agent: set(skills.split(",")) for agent, skills in
                  connection.execute(text("SELECT agent_id, skills FROM agents"))}
        handled = connection.execute(text("SELECT queue, agent_id FROM contacts WHERE agent_id IS NOT NULL")).all()
    engine.dispose()
    assert len(skills) == 60 and len(handled) > 1_000
    assert all(queue in skills[agent] for queue, agent in handled)
    # every agent's two queues get their contacts: 40 queues, each with agents of its own
    assert len({queue for queue, _ in handled}) == 40
