"""The exact ``/_dash-update-component`` bodies a real browser sends, captured once for the load test to replay.

Headless Chromium opens each page through chromedriver with the performance log on;
the POSTs it makes are read back from ``Network.requestWillBeSent``. Replaying them
(with the agent, contact, range and interval count rewritten) sends what a browser
would, without a browser per simulated user.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from urllib.parse import urlencode

DASH_POST = "/_dash-update-component"
ROUTER = "_pages_content.children"
CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"

# page name → (path, the outputs whose POSTs make up one visit, by a substring of the body's "output")
PAGES = {
    "wall": ("/wall", {"router": ROUTER, "refresh": "wall-header.children"}),
    "queues": ("/queues", {"router": ROUTER, "table": "queues-table.children", "intraday": "queues-intraday.figure"}),
    "agents": ("/agents", {"router": ROUTER, "grid": "agents-grid.rowData"}),
    "agent": ("/agents/{agent_id}", {"router": ROUTER, "panels": "agent-summary.children",
                                     "contacts": "agent-contacts.getRowsResponse"}),
    "contact": ("/contacts/{contact_id}", {"router": ROUTER, "body": "contact-body.children"}),
}


@dataclass
class Captured:
    """The bodies of one page's visit, in the order the browser sent them, and what they were captured with."""

    page: str
    bodies: dict[str, dict] = field(default_factory=dict)
    agent_id: str | None = None
    contact_id: str | None = None


def browser(options_extra: tuple[str, ...] = ()):
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    for argument in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                     "--window-size=1920,1080", "--disable-background-networking", "--disable-component-update",
                     "--disable-sync", "--no-first-run", "--lang=en-US", *options_extra):
        options.add_argument(argument)
    options.binary_location = CHROMIUM
    options.set_capability("goog:loggingPrefs", {"performance": "ALL"})
    return webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)


def dash_posts(driver) -> list[dict]:
    """The ``/_dash-update-component`` bodies sent since the last call, oldest first."""
    bodies = []
    for entry in driver.get_log("performance"):
        message = json.loads(entry["message"])["message"]
        if message.get("method") != "Network.requestWillBeSent":
            continue
        request = message["params"]["request"]
        if request.get("method") != "POST" or DASH_POST not in request.get("url", ""):
            continue
        text = request.get("postData")
        if text is None:
            text = driver.execute_cdp_cmd("Network.getRequestPostData",
                                          {"requestId": message["params"]["requestId"]})["postData"]
        bodies.append(json.loads(text))
    return bodies


def capture_page(driver, base: str, page: str, query: str, timeout: float = 60.0, **path_vars) -> Captured:
    """Open ``page`` and collect the body of each of its visit's POSTs (waits for the wall's first refresh)."""
    path, wanted = PAGES[page]
    dash_posts(driver)  # drop what earlier pages sent
    driver.get(base + path.format(**path_vars) + query)
    captured = Captured(page, agent_id=path_vars.get("agent_id"), contact_id=path_vars.get("contact_id"))
    deadline = time.monotonic() + timeout
    while len(captured.bodies) < len(wanted):
        for body in dash_posts(driver):
            for name, marker in wanted.items():
                if marker in str(body.get("output", "")):
                    captured.bodies.setdefault(name, body)
        if time.monotonic() > deadline:
            missing = sorted(set(wanted) - set(captured.bodies))
            raise RuntimeError(f"the browser sent no {missing} POST on {page} within {timeout:.0f} s")
        time.sleep(0.2)
    captured.bodies = {name: captured.bodies[name] for name in wanted}
    return captured


def sign_in(driver, base: str, name: str, password: str) -> None:
    from selenium.webdriver.common.by import By

    driver.get(f"{base}/login?next=/")
    driver.find_element(By.NAME, "name").send_keys(name)
    driver.find_element(By.NAME, "password").send_keys(password)
    driver.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
    deadline = time.monotonic() + 30
    while "/login" in driver.current_url:
        if time.monotonic() > deadline:
            raise RuntimeError(f"the browser could not sign in as {name}")
        time.sleep(0.2)


def capture_all(base: str, wall_token: str, manager: str, password: str, agent_id: str,
                contact_id: str) -> dict[str, Captured]:
    """Every page's visit as a browser makes it: the wall with a display token, the drill-down as a manager."""
    driver = browser()
    try:
        pages = {"wall": capture_page(driver, base, "wall", f"?token={wall_token}")}
        sign_in(driver, base, manager, password)
        query = "?" + urlencode({"range": "today"})
        for page in ("queues", "agents", "agent", "contact"):
            pages[page] = capture_page(driver, base, page, query, agent_id=agent_id, contact_id=contact_id)
        return pages
    finally:
        driver.quit()


def rewrite(body: dict, *, pathname: str | None = None, search: str | None = None, query: dict | None = None,
            agent_id: str | None = None, contact_id: str | None = None, n_intervals: int | None = None,
            state: dict | None = None) -> dict:
    """A copy of a captured body for another agent, contact, range or interval tick; ``state``: {component id: data}."""

    def walk(node):
        if isinstance(node, list):
            return [walk(item) for item in node]
        if not isinstance(node, dict):
            return node
        node = {key: walk(value) for key, value in node.items()}
        if node.get("id") == "_pages_location" and "value" in node:
            if node.get("property") == "pathname" and pathname is not None:
                node["value"] = pathname
            elif node.get("property") == "search" and search is not None:
                node["value"] = search
        if node.get("property") == "n_intervals" and n_intervals is not None:
            node["value"] = n_intervals
        if state and node.get("property") == "data" and node.get("id") in state:
            node["value"] = state[node["id"]]
        if "lang" in node:  # a drill page's filter store: {"query": ..., "lang": ..., "agent_id"/"contact_id": ...}
            if "query" in node and query is not None:
                node["query"] = dict(query)
            if "agent_id" in node and agent_id is not None:
                node["agent_id"] = agent_id
            if "contact_id" in node and contact_id is not None:
                node["contact_id"] = contact_id
        return node

    return walk(body)


def expected_outputs(body: dict) -> set[str]:
    """The component ids a body asks for; the answer must carry each (Dash leaves out only no_update)."""
    outputs = body.get("outputs")
    outputs = outputs if isinstance(outputs, list) else [outputs]
    return {o["id"] if isinstance(o["id"], str) else json.dumps(o["id"], sort_keys=True, separators=(",", ":"))
            for o in outputs if isinstance(o, dict)}
