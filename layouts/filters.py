"""The drill-down filter bar: a range preset, custom dates, queues and channels; values in, components out."""

from __future__ import annotations

from dash import dcc, html

from dashboard import ids
from dashboard.i18n import t
from dashboard.usecases.filters import PRESETS, Filters


def filter_id(kind: str, page: str) -> dict:
    """A filter control's id on one page (each page's callback listens to its own bar)."""
    return {"type": kind, "page": page}


def filter_bar(filters: Filters, queues: list[str], channels: list[str], language: str, page: str) -> html.Div:
    """The bar at the top of the drill-down pages; every change goes to the URL."""
    return html.Div(className="filters", children=[
        html.Label([t("drill.range.label", language), dcc.Dropdown(
            id=filter_id(ids.FILTER_RANGE, page), clearable=False, value=filters.preset, className="filters__range",
            options=[{"label": t(f"drill.range.{p}", language), "value": p} for p in PRESETS])]),
        dcc.DatePickerRange(id=filter_id(ids.FILTER_DATES, page), start_date=filters.first.isoformat(),
                            end_date=filters.last.isoformat(), display_format="YYYY-MM-DD",
                            minimum_nights=0, first_day_of_week=1),
        html.Label([t("drill.filter.queues", language), dcc.Dropdown(
            id=filter_id(ids.FILTER_QUEUES, page), multi=True, value=list(filters.queues or []), className="filters__queues",
            placeholder=t("drill.filter.all", language), options=[{"label": q, "value": q} for q in queues])]),
        html.Label([t("drill.filter.channels", language), dcc.Dropdown(
            id=filter_id(ids.FILTER_CHANNELS, page), multi=True, value=list(filters.channels or []), className="filters__channels",
            placeholder=t("drill.filter.all", language),
            options=[{"label": t(f"channel.{c}", language), "value": c} for c in channels])]),
        html.Span(t("drill.range.span", language, first=filters.first.isoformat(), last=filters.last.isoformat()),
                  className="filters__span"),
    ])
