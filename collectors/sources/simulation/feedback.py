"""Survey responses to handled contacts: CSAT (1-5), NPS (0-10) and CES (1-7), with short comments.

One latent satisfaction per contact drives all its answers: resolving the
issue lifts it, a long wait, a transfer or a closing without reply pull it down,
and each agent has a steady personal touch. A share of customers answer
(more in chat, fewer in social), some minutes to hours after the contact
(at most 12 hours); low and high scores carry a comment more often.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from collectors.sources.simulation.clock import HOUR, MINUTE
from collectors.sources.simulation.model import SimContact

RESPONSE_SHARE = {"voice": 0.18, "chat": 0.3, "email": 0.12, "social": 0.08, "sms": 0.15}
MAX_DELAY_MS = 12 * HOUR
COMMENTS = {
    ("en", "good"): ("Quick and friendly, thank you.", "Sorted my {topic} in minutes.",
                     "Very patient and clear.", "Best support I've had in years.",
                     "Knew exactly what to do about the {topic}."),
    ("en", "fair"): ("Fine in the end.", "Took a while but it's done.", "OK, a bit scripted.",
                     "Had to explain the {topic} twice."),
    ("en", "poor"): ("Waited far too long.", "Still not fixed.", "Got passed around, no answer.",
                     "Nobody understood the {topic}.", "I'll be cancelling if this happens again."),
    ("ko", "good"): ("친절하게 도와주셔서 감사합니다.", "빠르게 해결되었어요.", "{topic} 설명이 명확했어요."),
    ("ko", "fair"): ("괜찮았지만 조금 오래 걸렸어요.", "보통이었어요."),
    ("ko", "poor"): ("대기 시간이 너무 길어요.", "아직 해결되지 않았습니다.", "{topic} 문제가 그대로예요."),
}


@dataclass(frozen=True, slots=True)
class SimSurvey:
    key: str
    contact_key: str
    kind: str
    score: int
    responded_ms: int
    comment: str | None


def _agent_touch(agent_id: str) -> float:
    return random.Random(f"touch:{agent_id}").gauss(0.0, 0.35)


def _latent(contact: SimContact, rng: random.Random) -> float:
    """Satisfaction on a standard scale: about 0 is neutral, +1 pleased, -1 unhappy."""
    if contact.queue.sync:
        wait_penalty = min((contact.answered - contact.arrived) / (5 * MINUTE), 1.5)
    else:
        wait_penalty = min((contact.answered - contact.arrived) / (12 * HOUR), 1.2)
    value = 0.45 + (0.8 if contact.resolves else -1.1) - wait_penalty + rng.gauss(0.0, 0.7)
    value += _agent_touch(contact.agent) - (0.5 if contact.transfer_at is not None else 0.0)
    return value


def _comment(contact: SimContact, band: str, extreme: bool, rng: random.Random) -> str | None:
    if rng.random() >= (0.5 if extreme else 0.12):
        return None
    bank = COMMENTS[("ko" if contact.language == "ko" else "en", band)]
    return rng.choice(bank).format(topic=contact.topic)


def _scores(value: float, rng: random.Random) -> dict[str, int]:
    def clamp(x: float, low: int, high: int) -> int:
        return max(low, min(high, round(x)))
    return {"csat": clamp(3.7 + 1.0 * value + rng.gauss(0, 0.3), 1, 5),
            "nps": clamp(7.3 + 2.0 * value + rng.gauss(0, 0.6), 0, 10),
            "ces": clamp(5.2 + 1.2 * value + rng.gauss(0, 0.4), 1, 7)}


def surveys_for(contact: SimContact, rng: random.Random) -> list[SimSurvey]:
    """The responses to one contact (none for most, and none for unhandled contacts)."""
    if contact.answered is None or contact.unanswered or contact.ended is None:
        return []
    if rng.random() >= RESPONSE_SHARE[contact.channel]:
        return []
    value = _latent(contact, rng)
    scores = _scores(value, rng)
    kinds = ["csat"] + [k for k, share in (("nps", 0.5), ("ces", 0.4)) if rng.random() < share]
    at_ms = max(contact.ended, contact.wrap_done) + int(min(
        rng.lognormvariate(0.0, 1.0) * 25 * MINUTE, MAX_DELAY_MS))
    band = "good" if scores["csat"] >= 4 else "fair" if scores["csat"] == 3 else "poor"
    extreme = scores["csat"] in (1, 2, 5)
    return [SimSurvey(f"{contact.key}-{kind}", contact.key, kind, scores[kind], at_ms,
                      _comment(contact, band, extreme, rng) if kind != "ces" else None)
            for kind in kinds]
