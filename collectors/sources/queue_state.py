"""The queue_log state machine: events in, contacts and agent state intervals out.

The state is a plain JSON dict kept in the source's cursor (so it is stored in
the same transaction as the records it produced, and a replay from the old
cursor reproduces the same output):

- ``calls``: open calls by call id: queue, arrival, answer (UTC epoch seconds),
  agent, transfers and a pseudonymous customer id.
- ``agents``: current state of each agent: state, reason, since (epoch s), the
  interval's sequence number (so interval ids are stable), queues, paused flag.

Each event touching a call emits the call's full current view (``Contact`` keyed
by the call id). A call still open when the data ends stays in ``calls``: on the
store it is waiting (no answer yet) or connected (answered, not ended).

A call whose closing event never comes (Asterisk restarted, a log line lost) would
wait or talk on the wall for ever. Once the log has gone on ``LOST_AFTER_SECONDS``
past a call's last known moment with no event for it, the call is closed as lost
(``close_lost_calls``): ended at that last known moment, with no answer or abandon
added (a waiting call is counted offered only; an answered one adds no talk time), and
its agent, still on the call as far as the log says, becomes available (or aux) then.
The log's own clock decides, never the wall clock, so a replay gives the same output.
"""

from __future__ import annotations

import hashlib
import logging
import re
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

from collectors.sources.queue_log import QueueEvent
from collectors.sources.validate import Problem, RecordError, contact_problems, reject, state_problems
from dashboard.records import AgentStateInterval, Contact, Rejection

log = logging.getLogger(__name__)

ARRIVE = {"ENTERQUEUE"}
ANSWER = {"CONNECT"}
COMPLETE = {"COMPLETECALLER", "COMPLETEAGENT"}
LEAVE = {"ABANDON", "EXITWITHTIMEOUT", "EXITEMPTY", "EXITWITHKEY"}
TRANSFER = {"TRANSFER", "BLINDTRANSFER", "ATTENDEDTRANSFER"}
CALL_VERBS = ARRIVE | ANSWER | COMPLETE | LEAVE | TRANSFER | {"RINGNOANSWER"}
AGENT_VERBS = {"ADDMEMBER", "REMOVEMEMBER", "PAUSE", "UNPAUSE", "PAUSEALL", "UNPAUSEALL", "AGENTLOGIN",
               "AGENTLOGOFF", "AGENTCALLBACKLOGIN", "AGENTCALLBACKLOGOFF"}
NO_CALL = {"", "NONE", "MANAGER", "CLI", "REALTIME"}
CALLBACK_AGENT = re.compile(r"^Local/([^@/]+)@[\w-]*agent[\w-]*$", re.IGNORECASE)
LOST_AFTER_SECONDS = 12 * 3600  # no queue call waits or talks this long: its closing event was lost
SWEEP_SECONDS = 60  # look for lost calls at most once per minute of log time


@dataclass
class Outcome:
    contacts: list[Contact] = field(default_factory=list)
    states: list[AgentStateInterval] = field(default_factory=list)
    rejections: list[Rejection] = field(default_factory=list)
    skipped: int = 0


def agent_id(member: str) -> str | None:
    """The agent behind a member interface; PBXware callback agents ``Local/1127@callback-agent`` are ``Agent/1127``."""
    if member.upper() in ("", "NONE"):
        return None
    match = CALLBACK_AGENT.match(member)
    return f"Agent/{match.group(1)}" if match else member


def customer_id(caller: str) -> str | None:
    """A pseudonymous customer id from a caller number (a hash: the number itself is never stored)."""
    digits = caller.strip()
    if not digits or digits.lower() in ("unknown", "anonymous", "none", "<unknown>"):
        return None
    return "caller:" + hashlib.sha256(digits.encode()).hexdigest()[:16]


def _time(epoch: float | None) -> datetime | None:
    return None if epoch is None else datetime.fromtimestamp(epoch, tz=timezone.utc)


def _contact(source: str, callid: str, call: dict[str, Any], **outcome: float | None) -> Contact:
    return Contact(source=source, source_id=callid, channel="voice", queue=call["queue"],
                   arrived_at=_time(call["arrived"]), customer_id=call.get("customer"),
                   answered_at=_time(call.get("answered")), abandoned_at=_time(outcome.get("abandoned")),
                   ended_at=_time(outcome.get("ended")), agent_id=call.get("agent"),
                   transfer_count=call.get("transfers", 0))


def _open_call(calls: dict, ev: QueueEvent, at: float) -> dict[str, Any]:
    """The call's tracked state; when its ENTERQUEUE was never seen, arrival = now − wait (or now)."""
    call = calls.get(ev.callid)
    if call is None:
        wait = ev.wait_seconds if ev.verb not in ARRIVE else None
        call = {"queue": ev.queue, "arrived": at - (wait or 0.0), "answered": None, "agent": None,
                "transfers": 0, "customer": None}
        if ev.verb in COMPLETE | TRANSFER and ev.talk_seconds is not None:
            call["answered"] = at - ev.talk_seconds
            call["arrived"] = call["answered"] - (wait or 0.0)
    return dict(call)


def _call_event(state: dict, ev: QueueEvent, source: str) -> tuple[Contact | None, dict | None, str | None]:
    """The contact after this event, the call's new tracked state (None: closed) and the agent's new state."""
    at = ev.at.timestamp()
    call = _open_call(state["calls"], ev, at)
    if ev.verb in ARRIVE:
        call.update(arrived=at, customer=customer_id(ev.caller))
        return _contact(source, ev.callid, call), call, None
    member = agent_id(ev.agent)
    if ev.verb in ANSWER:
        call.update(answered=at, agent=member or call.get("agent"))
        return _contact(source, ev.callid, call), call, "on_contact"
    if ev.verb in LEAVE:
        return _contact(source, ev.callid, call, abandoned=at), None, None
    if ev.verb in TRANSFER:
        call["transfers"] = call.get("transfers", 0) + 1
    call["agent"] = call.get("agent") or member
    if call.get("answered") is None:  # a COMPLETE without CONNECT: answered = end − talk time
        talk = ev.talk_seconds or 0.0
        call["answered"] = at - talk
    return _contact(source, ev.callid, call, ended=at), None, "after_call"


def _interval(source: str, agent: str, record: dict, ended: float | None) -> AgentStateInterval:
    return AgentStateInterval(source=source, source_id=f"{agent}#{record['seq']}", agent_id=agent,
                              state=record["state"], started_at=_time(record["since"]),
                              ended_at=_time(ended), reason=record.get("reason"))


def move_agent(state: dict, source: str, agent: str, new: str, reason: str | None,
               at: float) -> list[AgentStateInterval]:
    """Close the agent's current interval at ``at`` and open ``new``; nothing when the state is unchanged."""
    agents = state["agents"]
    current = agents.get(agent)
    if current and current["state"] == new and current.get("reason") == reason:
        return []
    emitted = []
    if current and current.get("seq", 0) > 0:  # seq 0: first seen just now, no interval to close
        at = max(at, current["since"])  # a row out of order never makes an interval negative
        emitted.append(_interval(source, agent, current, at))
    record = {**(current or {"queues": [], "paused": False}), "state": new, "reason": reason, "since": at,
              "seq": (current or {}).get("seq", 0) + 1}
    agents[agent] = record
    emitted.append(_interval(source, agent, record, None))
    return emitted


def _idle(record: dict | None) -> tuple[str, str | None]:
    """Where an agent goes when a call ends or a pause is lifted: aux if still paused, else available."""
    if record and record.get("paused"):
        return "aux", record.get("pause_reason") or "pause"
    return "available", None


def _agent_event(state: dict, ev: QueueEvent, source: str) -> list[AgentStateInterval]:
    agent = agent_id(ev.agent)
    if agent is None:
        raise RecordError("agent", f"{ev.verb} without an agent")
    at = ev.at.timestamp()
    record = state["agents"].setdefault(agent, {"state": "offline", "reason": None, "since": at, "seq": 0,
                                                "queues": [], "paused": False})
    online = record["state"] != "offline"
    if ev.verb == "ADDMEMBER":
        record["queues"] = sorted(set(record["queues"]) | {ev.queue})
        record["paused"] = record["paused"] or ev.field(0).upper() == "PAUSED"
    elif ev.verb == "REMOVEMEMBER":
        record["queues"] = sorted(set(record["queues"]) - {ev.queue})
        if not record["queues"]:
            return move_agent(state, source, agent, "offline", None, at)
        return []
    elif ev.verb in ("PAUSE", "PAUSEALL"):
        record.update(paused=True, pause_reason=ev.field(0) or "pause")
    elif ev.verb in ("UNPAUSE", "UNPAUSEALL"):
        record.update(paused=False, pause_reason=None)
    elif ev.verb in ("AGENTLOGOFF", "AGENTCALLBACKLOGOFF"):
        record.update(queues=[], paused=False, pause_reason=None)
        return move_agent(state, source, agent, "offline", None, at)
    if record["state"] == "on_contact":
        return []  # a pause during a call takes effect when the call ends
    if not online and ev.verb in ("PAUSE", "PAUSEALL", "UNPAUSE", "UNPAUSEALL"):
        return []
    return move_agent(state, source, agent, *_idle(record), at)


def apply_event(state: dict, ev: QueueEvent, source: str, now: datetime,
                allowed_queues: frozenset[str] | None = None) -> Outcome:
    """Apply one event to ``state`` (changed in place) and return what it produced, with the calls
    the log's clock has now closed as lost (``close_lost_calls``), even when the event itself is
    rejected.

    System events (QUEUESTART, CONFIGRELOAD), call events without a call id, and
    unknown or unused verbs are skipped and counted. A record that fails validation
    is rejected; a rejected call stops being tracked.
    """
    state.setdefault("calls", {})
    state.setdefault("agents", {})
    out = Outcome()
    out.contacts, intervals = close_lost_calls(state, source, ev.at.timestamp())
    try:
        intervals += _event(state, ev, source, now, allowed_queues, out)
    except RecordError as error:
        out.rejections.append(reject(ev.location, Problem(error.field, error.reason)))
    for interval in intervals:
        problems = state_problems(interval, now)
        if problems:
            out.rejections.append(reject(ev.location, problems[0]))
        else:
            out.states.append(interval)
    return out


def _event(state: dict, ev: QueueEvent, source: str, now: datetime, allowed_queues: frozenset[str] | None,
           out: Outcome) -> list[AgentStateInterval]:
    """The event's own effect: its contact, rejection or skip added to ``out``; the agents' intervals returned."""
    if ev.verb in AGENT_VERBS:
        return _agent_event(state, ev, source)
    if ev.verb not in CALL_VERBS or ev.callid.upper() in NO_CALL:
        out.skipped = 1
        return []
    if ev.verb == "RINGNOANSWER":
        ev.seconds({"RINGNOANSWER": 0}, unit="ms")  # checks the ring time is a number
        return []
    contact, call, agent_state = _call_event(state, ev, source)
    problems = contact_problems(contact, now, allowed_queues)
    if problems:
        state["calls"].pop(ev.callid, None)
        out.rejections.append(reject(ev.location, problems[0]))
        return []
    if call is None:
        state["calls"].pop(ev.callid, None)
    else:
        state["calls"][ev.callid] = call
    out.contacts.append(contact)
    return _agent_after_call(state, source, contact.agent_id, agent_state, ev.at.timestamp())


def close_lost_calls(state: dict, source: str, log_time: float) -> tuple[list[Contact], list[AgentStateInterval]]:
    """Close the open calls with no event for ``LOST_AFTER_SECONDS`` before ``log_time`` (the log's clock):
    the contacts closed and the agents' state intervals this ends.

    Each ends at its last known moment (its answer, else its arrival) with no outcome added. An
    answered call's agent, when nothing has moved them since that answer, leaves ``on_contact``
    at the same moment, as after a call that ended there. Runs at most once per ``SWEEP_SECONDS``
    of log time.
    """
    if log_time < state.get("swept", float("-inf")) + SWEEP_SECONDS:
        return [], []
    state["swept"] = log_time
    lost = [callid for callid, call in state.get("calls", {}).items()
            if (call.get("answered") or call["arrived"]) < log_time - LOST_AFTER_SECONDS]
    closed, intervals = [], []
    for callid in lost:
        call = state["calls"].pop(callid)
        closed.append(_contact(source, callid, call, ended=call.get("answered") or call["arrived"]))
        record = state["agents"].get(call.get("agent"))
        if call.get("answered") is not None and record and record["since"] <= call["answered"]:
            intervals += _agent_after_call(state, source, call["agent"], "after_call", call["answered"])
        log.warning("%s: call %s had no event for %d h while the log went on: closed as lost", source, callid,
                    LOST_AFTER_SECONDS // 3600)
    return closed, intervals


def _agent_after_call(state: dict, source: str, agent: str | None, change: str | None,
                      at: float) -> list[AgentStateInterval]:
    if agent is None or change is None:
        return []
    record = state["agents"].get(agent)
    if change == "on_contact":
        return move_agent(state, source, agent, "on_contact", None, at)
    if record and record["state"] == "on_contact":
        return move_agent(state, source, agent, *_idle(record), at)
    return []
