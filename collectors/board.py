"""The agent board of the collector's memory: one entry per open agent state, rebuilt only where it changed.

A large centre has thousands of agents and a tick changes a few hundred of them (a state,
a conversation taken or ended). Each entry is kept with its JSON text, its place in the
board's order (team, name) and what it adds to the agents staffed per queue, so a tick
re-encodes and re-counts only the agents it touched.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from operator import attrgetter

import orjson
from sortedcontainers import SortedDict


@dataclass(slots=True)
class _Entry:
    order: tuple  # (team, name, key): the board's order, the same however the board was built
    shown: dict  # what the board shows of the agent
    text: str  # ``shown`` as JSON
    staffing: tuple[tuple[str, ...], str] | None  # (skills, state) counted per queue; None when offline


@dataclass
class AgentBoard:
    """Open agent states, the agents' details and their live conversations, as board entries."""

    states: dict = field(default_factory=dict)  # (source, source id) -> (agent, state, reason, started)
    agents: dict = field(default_factory=dict)  # agent -> (name, team, skills)
    staffed: dict = field(default_factory=lambda: defaultdict(Counter))  # queue -> Counter of states, "staffed"
    _entries: dict = field(default_factory=dict)  # (source, source id) -> _Entry
    _keys_of: dict = field(default_factory=lambda: defaultdict(set))  # agent -> keys of its open states
    _dirty: set = field(default_factory=set)  # agents whose entries must be rebuilt
    _closed: set = field(default_factory=set)  # keys of states closed since the last refresh
    _ordered: SortedDict = field(default_factory=SortedDict)  # order -> _Entry: the board's order, kept

    def set_state(self, key: tuple, state: tuple | None) -> None:
        """An agent-state interval opened (``state``: agent, state, reason, started) or closed (None)."""
        old = self.states.pop(key, None)
        if old is not None:
            self._keys_of[old[0]].discard(key)
            self._dirty.add(old[0])
            self._closed.add(key)
        if state is not None:
            self.states[key] = state
            self._keys_of[state[0]].add(key)
            self._dirty.add(state[0])

    def set_agent(self, agent_id: str, details: tuple) -> None:
        """An agent's (name, team, skills)."""
        if self.agents.get(agent_id) != details:
            self.agents[agent_id] = details
            self._dirty.add(agent_id)

    def touch(self, agent_id: str) -> None:
        """The agent's live conversations changed."""
        self._dirty.add(agent_id)

    def refresh(self, held: Counter) -> None:
        """Rebuild the entries of the agents changed since the last refresh."""
        for key in self._closed:
            self._drop(key)
        for agent_id in self._dirty:
            for key in self._keys_of.get(agent_id, ()):
                self._put(key, held.get(agent_id, 0))
        self._closed.clear()
        self._dirty.clear()

    def entries(self) -> list[dict]:
        """Every open state's entry in board order."""
        return [entry.shown for entry in self._in_order()]

    def encoded(self) -> str:
        """``entries()`` as a JSON array, from each entry's kept text."""
        return "[" + ", ".join(map(attrgetter("text"), self._in_order())) + "]"

    def _in_order(self):
        # the keys in order, each looked up by dict's own lookup: a third faster than ``values()``,
        # whose generic view goes through Python for every entry, every tick
        return map(self._ordered.__getitem__, self._ordered)

    def _put(self, key: tuple, held: int) -> None:
        agent_id, state, reason, started_at = self.states[key]
        name, team, skills = self.agents.get(agent_id, (None, None, ()))
        shown = {"agent_id": agent_id, "name": name or agent_id, "team": team, "state": state, "reason": reason,
                 "since": started_at.isoformat(), "held": held, "skills": list(skills)}
        staffing = None if state == "offline" else (tuple(skills), state)
        entry = _Entry((team or "", shown["name"], key), shown, orjson.dumps(shown).decode(), staffing)
        old = self._entries.get(key)
        # most changes are a conversation taken or ended: same place on the board, same staffing
        if old is None or old.staffing != staffing:
            self._count(old.staffing if old is not None else None, -1)
            self._count(staffing, +1)
        if old is not None and old.order != entry.order:
            del self._ordered[old.order]
        self._entries[key] = self._ordered[entry.order] = entry

    def _drop(self, key: tuple) -> None:
        entry = self._entries.pop(key, None)
        if entry is not None:
            self._count(entry.staffing, -1)
            del self._ordered[entry.order]

    def _count(self, staffing, sign: int) -> None:
        if staffing is None:
            return
        skills, state = staffing
        for queue in skills:
            counts = self.staffed[queue]
            counts[state] += sign
            counts["staffed"] += sign
