"""``/``: the live snapshot, one tile per queue, refreshed every poll interval."""

from __future__ import annotations

from datetime import datetime, timezone

import dash
from dash import Input, Output, dcc, html

from collectors.snapshot import read_snapshots
from dashboard import context, ids
from dashboard.alerts.values import longest_wait_seconds, oldest_unanswered_seconds
from dashboard.freshness import freshness, snapshot_stale, stale_since
from dashboard.i18n import format as fmt
from dashboard.i18n import pick_language, t
from dashboard.metrics import ratios
from dashboard.metrics.counts import Counts
from dashboard.store.db import session_scope
from layouts.theme import OK, STALE
from layouts.tiles import figure_block, queue_tile

dash.register_page(__name__, path="/", name="Live", title="ccpulse · live", description="Live queues")


def layout(lang: str | None = None, **_query) -> html.Div:
    settings = context.settings()
    language = pick_language(lang, settings.language)
    return html.Div(className="page page--home", children=[
        html.H1(t("live.heading", language)),
        dcc.Interval(id=ids.HOME_INTERVAL, interval=int(settings.poll_seconds * 1000)),
        dcc.Store(id="home-language", data=language),
        html.Div(id=ids.HOME_STATUS, className="status"),
        html.Div(id=ids.HOME_TILES, className="tiles", children=home_tiles(language)),
    ])


def home_tiles(language: str, now: datetime | None = None) -> list:
    """One tile per queue from the stored snapshot; a message when there is none yet."""
    settings = context.settings()
    with session_scope(context.engine()) as session:
        snapshots = read_snapshots(session)
    queues = [p for (scope, _), p in sorted(snapshots.items()) if scope == "queue"]
    if not queues:
        return [html.P(t("live.no_data", language), className="empty")]
    now = now or datetime.now(timezone.utc)
    age, down = freshness(snapshots, settings, now)
    old = snapshot_stale(age, settings)
    return [_tile(payload, stale_since(payload, old, down), language, settings, now) for payload in queues]


def _tile(payload: dict, stale: str | None, language: str, settings, now: datetime) -> html.Div:
    """One queue's figures; ``stale``: since when they are stale (``freshness.stale_since``), None when live."""
    today = Counts(**payload["counts"]["today"])
    live = payload["live"]
    taken_at = datetime.fromisoformat(payload["taken_at"])
    channel = payload["channel"]
    if payload["async"]:
        figures = [figure_block(t("metric.backlog", language), fmt.number(live["waiting"]), big=True, data_id="waiting"),
                   figure_block(t("metric.oldest_unanswered", language),
                                fmt.duration(oldest_unanswered_seconds(payload, now))),  # empty backlog: a dash
                   figure_block(t("metric.response_sla", language), fmt.percent(ratios.response_sla(today)),
                                data_id="response_sla")]
    else:
        form = payload["policy"]["service_level_form"]
        figures = [figure_block(t("metric.waiting", language), fmt.number(live["waiting"]), big=True, data_id="waiting"),
                   figure_block(t("metric.longest_wait", language), fmt.duration(longest_wait_seconds(payload, now)),
                                data_id="longest_wait"),
                   figure_block(t("metric.service_level_today", language),
                                fmt.percent(ratios.service_level(today, form)), data_id="service_level",
                                hint=f"{int(payload['policy']['service_level_target'] * 100)}/"
                                     f"{int(payload['policy']['service_level_seconds'])} · {t('form.' + form, language)}"),
                   figure_block(t("metric.abandon_rate", language), fmt.percent(ratios.abandon_rate(today)))]
    figures.append(figure_block(t("metric.agents_available", language), fmt.number(payload["agents"]["available"])))
    figures.append(figure_block(t("metric.offered", language), fmt.number(today.offered), data_id="offered"))
    footer = t("live.as_of", language, time=fmt.clock(taken_at, settings.tz, language, seconds=True))
    if stale:
        footer = t("live.stale", language, age=fmt.duration((now - datetime.fromisoformat(stale)).total_seconds()))
    return queue_tile(payload["policy"]["display_name"], t(f"channel.{channel}", language), figures, footer,
                      state=STALE if stale else OK)


def register_callbacks(app: dash.Dash) -> None:
    @app.callback(Output(ids.HOME_TILES, "children"), Input(ids.HOME_INTERVAL, "n_intervals"),
                  Input("home-language", "data"), prevent_initial_call=True)
    def refresh_tiles(_n, language):
        return home_tiles(language)
