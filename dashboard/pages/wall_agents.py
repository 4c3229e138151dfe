"""``/wall/agents``: every signed-in agent, state, aux reason, time in state (ticking) and contacts held.

Cards are coloured by state, and turn amber / red as their time in state passes
the thresholds of ``[wall.agent_state_seconds]`` in ccpulse.toml (defaults below).
The ``wall_privacy`` setting shows names, initials or agent ids.
"""

from __future__ import annotations

from datetime import datetime, timezone

import dash
from dash import Input, Output, html

from collectors.snapshot import read_snapshots
from dashboard import context, ids
from dashboard.alerts.read import firing_alerts
from dashboard.i18n import format as fmt
from dashboard.i18n import pick_language, t
from dashboard.pages.wall import wall_frame
from dashboard.store.db import session_scope
from layouts import wall as view
from layouts.theme import CRITICAL, OK, WARNING

dash.register_page(__name__, path="/wall/agents", name="Agent board", title="ccpulse · agents",
                   description="Agent board")

DEFAULT_STATE_SECONDS = {"after_contact_work": (120, 300), "aux": (900, 1800), "on_contact": (900, 1800)}
STATE_ORDER = ("available", "on_contact", "after_contact_work", "aux")


def shown_name(agent: dict, privacy: str) -> str:
    """The agent as the wall may show them: full name, initials ("Jiwoo Kim" → "J.K."), or the agent id."""
    if privacy == "ids":
        return agent["agent_id"]
    if privacy == "initials":
        parts = [p for p in agent["name"].replace("-", " ").split() if p]
        return ".".join(p[0].upper() for p in parts) + "." if parts else agent["agent_id"]
    return agent["name"]


def state_limits(settings) -> dict[str, tuple[float | None, float | None]]:
    """(warning, critical) seconds per state: ccpulse.toml ``[wall.agent_state_seconds]`` over the defaults."""
    configured = ((settings.raw.get("wall") or {}).get("agent_state_seconds")) or {}
    limits = dict(DEFAULT_STATE_SECONDS)
    for state, pair in configured.items():
        warning, critical = (list(pair) + [None, None])[:2]
        limits[state] = (warning, critical)
    return limits


def layout(lang: str | None = None, **query) -> html.Div:
    settings = context.settings()
    config = {"language": pick_language(lang, settings.language)}
    header, board = agents_view(config)
    return wall_frame("agents", ids.WALL_AGENTS_INTERVAL, ids.WALL_AGENTS_CONFIG, config, [
        html.Header(header, id=ids.WALL_AGENTS_HEADER, className="whead"),
        html.Div(board, id=ids.WALL_AGENTS_BOARD, className="aboard"),
    ], query)


def agents_view(config: dict, now: datetime | None = None) -> tuple[list, list]:
    """(header, cards) from the stored agent snapshot."""
    settings = context.settings()
    now = now or datetime.now(timezone.utc)
    language = config["language"]
    with session_scope(context.engine()) as session:
        snapshots = read_snapshots(session)
        firing = firing_alerts(session)
    agents = [a for a in snapshots.get(("agents", "all"), {}).get("agents", []) if a["state"] != "offline"]
    agents.sort(key=lambda a: (STATE_ORDER.index(a["state"]) if a["state"] in STATE_ORDER else 9, a["since"]))
    limits = state_limits(settings)
    cards = [agent_card(a, language, settings.wall_privacy, limits, now) for a in agents]
    counts = {s: sum(a["state"] == s for a in agents) for s in STATE_ORDER}
    worst = CRITICAL if any(a["severity"] == CRITICAL for a in firing) else WARNING if firing else OK
    critical_unacked = any(a["severity"] == CRITICAL and a["acknowledged_at"] is None for a in firing)
    offset = int(now.astimezone(settings.tz).utcoffset().total_seconds() * 1000)
    header = view.header(settings.site_name, fmt.clock(now, settings.tz, language, seconds=True), offset,
                         [(t("wall.agents_heading", language),
                           t("wall.agents_counts", language, available=counts["available"],
                             on_contact=counts["on_contact"], acw=counts["after_contact_work"], aux=counts["aux"]))],
                         t("wall.alerts_firing", language, count=len(firing)), worst, None, critical_unacked)
    return header, cards or [html.P(t("wall.agents_none", language), className="wall__empty")]


def agent_card(agent: dict, language: str, privacy: str, limits: dict, now: datetime) -> html.Div:
    since = datetime.fromisoformat(agent["since"])
    warning, critical = limits.get(agent["state"], (None, None))
    reason = agent.get("reason")
    return view.agent_card(shown_name(agent, privacy), agent["state"], t(f"state.{agent['state']}", language),
                           reason, agent["since"], agent.get("held") or None, warning, critical,
                           fmt.duration((now - since).total_seconds()))


def register_callbacks(app: dash.Dash) -> None:
    @app.callback(Output(ids.WALL_AGENTS_HEADER, "children"), Output(ids.WALL_AGENTS_BOARD, "children"),
                  Input(ids.WALL_AGENTS_INTERVAL, "n_intervals"), Input(ids.WALL_AGENTS_CONFIG, "data"),
                  prevent_initial_call=True)
    def refresh_board(_n, config):
        return agents_view(config)
