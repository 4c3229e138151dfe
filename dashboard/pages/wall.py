"""``/wall``: every queue on a TV across the room, with thresholds, alerts, freshness and wins.

Query options: ``kiosk=1`` hides the chrome, ``rotate=wall,agents&dwell=30`` rotates
pages (``assets/wall.js``), ``sound=1`` beeps on a new alert, ``queues=A,B`` picks and
orders the queues (default: the ``queue_order`` setting, then by name), ``lang=ko``.

Every display with the same options sees the same wall for the same snapshot, so a
refresh reads the store (at most once a second per worker and options: the displays
asking meanwhile share that read), digests what the wall would show into a key, and renders only
a key this worker has not rendered yet (``rendered_wall``); a display that already
shows that key is answered with no update at all. What changes with the clock alone
(the clock, waits, a stale tile's age) ticks in the browser (``assets/wall.js``); the
levels those durations reach are part of the key.
"""

from __future__ import annotations

import hashlib
import json
import threading
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from functools import lru_cache

import dash
from dash import ALL, Input, Output, State, ctx, dcc, html
from dash._utils import to_json
from flask import session as flask_session

from collectors.snapshot import read_snapshots
from dashboard import context, ids
from dashboard.alerts.evaluate import acknowledge_alert
from dashboard.alerts.read import firing_alerts, latest_wins
from dashboard.alerts.rules import current_rules, rules_for
from dashboard.alerts.values import display, longest_wait_seconds, oldest_unanswered_seconds, queue_values
from dashboard.auth import current_role, require_role
from dashboard.freshness import freshness, snapshot_stale, stale_since
from dashboard.i18n import format as fmt
from dashboard.i18n import pick_language, t
from dashboard.metrics import ratios
from dashboard.metrics.counts import Counts
from dashboard.recent import Recent
from dashboard.store.db import session_scope
from layouts import wall as view
from layouts.theme import CRITICAL, OK, STALE, WARNING, level

dash.register_page(__name__, path="/wall", name="Wall", title="ccpulse · wall", description="Wall display")

CHANNEL_ORDER = ("voice", "chat", "email", "social", "sms")
AGE_MARK = "\x00"
# the figures whose value moves with the clock alone (all others come from the payload): their text ticks in the
# browser, their level is part of a render's key
CLOCK_METRICS = {"longest_wait_seconds": longest_wait_seconds, "oldest_unanswered_seconds": oldest_unanswered_seconds}
RECENT_READS = Recent(seconds=1.0)  # a worker's latest read of the wall's inputs, per wall options
RENDERING = threading.Lock()


def wall_frame(page: str, interval_id: str, config_id: str, config: dict, children: list, query: dict) -> html.Div:
    """The page around a wall view: its refresh, its per-viewer config, and what wall.js reads."""
    settings = context.settings()
    return html.Div(className="wall" + (" wall--kiosk" if query.get("kiosk") in ("1", "true") else ""),
                    **{"data-page": page, "data-rotate": query.get("rotate") or "",
                       "data-dwell": str(query.get("dwell") or 30), "data-sound": str(query.get("sound") or "0")},
                    children=[dcc.Interval(id=interval_id, interval=int(settings.poll_seconds * 1000)),
                              dcc.Store(id=config_id, data=config), *children])


def layout(lang: str | None = None, queues: str | None = None, **query) -> html.Div:
    settings = context.settings()
    language = pick_language(lang, settings.language)
    chosen = [q.strip() for q in queues.split(",") if q.strip()] if queues else list(settings.queue_order)
    config = {"language": language, "queues": chosen, "acked": 0}
    inputs = recent_wall(config)
    header, banner, tiles, style, wins = render_once(inputs)
    return wall_frame("wall", ids.WALL_INTERVAL, ids.WALL_CONFIG, config, [
        dcc.Store(id=ids.WALL_RENDERED, data=inputs.key),
        html.Header(header, id=ids.WALL_HEADER, className="whead"),
        html.Div(banner, id=ids.WALL_BANNER, className="wbanner"),
        html.Div(className="wall__body", children=[
            html.Div(tiles, id=ids.WALL_GRID, className="wgrid", style=style),
            html.Div(wins, id=ids.WALL_WINS, className="wall__wins"),
        ]),
    ], query)


def ordered_queues(payloads: list[dict], chosen: list[str]) -> list[dict]:
    """The chosen queues in their order (all when none chosen), grouped by channel."""
    if chosen:
        rank = {name: i for i, name in enumerate(chosen)}
        payloads = [p for p in payloads if p["queue"] in rank]
    else:
        rank = {}
    channel_rank = {c: i for i, c in enumerate(CHANNEL_ORDER)}
    return sorted(payloads, key=lambda p: (channel_rank.get(p["channel"], len(CHANNEL_ORDER)), p["channel"],
                                           rank.get(p["queue"], len(rank)), p["queue"]))


@dataclass(frozen=True, eq=False)
class WallInputs:
    """Everything one wall render reads; equal (and hashed) by ``key``, the digest of what it shows."""

    key: str
    language: str
    payloads: list[dict]
    rules: list
    firing: list[dict]
    wins: list
    stale: bool  # the snapshot itself is old: every tile is stale
    down: dict[str, str | None]  # sources down -> last success; their queues' tiles are stale
    now: datetime
    settings: object

    def __eq__(self, other) -> bool:
        return isinstance(other, WallInputs) and other.key == self.key

    def __hash__(self) -> int:
        return hash(self.key)


def read_wall(config: dict, now: datetime | None = None) -> WallInputs:
    """The stored snapshot, rules, firing alerts and wins for one wall's options, with their key."""
    settings = context.settings()
    now = now or datetime.now(timezone.utc)
    with session_scope(context.engine()) as session:
        snapshots = read_snapshots(session, ("queue", "sources"))  # not the agent board: it can be large
        rules = current_rules(session, settings)
        firing = firing_alerts(session)
        wins = latest_wins(session, now - timedelta(days=1)) if settings.wins_panel else []
    payloads = ordered_queues([p for (scope, _), p in snapshots.items() if scope == "queue"], config["queues"])
    age, down = freshness(snapshots, settings, now)
    stale = snapshot_stale(age, settings)
    key = wall_key(config["language"], payloads, rules, firing, wins, stale, down, settings, now)
    return WallInputs(key, config["language"], payloads, rules, firing, wins, stale, down, now, settings)


def wall_key(language, payloads, rules, firing, wins, stale, down, settings, now) -> str:
    """A digest of everything the render shows, the same in every worker (no ``hash()``: it is salted per process).

    ``now`` enters only through what it decides (staleness, sources down, each figure's
    level, the zone's UTC offset): its ticking text is redrawn by wall.js.
    """
    levels = [[figure_state(metric, {metric: value_at(p, now)}, rules_for(rules, p["queue"], p["channel"]))
               for metric, value_at in CLOCK_METRICS.items()] for p in payloads]
    parts = {
        "language": language, "payloads": payloads, "levels": levels, "stale": stale, "down": down,
        "rules": [repr(r) for r in rules],  # a frozen dataclass of plain values: its repr is stable
        "alerts": [(a["id"], a["subject"], a["severity"], a["value"], a["rule"].metric, a["acknowledged_by"],
                    a["acknowledged_at"]) for a in firing],
        "wins": [(w.id, w.score, w.comment, w.queue, w.channel) for w in wins],
        # the settings the render reads: add here any setting a builder below starts to read
        "settings": (settings.site_name, str(settings.tz), settings.service_level_form, utc_offset_ms(settings, now)),
    }
    # key order as stored, the same in every worker: an equal payload in another order only renders again
    text = json.dumps(parts, default=str, separators=(",", ":"))
    return hashlib.blake2b(text.encode(), digest_size=16).hexdigest()


@lru_cache(maxsize=64)
def rendered_wall(inputs: WallInputs) -> tuple:
    """``build_wall`` as JSON-ready data, rendered once per key and worker for every display that asks.

    A bounded memo of a pure function of its inputs (keyed on their digest), not shared
    state: each worker keeps its own, and losing it costs one render. Callers must not
    mutate the answer.
    """
    return tuple(json.loads(to_json(part)) for part in build_wall(inputs))


def render_once(inputs: WallInputs) -> tuple:
    """``rendered_wall`` under the worker's render lock: threads asking for a new key render it once, not once each."""
    with RENDERING:
        return rendered_wall(inputs)


def recent_wall(config: dict) -> WallInputs:
    """``read_wall`` now, or this worker's read of the same options if younger than a fifth of a poll
    interval (at most 1 s): the displays asking meanwhile share it."""
    fresh_for = min(1.0, context.settings().poll_seconds / 5)
    return RECENT_READS.get(json.dumps(config, sort_keys=True), lambda: read_wall(config), fresh_for)


def refresh_wall(config: dict, shown: str | None, now: datetime | None = None) -> tuple:
    """(header, banner, tiles, grid style, wins, key) as JSON-ready data; no update when ``shown`` is the key.

    Without ``now`` (a display's refresh) the inputs are ``recent_wall``'s.
    """
    inputs = recent_wall(config) if now is None else read_wall(config, now)
    if inputs.key == shown:  # this display already shows it: nothing rendered or sent
        raise dash.exceptions.PreventUpdate
    return (*render_once(inputs), inputs.key)


def wall_view(config: dict, now: datetime | None = None) -> tuple:
    """(header, banner, tiles, grid style, wins) from the stored snapshot, rules and alerts, as components."""
    return build_wall(read_wall(config, now))


def build_wall(inputs: WallInputs) -> tuple:
    """(header, banner, tiles, grid style, wins) for ``inputs``."""
    settings, language, now, firing = inputs.settings, inputs.language, inputs.now, inputs.firing
    tiles = [queue_tile(p, inputs.rules, firing, stale_since(p, inputs.stale, inputs.down), language, settings, now)
             for p in inputs.payloads]
    if not tiles:
        tiles = [html.P(t("live.no_data", language), className="wall__empty")]
    header = wall_header(inputs.payloads, firing, inputs.down, language, settings, now)
    banner = [alert_item(a, language, settings) for a in firing]
    wins = inputs.wins
    wins_view = view.wins_panel(t("wall.wins", language), [win_item(w, language) for w in wins]) if wins else None
    return header, banner, tiles, view.grid_style(len(tiles)), wins_view


def utc_offset_ms(settings, now: datetime) -> int:
    return int(now.astimezone(settings.tz).utcoffset().total_seconds() * 1000)


def wall_header(payloads, firing, down, language, settings, now) -> list:
    today = sum((Counts(**p["counts"]["today"]) for p in payloads if not p["async"]), Counts())
    waiting = sum(p["live"]["waiting"] for p in payloads if not p["async"])
    backlog = sum(p["live"]["waiting"] for p in payloads if p["async"])
    totals = [(t("metric.waiting", language), fmt.number(waiting)), (t("metric.backlog", language), fmt.number(backlog)),
              (t("metric.offered", language), fmt.number(today.offered)),
              (t("metric.service_level_today", language), fmt.percent(ratios.service_level(today, settings.service_level_form)))]
    worst = CRITICAL if any(a["severity"] == CRITICAL for a in firing) else WARNING if firing else OK
    downs = t("wall.sources_down", language, names=", ".join(down)) if down else None
    offset = utc_offset_ms(settings, now)
    critical_unacked = any(a["severity"] == CRITICAL and a["acknowledged_at"] is None for a in firing)
    return view.header(settings.site_name, fmt.clock(now, settings.tz, language, seconds=True), offset, totals,
                       t("wall.alerts_firing", language, count=len(firing)), worst, downs, critical_unacked)


def figure_state(metric: str, values: dict, rules: dict) -> str:
    """A figure's level under its rule; unjudged (no rule) or no value → OK (shown plain)."""
    rule = rules.get(metric)
    value = values.get(metric)
    return level(value, rule.warning, rule.critical, rule.direction) if rule and value is not None else OK


def _figure(metric, values, rules, label, size="small", since=None):
    return view.figure(label, display(metric, values.get(metric)), figure_state(metric, values, rules),
                       metric=metric, since=since, size=size)


def queue_tile(payload: dict, all_rules, firing: list[dict], stale: str | None, language: str, settings,
               now) -> html.Div:
    """One queue's wall tile: synchronous (waits, SL, abandons, ASA, agents, gap) or asynchronous (backlog).

    ``stale``: since when its figures are stale (``stale_since``), None when live.
    """
    values = queue_values(payload, now)
    rules = rules_for(all_rules, payload["queue"], payload["channel"])
    mine = [a for a in firing if a["subject"] == payload["queue"]]
    state = STALE if stale else CRITICAL if any(a["severity"] == CRITICAL for a in mine) else WARNING if mine else OK
    since = payload["live"].get("oldest_arrived_at")
    agents = payload["agents"]
    agent_row = [view.figure(t(f"wall.agents.{s}", language), fmt.number(agents.get(s, 0)), metric=f"agents_{s}")
                 for s in ("available", "on_contact", "after_contact_work", "aux")]
    policy = payload["policy"]
    if payload["async"]:
        main = [_figure("backlog", values, rules, t("metric.backlog", language), "big"),
                _figure("oldest_unanswered_seconds", values, rules, t("metric.oldest_unanswered", language), "big",
                        since=since)]
        rows = [[_figure("share_at_risk", values, rules, t("wall.at_risk", language)),
                 _figure("share_breached", values, rules, t("alerts.metric.share_breached", language)),
                 _figure("response_sla", values, rules, t("wall.response_sla_today", language))], agent_row]
        form = t("wall.response_target", language, target=fmt.duration(policy["response_target_seconds"]))
    else:
        main = [_figure("waiting", values, rules, t("metric.waiting", language), "big"),
                _figure("longest_wait_seconds", values, rules, t("metric.longest_wait", language), "big",
                        since=since if values["waiting"] else None)]
        rows = [[_figure("service_level", values, rules, t("wall.sl_30", language)),
                 _figure("service_level_today", values, rules, t("metric.service_level_today", language)),
                 _figure("abandon_rate", values, rules, t("wall.abandon_30", language)),
                 _figure("asa_seconds", values, rules, t("wall.asa_30", language))],
                agent_row + [_figure("staffing_gap", values, rules, t("wall.gap", language))]]
        form = t("wall.sl_form", language, target=int(round(policy["service_level_target"] * 100)),
                 seconds=int(policy["service_level_seconds"]), form=t("form." + policy["service_level_form"], language))
    footer = [html.Span(form, className="wtile__form"), freshness_note(payload, stale, language, settings, now)]
    return view.wall_tile(policy["display_name"], payload["channel"], t(f"channel.{payload['channel']}", language),
                          state, t(f"wall.state.{state}", language), main, rows, footer,
                          flash=any(a["acknowledged_at"] is None for a in mine) and not stale)


def freshness_note(payload: dict, stale: str | None, language: str, settings, now: datetime):
    taken_at = datetime.fromisoformat(payload["taken_at"])
    if stale:  # the age ticks in the browser from data-since
        before, _, after = t("live.stale", language, age=AGE_MARK).partition(AGE_MARK)
        return view.stale_footer(before, fmt.duration((now - datetime.fromisoformat(stale)).total_seconds()), stale,
                                 after)
    return html.Span(t("live.as_of", language, time=fmt.clock(taken_at, settings.tz, language, seconds=True)),
                     className="wtile__asof")


def alert_item(alert: dict, language: str, settings) -> html.Div:
    rule = alert["rule"]
    text = f"{alert['subject']} · {t('alerts.metric.' + rule.metric, language)} {display(rule.metric, alert['value'])}"
    acked = (t("alerts.acknowledged_by", language, by=alert["acknowledged_by"],
               time=fmt.clock(alert["acknowledged_at"], settings.tz, language)) if alert["acknowledged_at"] else None)
    button = html.Button(t("alerts.acknowledge", language), id={"type": ids.WALL_ACK, "alert": alert["id"]},
                         n_clicks=0, className="wbanner__ack")
    return view.banner_item(text, alert["severity"], acked, button)


def win_item(survey, language: str) -> tuple[str, str, str]:
    where = " · ".join(x for x in (survey.queue, survey.channel and t(f"channel.{survey.channel}", language)) if x)
    return "★" * survey.score, survey.comment, where


def actor() -> str:
    """Who is acting: the signed-in user's name, else their role, else "supervisor" (sign-in off)."""
    return flask_session.get("user") or current_role() or "supervisor"


@require_role("supervisor")
def acknowledge(alert_id: int, now: datetime | None = None) -> bool:
    """Acknowledge one firing alert as the current user; the one path both the wall and /alerts take."""
    with session_scope(context.engine()) as session:
        return acknowledge_alert(session, context.settings(), int(alert_id), actor(), now or datetime.now(timezone.utc))


def register_callbacks(app: dash.Dash) -> None:
    @app.callback(Output(ids.WALL_HEADER, "children"), Output(ids.WALL_BANNER, "children"),
                  Output(ids.WALL_GRID, "children"), Output(ids.WALL_GRID, "style"), Output(ids.WALL_WINS, "children"),
                  Output(ids.WALL_RENDERED, "data"),
                  Input(ids.WALL_INTERVAL, "n_intervals"), Input(ids.WALL_CONFIG, "data"),
                  State(ids.WALL_RENDERED, "data"), prevent_initial_call=True)
    def refresh_wall_on_tick(_n, config, shown):
        return refresh_wall(config, shown)

    @app.callback(Output(ids.WALL_CONFIG, "data"), Input({"type": ids.WALL_ACK, "alert": ALL}, "n_clicks"),
                  State(ids.WALL_CONFIG, "data"), prevent_initial_call=True)
    def acknowledge_from_wall(clicks, config):
        if not ctx.triggered_id or not ctx.triggered or not ctx.triggered[0]["value"]:
            raise dash.exceptions.PreventUpdate
        acknowledge(ctx.triggered_id["alert"])
        return {**config, "acked": config.get("acked", 0) + 1}
