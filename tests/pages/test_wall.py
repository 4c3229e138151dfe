"""Wall views as plain functions over a seeded store: tiles, levels, staleness, privacy, grid fit."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest

from collectors.pipeline import poll_once, refresh_live
from collectors.sources.fake import FakeSource
from dashboard.app import create_app
from dashboard.records import Agent, AgentStateInterval, Batch, Contact
from layouts.wall import grid_shape
from tests.conftest import utc

NOW = utc(2026, 3, 2, 10, 0, 0)


def text_of(component) -> str:
    if component is None or isinstance(component, (int, float)):
        return "" if component is None else str(component)
    if isinstance(component, str):
        return component
    if isinstance(component, (list, tuple)):
        return " ".join(text_of(c) for c in component)
    return text_of(getattr(component, "children", None))


def find(component, predicate):
    found = []
    if isinstance(component, (list, tuple)):
        for c in component:
            found += find(c, predicate)
    elif hasattr(component, "to_plotly_json"):
        if predicate(component):
            found.append(component)
        found += find(getattr(component, "children", None), predicate)
    return found


@pytest.fixture
def seeded(engine, settings):
    source = FakeSource(batches=[Batch(
        agents=[Agent(source="fake", agent_id="a1", name="Jiwoo Kim", skills=("Billing",))],
        states=[AgentStateInterval(source="fake", source_id="s1", agent_id="a1", state="after_contact_work",
                                   started_at=NOW - timedelta(seconds=150))],
        contacts=[Contact(source="fake", source_id="c1", channel="voice", queue="Billing",
                          arrived_at=NOW - timedelta(seconds=130))])])
    poll_once(engine, settings, source, NOW)
    refresh_live(engine, settings, NOW)
    app = create_app(settings, engine)
    with app.server.app_context():
        yield source


def test_a_tile_shows_its_figures_with_levels_and_the_sl_form(seeded):
    from dashboard.pages.wall import wall_view

    header, banner, tiles, style, wins = wall_view({"language": "en", "queues": []}, now=NOW + timedelta(seconds=2))
    tile = tiles[0]
    assert tile.className.startswith("wtile wtile--ok") and text_of(tile).startswith("Billing")
    wait = find(tile, lambda c: getattr(c, "className", "") and "wfig--" in c.className
                and "Longest wait" in text_of(c))[0]
    assert "wfig--critical" in wait.className and "2:12" in text_of(wait)  # 132 s ≥ the 120 s critical level
    assert "SL 80/20 · abandons count" in text_of(tile) and "as of 10:00:00" in text_of(tile)
    assert "0 alerts firing" in text_of(header) and banner == []


def test_tiles_go_stale_when_the_source_stops_and_the_header_names_it(seeded, engine, settings):
    from dashboard.pages.wall import wall_view

    seeded.fail = "connection refused"
    later = NOW + timedelta(seconds=settings.poll_seconds)
    poll_once(engine, settings, seeded, later)
    refresh_live(engine, settings, later)
    header, _, tiles, _, _ = wall_view({"language": "en", "queues": []}, now=later)
    assert "wtile--stale" in tiles[0].className and "STALE" in text_of(tiles[0])
    assert "Source down: fake" in text_of(header)


def test_the_wall_in_korean_and_a_chosen_queue_set(seeded):
    from dashboard.pages.wall import wall_view

    _, _, tiles, _, _ = wall_view({"language": "ko", "queues": ["Nope"]}, now=NOW)
    assert "수집기" in text_of(tiles)  # no chosen queue has data: the no-data message, in Korean
    _, _, tiles, _, _ = wall_view({"language": "ko", "queues": ["Billing"]}, now=NOW)
    assert "최장 대기" in text_of(tiles)


def test_agent_board_privacy_and_time_in_state_limits(seeded):
    from dashboard.pages import wall_agents

    assert wall_agents.shown_name({"name": "Seo-yeon Lee", "agent_id": "a9"}, "initials") == "S.Y.L."
    assert wall_agents.shown_name({"name": "Seo-yeon Lee", "agent_id": "a9"}, "ids") == "a9"
    _, cards = wall_agents.agents_view({"language": "en"}, now=NOW)
    card = cards[0].to_plotly_json()["props"]
    assert card["data-agent"] == "Jiwoo Kim" and card["data-warn"] == "120" and "2:30" in text_of(cards[0])


def test_grid_fits_up_to_forty_tiles_on_one_screen():
    assert grid_shape(1) == (1, 1)
    for count in (4, 8, 12, 24, 40):
        cols, rows = grid_shape(count)
        assert cols * rows >= count and rows <= 7 and cols >= rows
