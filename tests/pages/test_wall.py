"""Wall views as plain functions over a seeded store: tiles, levels, staleness, privacy, grid fit."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from dash.exceptions import PreventUpdate

from collectors.pipeline import poll_once, refresh_live
from collectors.sources.fake import FakeSource
from dashboard.app import create_app
from dashboard.records import Agent, AgentStateInterval, Batch, Contact
from dashboard.store.db import session_scope
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


def shown(data) -> str:
    """The JSON a callback answers with, as text to search."""
    return json.dumps(data, ensure_ascii=False)


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


def test_only_the_queues_fed_by_the_source_that_is_down_go_stale(engine, settings):
    """The phones keep answering while the mail server is down: voice stays live, email goes stale
    (its age counted from the mail source's last success), on the wall and on the live page."""
    from dashboard.pages.home import home_tiles
    from dashboard.pages.wall import wall_view

    pbx = FakeSource("pbx", [Batch(contacts=[Contact(source="pbx", source_id="v1", channel="voice", queue="Billing",
                                                     arrived_at=NOW - timedelta(seconds=30))])])
    mail = FakeSource("mail", [Batch(contacts=[Contact(source="mail", source_id="m1", channel="email",
                                                       queue="Support", arrived_at=NOW - timedelta(minutes=40))])])
    for source in (pbx, mail):
        poll_once(engine, settings, source, NOW)
    refresh_live(engine, settings, NOW)
    mail.fail = "connection refused"
    later = NOW + timedelta(seconds=3 * settings.poll_seconds)
    for source in (pbx, mail):
        poll_once(engine, settings, source, later)
    refresh_live(engine, settings, later)
    with create_app(settings, engine).server.app_context():
        header, _, tiles, _, _ = wall_view({"language": "en", "queues": []}, now=later)
        by_queue = {text_of(tile).split(" ")[0]: tile for tile in tiles}
        assert "wtile--stale" not in by_queue["Billing"].className and "as of" in text_of(by_queue["Billing"])
        assert "wtile--stale" in by_queue["Support"].className
        age = find(by_queue["Support"], lambda c: getattr(c, "className", None) == "tick")  # the stale footer's
        assert [a.to_plotly_json()["props"]["data-since"] for a in age] == [NOW.isoformat()]  # mail's last success
        assert "Source down: mail" in text_of(header)
        home = {tile.to_plotly_json()["props"]["data-queue"]: tile for tile in home_tiles("en", now=later)}
        assert home["Billing"].className == "tile tile--ok"
        assert home["Support"].className == "tile tile--stale" and "STALE · 0:15 old" in text_of(home["Support"])


def test_stale_since_a_snapshot_age_or_a_source_feeding_the_queue():
    from dashboard.freshness import stale_since

    payload = {"taken_at": "2026-03-02T10:00:00+00:00", "sources": ["pbx"]}
    down = {"mail": "2026-03-02T09:50:00+00:00"}
    assert stale_since(payload, False, down) is None  # fed by the pbx only
    assert stale_since(payload, True, down) == payload["taken_at"]  # the collector stopped: every tile
    assert stale_since({**payload, "sources": ["pbx", "mail"]}, False, down) == down["mail"]
    unknown = {**payload, "sources": []}  # never a contact: it may be fed by the source that is down
    assert stale_since(unknown, False, down) == down["mail"] and stale_since(unknown, False, {}) is None
    assert stale_since({**payload, "sources": ["mail"]}, False, {"mail": None}) == payload["taken_at"]  # never up


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


def test_a_render_is_reused_until_what_the_wall_shows_changes(seeded, engine, settings):
    """The key changes with a new snapshot, an acknowledgement, the language, staleness and a level the wait reaches."""
    from dashboard.alerts.evaluate import acknowledge_alert
    from dashboard.pages.wall import read_wall, refresh_wall, rendered_wall

    english = {"language": "en", "queues": []}
    first = read_wall(english, now=NOW + timedelta(seconds=2))
    again = read_wall(english, now=NOW + timedelta(seconds=3))  # only ticking text differs: the same render
    assert again.key == first.key and rendered_wall(again) is rendered_wall(first)
    with pytest.raises(PreventUpdate):  # the display already shows it
        refresh_wall(english, first.key, now=NOW + timedelta(seconds=3))
    *outputs, key = refresh_wall(english, "an older key", now=NOW + timedelta(seconds=3))
    assert key == first.key and outputs[2][0]["props"]["className"].startswith("wtile")

    assert read_wall({"language": "ko", "queues": []}, now=NOW + timedelta(seconds=2)).key != first.key
    assert read_wall({"language": "en", "queues": ["Billing"]}, now=NOW + timedelta(seconds=2)).key == first.key
    assert read_wall({"language": "en", "queues": ["Nope"]}, now=NOW + timedelta(seconds=2)).key != first.key
    # the same snapshot 20 s earlier: 110 s of waiting is only a warning
    assert read_wall(english, now=NOW - timedelta(seconds=20)).key != first.key

    later = NOW + timedelta(seconds=settings.poll_seconds)
    refresh_live(engine, settings, later)
    fresh = read_wall(english, now=later)
    assert fresh.key != first.key and "as of 10:00:05" in shown(rendered_wall(fresh)[2])

    stale_at = later + timedelta(seconds=settings.poll_seconds * (settings.stale_after_intervals + 1))
    stale = read_wall(english, now=stale_at)
    assert stale.stale and stale.key != fresh.key and "STALE" in shown(rendered_wall(stale)[2])

    for step in range(0, 60, int(settings.poll_seconds)):  # the 130 s wait fires its alert after the hold
        refresh_live(engine, settings, later + timedelta(seconds=step))
    firing = read_wall(english, now=later + timedelta(seconds=55))
    assert firing.firing and firing.firing[0]["acknowledged_at"] is None
    with session_scope(engine) as session:
        assert acknowledge_alert(session, settings, firing.firing[0]["id"], "kim", later + timedelta(seconds=56))
    acked = read_wall(english, now=later + timedelta(seconds=55))
    assert acked.key != firing.key and "acknowledged by kim" in shown(rendered_wall(acked)[1])


def test_a_stale_tile_shows_its_age_ticking_from_the_snapshot_time(seeded, settings):
    from dashboard.pages.wall import wall_view

    stale_at = NOW + timedelta(seconds=90)
    _, _, tiles, _, _ = wall_view({"language": "en", "queues": []}, now=stale_at)
    age = find(tiles[0], lambda c: "tick" in (getattr(c, "className", "") or "").split()
               and "wtile__stale" not in c.className and text_of(c) == "1:30")
    assert age and age[0].to_plotly_json()["props"]["data-since"] == NOW.isoformat()
    assert "STALE · 1:30 old" in " ".join(text_of(tiles[0]).split())
