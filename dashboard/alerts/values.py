"""Each rule metric's value, read from the live snapshot payloads: the one place the wall and the alerts agree on.

Ratios come from ``dashboard.metrics.ratios`` over the payload's additive counts;
a zero denominator is None (no value). Rolling figures use the last 30 minutes
(whole 15-minute intervals, the current one included).
"""

from __future__ import annotations

import math
from datetime import datetime

from dashboard import erlang
from dashboard.metrics import ratios
from dashboard.metrics.counts import INTERVAL, Counts

ROLLING = "last_30"


def counts(payload: dict, window: str) -> Counts:
    return Counts(**payload["counts"][window])


def _age_seconds(at: str | None, now: datetime) -> float | None:
    return max(0.0, (now - datetime.fromisoformat(at)).total_seconds()) if at else None


def longest_wait_seconds(payload: dict, now: datetime) -> float:
    """now − the oldest waiting arrival; 0 when nobody waits (METRICS.md)."""
    return _age_seconds(payload["live"].get("oldest_arrived_at"), now) or 0.0


def oldest_unanswered_seconds(payload: dict, now: datetime) -> float | None:
    """now − the oldest backlog arrival; an empty backlog is None."""
    return _age_seconds(payload["live"].get("oldest_arrived_at"), now)


def _share(part: int, whole: int) -> float | None:
    return part / whole if whole else None


def staffing_gap(payload: dict) -> int | None:
    """Erlang C required agents for this interval − agents staffed now; None without arrivals or AHT.

    Arrivals: the last 60 minutes' offered, scaled to one 15-minute interval by the
    time the window has actually covered; handle time: today's AHT.
    """
    last_hour = counts(payload, "last_60")
    aht = ratios.aht_seconds(counts(payload, "today"))
    covered = (datetime.fromisoformat(payload["taken_at"])
               - datetime.fromisoformat(payload["windows"]["last_60"])).total_seconds()
    if not aht or covered <= 0 or not last_hour.offered:
        return None
    arrivals = last_hour.offered * INTERVAL.total_seconds() / covered
    traffic = erlang.traffic_erlangs(arrivals, INTERVAL.total_seconds(), aht)
    policy = payload["policy"]
    required = erlang.required_agents(traffic, aht, policy["service_level_target"], policy["service_level_seconds"])
    return erlang.staffing_gap(required, int(payload["agents"].get("staffed", 0)))


def queue_values(payload: dict, now: datetime) -> dict[str, float | None]:
    """Every queue metric of one queue payload at ``now`` (None: no value)."""
    form = payload["policy"]["service_level_form"]
    rolling, today = counts(payload, ROLLING), counts(payload, "today")
    live = payload["live"]
    if payload.get("async"):
        backlog = int(live["waiting"])
        return {"backlog": backlog, "oldest_unanswered_seconds": oldest_unanswered_seconds(payload, now),
                "share_at_risk": _share(live.get("past_75", 0), backlog),
                "share_breached": _share(live.get("past_100", 0), backlog),
                "response_sla": ratios.response_sla(today)}
    return {"waiting": int(live["waiting"]), "longest_wait_seconds": longest_wait_seconds(payload, now),
            "service_level": ratios.service_level(rolling, form),
            "service_level_today": ratios.service_level(today, form),
            "abandon_rate": ratios.abandon_rate(rolling), "asa_seconds": ratios.asa_seconds(rolling),
            "staffing_gap": staffing_gap(payload)}


def silent_intervals(source: dict, now: datetime, poll_seconds: float) -> float | None:
    """Poll intervals since the source's last successful poll; never polled → None (no data)."""
    age = _age_seconds(source.get("last_success_at"), now)
    if age is None:
        return None
    return math.floor(age / poll_seconds * 10) / 10


def source_down(source: dict, now: datetime, settings) -> bool:
    """Its last poll failed, or it has not succeeded for ``stale_after_intervals`` polls."""
    silent = silent_intervals(source, now, settings.poll_seconds)
    return bool(source.get("consecutive_failures")) or silent is None or silent > settings.stale_after_intervals


RATE_METRICS = ("service_level", "service_level_today", "abandon_rate", "share_at_risk", "share_breached",
                "response_sla")
SECONDS_METRICS = ("longest_wait_seconds", "asa_seconds", "oldest_unanswered_seconds")


def display(metric: str, value: float | None) -> str:
    """A metric's value as the wall shows it: rates as %, durations as m:ss, counts as numbers."""
    from dashboard.i18n import format as fmt

    if metric in RATE_METRICS:
        return fmt.percent(value)
    if metric in SECONDS_METRICS:
        return fmt.duration(value)
    if metric == "staffing_gap" and value is not None:
        return f"{value:+.0f}"
    return fmt.number(value, 1 if metric == "source_silent_intervals" else 0)
