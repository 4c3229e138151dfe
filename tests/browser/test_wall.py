"""The wall in headless Chromium, driven by a scripted source through the real collector at a 1 s poll.

One walk through what a supervisor sees: tiles render; a long wait turns its tile
amber then red as its alert fires after the hold; a click acknowledges it; an
answer resolves it; a new contact reaches the screen within two poll intervals
(measured and printed); a stopped source turns the tiles STALE; the server
restarted under the open page comes back without a reload; rotation moves pages.
"""

from __future__ import annotations

import time
from dataclasses import replace
from datetime import datetime, timedelta, timezone

import pytest
from selenium.common.exceptions import StaleElementReferenceException
from sqlalchemy import select

from collectors.scheduler import Collector, build_scheduler
from collectors.sources.fake import FakeSource
from dashboard.alerts.rules import save_rule, seed_rules
from dashboard.app import create_app
from dashboard.records import Batch, Contact
from dashboard.store.db import session_scope
from dashboard.store.models import AlertEventRow

POLL = 1.0


def now() -> datetime:
    return datetime.now(timezone.utc)


def contact(source_id: str, arrived_at: datetime, **outcome) -> Contact:
    return Contact(source="fake", source_id=source_id, channel="voice", queue="Billing", arrived_at=arrived_at,
                   **outcome)


@pytest.fixture
def live(engine, settings):
    """A collector polling a FakeSource every second, with a fast longest-wait rule (3 s / 9 s, held 2 s)."""
    settings = replace(settings, poll_seconds=POLL)
    with session_scope(engine) as session:
        for rule in seed_rules(session, settings, now()):
            if rule.metric == "longest_wait_seconds" and rule.channel == "voice":
                save_rule(session, replace(rule, warning=3.0, critical=9.0, recovery=1.0,
                                           hold=timedelta(seconds=2)), by="test", now=now())
    source = FakeSource()
    scheduler = build_scheduler(Collector(engine, settings, [source]))
    scheduler.start()
    yield settings, source
    scheduler.shutdown(wait=False)


def wait_for(dash_duo, css: str, predicate, timeout: float = 8.0):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        try:
            elements = dash_duo.driver.find_elements("css selector", css)
            if elements and predicate(elements[0]):
                return elements[0]
        except StaleElementReferenceException:
            pass
        time.sleep(0.1)
    raise AssertionError(f"{css} did not reach the expected state in {timeout} s")


def test_wall_walkthrough(dash_duo, app_server, engine, live):
    settings, source = live
    answered = now() - timedelta(seconds=30)
    source.add(Batch(contacts=[contact("c0", answered, answered_at=answered + timedelta(seconds=5))]))
    app_server.start(create_app(settings, engine))
    dash_duo.wait_for_page(url=f"{app_server.url}/wall")

    tile = "[data-queue='Billing']"
    wait_for(dash_duo, tile, lambda e: "wtile--ok" in e.get_attribute("class"))
    started = now()
    source.add(Batch(contacts=[contact("c1", started)]))
    # firing needs the 3 s crossing held 2 s, then up to a poll, a refresh and a page interval (1 s each)
    # to reach the screen: 8 s of budget left too little on a busy machine (seen once in CI)
    wait_for(dash_duo, tile, lambda e: "wtile--warning" in e.get_attribute("class"), timeout=12.0)
    assert (now() - started).total_seconds() >= 3 + 2 - POLL  # fired only after the 3 s crossing held 2 s
    wait_for(dash_duo, tile, lambda e: "wtile--critical" in e.get_attribute("class"), timeout=12.0)
    assert "wtile--flash" in dash_duo.find_element(tile).get_attribute("class")

    wait_for(dash_duo, ".wbanner__ack", lambda e: e.click() or True)
    wait_for(dash_duo, ".wbanner__acked", lambda e: "acknowledged by supervisor" in e.text)
    wait_for(dash_duo, tile, lambda e: "wtile--flash" not in e.get_attribute("class"))

    source.add(Batch(contacts=[contact("c1", started, answered_at=now())]))
    wait_for(dash_duo, tile, lambda e: "wtile--ok" in e.get_attribute("class"))
    with session_scope(engine) as session:
        moves = [(e.from_state, e.to_state, e.severity) for e in session.scalars(select(AlertEventRow)
                 .order_by(AlertEventRow.id)) if "Longest wait" in e.reason]
    assert moves == [("ok", "pending", None), ("pending", "firing", "warning"), ("firing", "firing", "critical"),
                     ("firing", "firing", "critical"), ("firing", "resolved", None)]  # no flapping in between

    waiting = f"{tile} [data-metric='waiting']"
    wait_for(dash_duo, waiting, lambda e: e.text == "0")
    event_at = time.monotonic()
    source.add(Batch(contacts=[contact("c2", now())]))
    wait_for(dash_duo, waiting, lambda e: e.text == "1", timeout=5)
    latency = time.monotonic() - event_at
    print(f"\nevent in the source → number on the wall: {latency:.2f} s (poll interval {POLL:.0f} s)")
    assert latency <= 2 * POLL + 0.5

    app_server.stop()
    time.sleep(2 * POLL)
    app_server.start(create_app(settings, engine))
    source.add(Batch(contacts=[contact("c3", now())]))
    wait_for(dash_duo, waiting, lambda e: e.text == "2", timeout=8)  # same page, no reload: the interval resumed

    source.fail = "connection refused"
    stopped = time.monotonic()
    wait_for(dash_duo, tile, lambda e: "wtile--stale" in e.get_attribute("class"), timeout=3 * POLL + 3)
    assert time.monotonic() - stopped <= 3 * POLL + 2.5
    assert "Source down: fake" in dash_duo.find_element(".whead").text
    assert "STALE" in dash_duo.find_element(tile).text


def test_kiosk_rotation_moves_between_pages(dash_duo, app_server, engine, live):
    settings, _ = live
    app_server.start(create_app(settings, engine))
    dash_duo.wait_for_page(url=f"{app_server.url}/wall?kiosk=1&rotate=wall,agents&dwell=2")
    dash_duo.wait_for_element(".wall--kiosk .wgrid", timeout=6)
    assert not dash_duo.driver.find_element("css selector", ".nav").is_displayed()
    dash_duo.wait_for_element(".aboard", timeout=6)
    assert dash_duo.driver.current_url.endswith("/wall/agents?kiosk=1&rotate=wall,agents&dwell=2")
    dash_duo.wait_for_element(".wgrid", timeout=6)


def test_a_backlog_older_than_ten_hours_fits_its_tile(dash_duo, app_server, engine, live):
    settings, source = live
    source.add(Batch(contacts=[Contact(source="fake", source_id="e1", channel="email", queue="Email Care",
                                       arrived_at=now() - timedelta(hours=10, minutes=30))]))
    app_server.start(create_app(settings, engine))
    dash_duo.wait_for_page(url=f"{app_server.url}/wall")
    value = ".wtile[data-queue='Email Care'] .wfig--big .wfig__value.tick"
    wait_for(dash_duo, value, lambda el: el.text.startswith("10:30:"), timeout=10)
    overflow = dash_duo.driver.execute_script(
        "var v = document.querySelector(arguments[0]), t = v.closest('.wtile');"
        "return v.getBoundingClientRect().right - t.getBoundingClientRect().right;", value)
    assert overflow <= 0, f"the oldest-unanswered time overflows its tile by {overflow:.0f} px"
