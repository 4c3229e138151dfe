"""Pure tile builders: figures in, Dash components out."""

from __future__ import annotations

from dash import html

from layouts.theme import ICONS, OK


def figure_block(label: str, value: str, state: str | None = None, hint: str | None = None, big: bool = False,
                 data_id: str | None = None) -> html.Div:
    """One labelled figure; a threshold state shows as a class (colour) and an icon (shape), never colour alone.

    No state (no threshold applies) → plain, no icon: a figure is not "OK" just because nothing judged it.
    """
    attributes = {"data-metric": data_id} if data_id else {}
    return html.Div(className=f"figure figure--{state or 'plain'}" + (" figure--big" if big else ""), children=[
        html.Div(label, className="figure__label"),
        html.Div([html.Span(ICONS.get(state, ""), className="figure__icon", **{"aria-hidden": "true"}),
                  html.Span(value, className="figure__value", **attributes)], className="figure__row"),
        html.Div(hint, className="figure__hint") if hint else None,
    ])


def queue_tile(title: str, subtitle: str, figures: list, footer: str, state: str = OK,
               tile_id: str | None = None) -> html.Div:
    """A queue's tile: a title, its figures and an "as of" footer."""
    return html.Div(className=f"tile tile--{state}", id=tile_id or "", **{"data-queue": title}, children=[
        html.Div([html.Span(title, className="tile__title"), html.Span(subtitle, className="tile__subtitle")],
                 className="tile__header"),
        html.Div(figures, className="tile__figures"),
        html.Div(footer, className="tile__footer"),
    ])
