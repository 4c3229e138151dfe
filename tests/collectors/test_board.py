"""The agent board kept entry by entry: after any sequence of changes it equals a board built afresh."""

from __future__ import annotations

from collections import Counter
from datetime import datetime, timezone

from collectors.board import AgentBoard

AT = datetime(2026, 3, 2, 9, 0, tzinfo=timezone.utc)


def fresh(board: AgentBoard, held: Counter) -> AgentBoard:
    """The same states and agents put into a new board at once."""
    built = AgentBoard()
    for agent_id, details in board.agents.items():
        built.set_agent(agent_id, details)
    for key, state in board.states.items():
        built.set_state(key, state)
    built.refresh(held)
    return built


def assert_same(kept: AgentBoard, held: Counter) -> None:
    built = fresh(kept, held)
    assert kept.entries() == built.entries()
    assert kept.encoded() == built.encoded()
    assert {queue: +counts for queue, counts in kept.staffed.items() if +counts} == \
        {queue: +counts for queue, counts in built.staffed.items() if +counts}


def test_a_board_kept_through_changes_equals_one_built_afresh():
    board, held = AgentBoard(), Counter()
    board.set_agent("a1", ("Ada", "Blue", ("Billing",)))
    board.set_agent("a2", ("Bo", "Blue", ("Billing", "Sales")))
    board.set_state(("s", "1"), ("a1", "available", None, AT))
    board.set_state(("s", "2"), ("a2", "on_contact", None, AT))
    board.refresh(held)
    assert_same(board, held)
    assert board.staffed["Billing"] == Counter({"available": 1, "on_contact": 1, "staffed": 2})

    held["a2"] += 1  # a conversation taken: same place, same staffing, new text
    board.touch("a2")
    board.refresh(held)
    assert_same(board, held)
    assert [entry["held"] for entry in board.entries()] == [0, 1]

    board.set_agent("a1", ("Ada", "Red", ("Sales",)))  # a new team and skills: a new place, new staffing
    board.refresh(held)
    assert_same(board, held)
    assert [entry["agent_id"] for entry in board.entries()] == ["a2", "a1"]  # Blue before Red
    assert +board.staffed["Billing"] == Counter({"on_contact": 1, "staffed": 1})

    board.set_state(("s", "1"), None)  # a1's state closed, a new one opened
    board.set_state(("s", "3"), ("a1", "offline", None, AT))
    board.refresh(held)
    assert_same(board, held)
    assert +board.staffed["Sales"] == Counter({"on_contact": 1, "staffed": 1})  # offline is not staffed
