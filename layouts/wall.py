"""Pure builders for the wall pages: tiles, header, alert banner, agent cards, wins. Values in, components out.

Live durations (longest wait, time in state, the clock) are rendered with the
start time in ``data-since``; ``assets/wall.js`` ticks them every second between
refreshes. Every state shows as a class (colour), an icon (shape) and a word.
"""

from __future__ import annotations

import math

from dash import html

from layouts.theme import CHANNEL_COLOURS, ICONS, OK, STALE

TILE_ASPECT = 1.55  # width ÷ height a tile reads best at
SCREEN_ASPECT = 16 / 9 * 0.9  # the grid's share of a 16:9 screen below the header


def grid_shape(count: int) -> tuple[int, int]:
    """(columns, rows) that fit ``count`` tiles on one screen with tiles closest to TILE_ASPECT."""
    if count <= 0:
        return 1, 1
    best = min(range(1, count + 1), key=lambda cols: abs(
        math.log((SCREEN_ASPECT / cols) / (1 / math.ceil(count / cols)) / TILE_ASPECT)))
    return best, math.ceil(count / best)


def grid_style(count: int) -> dict:
    cols, rows = grid_shape(count)
    return {"gridTemplateColumns": f"repeat({cols}, minmax(0, 1fr))",
            "gridTemplateRows": f"repeat({rows}, minmax(0, 1fr))"}


def figure(label: str, value: str, state: str = OK, metric: str | None = None, since: str | None = None,
           size: str = "small") -> html.Div:
    """One labelled figure; ``since`` makes the value a ticking duration."""
    attributes = {"data-metric": metric} if metric else {}
    if since:
        attributes["data-since"] = since
    value_class = "wfig__value" + (" tick" if since else "")
    return html.Div(className=f"wfig wfig--{size} wfig--{state}", children=[
        html.Div(label, className="wfig__label"),
        html.Div([html.Span(ICONS.get(state, "") if state != OK else "", className="wfig__icon"),
                  html.Span(value, className=value_class, **attributes)], className="wfig__row"),
    ])


def wall_tile(title: str, channel: str, channel_label: str, state: str, state_label: str, main: list,
              rows: list[list], footer: list, flash: bool = False) -> html.Div:
    """One queue: title and state, the big figures, rows of small ones, the form and freshness footer."""
    classes = f"wtile wtile--{state}" + (" wtile--flash" if flash else "")
    return html.Div(className=classes, **{"data-queue": title, "data-state": state},
                    style={"--channel": CHANNEL_COLOURS.get(channel, "#8893a5")}, children=[
        html.Div(className="wtile__head", children=[
            html.Span(title, className="wtile__title"),
            html.Span(channel_label, className="wtile__channel"),
            html.Span([html.Span(ICONS.get(state, ""), className="wtile__icon"), state_label],
                      className="wtile__state"),
        ]),
        html.Div(main, className="wtile__main"),
        *[html.Div(row, className="wtile__row") for row in rows],
        html.Div(footer, className="wtile__foot"),
    ])


def header(site: str, clock_label: str, utc_offset_ms: int, totals: list[tuple[str, str]], alerts_label: str,
           alerts_state: str, down: str | None, critical_unacked: bool) -> list:
    """The wall's top line: site, ticking clock, centre totals, firing alerts and any source down."""
    return [
        html.Span(site, className="whead__site"),
        html.Span(clock_label, className="whead__clock", id="wall-clock", **{"data-offset": str(utc_offset_ms)}),
        html.Span(hidden=True, **{"data-critical-unacked": "1" if critical_unacked else "0"}),
        *[html.Span([html.Span(label, className="whead__label"), html.Span(value, className="whead__value")],
                    className="whead__total") for label, value in totals],
        html.Span([html.Span(ICONS.get(alerts_state, ""), className="wtile__icon"), alerts_label],
                  className=f"whead__alerts whead__alerts--{alerts_state}"),
        html.Span(down, className="whead__down") if down else None,
    ]


def banner_item(text: str, severity: str, acked: str | None, button) -> html.Div:
    return html.Div(className=f"wbanner__item wbanner__item--{severity}" + (" is-acked" if acked else ""), children=[
        html.Span(ICONS.get(severity, ""), className="wtile__icon"), html.Span(text, className="wbanner__text"),
        html.Span(acked, className="wbanner__acked") if acked else button,
    ])


def agent_card(name: str, state: str, state_label: str, reason: str | None, since: str, held: int | None,
               warn_seconds: float | None, critical_seconds: float | None, time_label: str) -> html.Div:
    """One agent on the board; wall.js turns it amber/red as its time in state passes the thresholds."""
    limits = {}
    if warn_seconds is not None:
        limits["data-warn"] = str(int(warn_seconds))
    if critical_seconds is not None:
        limits["data-crit"] = str(int(critical_seconds))
    return html.Div(className=f"acard acard--{state}", **{"data-agent": name, **limits}, children=[
        html.Div(name, className="acard__name"),
        html.Div([html.Span(state_label, className="acard__state"),
                  html.Span(f" · {reason}" if reason else "", className="acard__reason")]),
        html.Div([html.Span(time_label, className="acard__time tick", **{"data-since": since}),
                  html.Span(f"{held}" if held else "", className="acard__held", title="held")],
                 className="acard__row"),
    ])


def wins_panel(title: str, items: list[tuple[str, str, str]]) -> html.Div:
    """The latest top CSAT scores with their comments: (stars, comment, who/where)."""
    return html.Div(className="wwins", children=[
        html.Div(title, className="wwins__title"),
        *[html.Div([html.Span(stars, className="wwins__stars"), html.Span(f"“{comment}”", className="wwins__text"),
                    html.Span(who, className="wwins__who")], className="wwins__item") for stars, comment, who in items],
    ])


def stale_footer(before: str, age: str, since: str, after: str) -> html.Span:
    """The stale note around its age, which ticks from ``since`` (the snapshot's time)."""
    return html.Span([html.Span(ICONS[STALE], className="wtile__icon"), before,
                      html.Span(age, className="tick", **{"data-since": since}), after], className="wtile__stale")
