"""Whether live figures are fresh: the snapshot's age and the sources feeding each queue.

A tile's figures are stale when the whole snapshot is old (the collector stopped) or when a
source that feeds its queue is down; a queue fed by other sources stays live. Pure functions
over the stored snapshot payloads, used by every page that shows live tiles.
"""

from __future__ import annotations

from datetime import datetime

from dashboard.alerts.values import source_down


def freshness(snapshots: dict, settings, now: datetime) -> tuple[float | None, dict[str, str | None]]:
    """The snapshot's age in seconds (None: none yet) and the sources that are down, each with its
    last success (ISO time, None: never)."""
    sources = snapshots.get(("sources", "all"), {}).get("sources", [])
    down = {s["name"]: s.get("last_success_at") for s in sources if source_down(s, now, settings)}
    taken = [datetime.fromisoformat(p["taken_at"]) for (scope, _), p in snapshots.items() if scope == "queue"]
    return ((now - min(taken)).total_seconds() if taken else None), down


def snapshot_stale(age: float | None, settings) -> bool:
    """The snapshot is older than ``stale_after_intervals`` polls: the collector is not keeping it up."""
    return age is not None and age > settings.stale_after_intervals * settings.poll_seconds


def stale_since(payload: dict, snapshot_is_stale: bool, down: dict[str, str | None]) -> str | None:
    """Since when (ISO time) a queue's figures are stale, None when they are live.

    The whole snapshot old: since it was taken. Else a source feeding the queue down: since
    that source's last success (the snapshot's time if it never succeeded). A queue whose
    sources are not known (it never had a contact) goes stale with any source down.
    """
    if snapshot_is_stale:
        return payload["taken_at"]
    fed_by = payload.get("sources") or list(down)
    lasts = [down[name] or payload["taken_at"] for name in fed_by if name in down]
    return min(lasts, key=datetime.fromisoformat) if lasts else None
