"""The simulated users of the load test: wall displays refreshing on their interval, managers drilling down.

Each user is one thread with its own ``requests.Session`` (its own cookie and
keep-alive connection), replaying the browser's captured bodies. Every request is
timed and checked: a wrong status, an answer without the outputs asked for, or a
wall refresh without tiles is a failure.
"""

from __future__ import annotations

import random
import threading
import time
from dataclasses import dataclass
from urllib.parse import urlencode

import requests

from benchmarks.load_capture import ROUTER, Captured, expected_outputs, rewrite

TIMEOUT_SECONDS = 30.0
# gunicorn closes a connection idle for 2 s (its --keep-alive default); a user who waits longer starts a new
# one, as a browser does once it sees the close, rather than racing the server's close on a stale socket
IDLE_CLOSE_SECONDS = 1.0


@dataclass(frozen=True)
class Sample:
    name: str
    kind: str  # "wall" or "manager": which target applies
    started: float  # seconds since the run began
    ms: float
    status: int  # 0: no answer (connection error, timeout)
    error: str | None


class Recorder:
    """Every request's sample; appending to a list is atomic, so threads share it without a lock."""

    def __init__(self, began: float):
        self.began = began
        self.samples: list[Sample] = []
        self.last = threading.local()  # each thread's latest sample, for a click's outcome

    def add(self, sample: Sample) -> None:
        self.samples.append(sample)
        self.last.sample = sample

    def timed(self, session: requests.Session, name: str, kind: str, method: str, url: str,
              check=None, **kwargs) -> requests.Response | None:
        started = time.perf_counter()
        try:
            response = session.request(method, url, timeout=TIMEOUT_SECONDS, **kwargs)
            response.content  # the whole answer, as a browser waits for it
        except requests.RequestException as error:
            self.add(Sample(name, kind, started - self.began, (time.perf_counter() - started) * 1000, 0,
                            f"{type(error).__name__}: {str(error)[:120]}"))
            return None
        ms = (time.perf_counter() - started) * 1000
        error = check(response) if check else (None if response.status_code == 200 else "status")
        self.add(Sample(name, kind, started - self.began, ms, response.status_code, error))
        return response


def dash_check(body: dict, extra=None):
    """A check that the answer is 200 JSON carrying every output the body asked for (and ``extra`` holds)."""
    wanted = expected_outputs(body)

    def check(response: requests.Response) -> str | None:
        if response.status_code != 200:
            return f"status {response.status_code}"
        try:
            answer = response.json()["response"]
        except (ValueError, KeyError, TypeError):
            return "not a Dash answer"
        missing = wanted - set(answer)
        if missing:
            return f"missing {sorted(missing)}"
        return extra(answer) if extra else None
    return check


WALL_RENDERED = "wall-rendered"  # the store holding the key of the render a TV shows (dashboard.ids)


def wall_tiles(answer: dict) -> str | None:
    tiles = answer.get("wall-grid", {}).get("children") or []
    first = tiles[0].get("props", {}) if tiles and isinstance(tiles[0], dict) else {}
    return None if str(first.get("className", "")).startswith("wtile") else "no queue tiles"


def wall_refresh_check(body: dict):
    """A full answer with tiles, or 204: the TV already shows the current render (it sent that render's key)."""
    full = dash_check(body, wall_tiles)

    def check(response: requests.Response) -> str | None:
        return None if response.status_code == 204 else full(response)
    return check


def page_check(marker: str):
    def check(response: requests.Response) -> str | None:
        if response.status_code != 200:
            return f"status {response.status_code}"
        return None if marker in response.text else f"no {marker!r} in the page"
    return check


def load_shell(recorder: Recorder, session: requests.Session, base: str, kind: str, prefix: str) -> None:
    """What a browser fetches after the page's HTML, besides cached scripts: the layout and the callback graph."""
    recorder.timed(session, f"{prefix} GET /_dash-layout", kind, "GET", base + "/_dash-layout")
    recorder.timed(session, f"{prefix} GET /_dash-dependencies", kind, "GET", base + "/_dash-dependencies")


def post(recorder: Recorder, session, base: str, name: str, kind: str, body: dict, extra=None):
    return recorder.timed(session, name, kind, "POST", base + "/_dash-update-component", json=body,
                          check=dash_check(body, extra))


def run_wall(recorder: Recorder, base: str, token: str, page: Captured, start_at: float, stop_at: float,
             interval: float) -> None:
    """One TV: open ``/wall?token=`` (a wall session), render it, then refresh every ``interval`` seconds."""
    session = requests.Session()
    time.sleep(max(0.0, start_at - time.perf_counter()))
    recorder.timed(session, "/wall GET ?token= (303, page)", "wall", "GET", f"{base}/wall?token={token}",
                   check=page_check("_dash-config"))
    load_shell(recorder, session, base, "wall", "/wall")
    post(recorder, session, base, "/wall router", "wall", page.bodies["router"])
    tick, due, shown = 0, time.perf_counter() + interval, None
    while due < stop_at:  # dcc.Interval fires on its own clock, whatever the last answer took
        time.sleep(max(0.0, due - time.perf_counter()))
        tick += 1
        body = rewrite(page.bodies["refresh"], n_intervals=tick, state={WALL_RENDERED: shown})
        response = recorder.timed(session, "/wall refresh (interval)", "wall", "POST",
                                  base + "/_dash-update-component", json=body, check=wall_refresh_check(body))
        if response is not None and response.status_code == 200 and not recorder.last.sample.error:
            shown = response.json()["response"].get(WALL_RENDERED, {}).get("data", shown)  # as the browser keeps it
        due += interval
        if due - time.perf_counter() > IDLE_CLOSE_SECONDS:
            session.close()


def sign_in(recorder: Recorder, session: requests.Session, base: str, name: str, password: str) -> bool:
    page = recorder.timed(session, "GET /login", "manager", "GET", base + "/login?next=/queues",
                          check=page_check("csrf_token"))
    if page is None or page.status_code != 200:
        return False
    csrf = page.text.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]
    answer = recorder.timed(session, "POST /login (303)", "manager", "POST", base + "/login",
                            data={"name": name, "password": password, "csrf_token": csrf, "next": "/queues"},
                            allow_redirects=False,
                            check=lambda r: None if r.status_code == 303 else f"status {r.status_code}")
    return answer is not None and answer.status_code == 303


def visit(recorder: Recorder, session, base: str, page: Captured, query: dict, agent_id: str,
          contact_id: str) -> None:
    """One click: the router renders the page, then each data callback the new layout fires."""
    path = {"queues": "/queues", "agents": "/agents", "agent": f"/agents/{agent_id}",
            "contact": f"/contacts/{contact_id}"}[page.page]
    search = "" if page.page == "contact" else "?" + urlencode(query)
    label = {"queues": "/queues", "agents": "/agents", "agent": "/agents/<id>", "contact": "/contacts/<id>"}[page.page]
    started = time.perf_counter()
    errors = []
    for part, body in page.bodies.items():
        body = rewrite(body, pathname=path, search=search, query=query, agent_id=agent_id, contact_id=contact_id)
        extra = (lambda answer: None if "_pages_content" in answer else "no page") if ROUTER in body["output"] else None
        post(recorder, session, base, f"{label} {part}", "manager", body, extra)
        errors.append(recorder.last.sample.error)
    recorder.add(Sample(f"{label} click (router + callbacks, in turn)", "visit", started - recorder.began,
                        (time.perf_counter() - started) * 1000, 200, next((e for e in errors if e), None)))


def run_manager(recorder: Recorder, base: str, name: str, password: str, pages: dict[str, Captured],
                ranges: list[str], agent_ids: list[str], contact_ids: list[str], start_at: float, stop_at: float,
                think: tuple[float, float], seed: int) -> None:
    """One manager: sign in, open /queues, then queue → agents → one agent → one contact, thinking between clicks."""
    rng = random.Random(seed)
    session = requests.Session()
    time.sleep(max(0.0, start_at - time.perf_counter()))
    if not sign_in(recorder, session, base, name, password):
        return
    recorder.timed(session, "/queues GET (page)", "manager", "GET", base + "/queues", check=page_check("_dash-config"))
    load_shell(recorder, session, base, "manager", "/queues")
    loop = 0
    while time.perf_counter() < stop_at:
        query = {"range": ranges[loop % len(ranges)]}
        agent_id, contact_id = rng.choice(agent_ids), rng.choice(contact_ids)
        for page in ("queues", "agents", "agent", "contact"):
            if time.perf_counter() >= stop_at:
                return
            visit(recorder, session, base, pages[page], query, agent_id, contact_id)
            pause = rng.uniform(*think)
            if pause > IDLE_CLOSE_SECONDS:
                session.close()
            time.sleep(pause)
        loop += 1


def run_clients(base: str, pages: dict[str, Captured], tokens: list[str], manager: tuple[str, str],
                ranges: list[str], agent_ids: list[str], contact_ids: list[str], seconds: float,
                interval: float, think: tuple[float, float], managers: int) -> Recorder:
    """All users at once for ``seconds``; TVs start spread over one interval, managers over the first 2 s."""
    began = time.perf_counter()
    recorder = Recorder(began)
    stop_at = began + seconds
    rng = random.Random(7)
    threads = [threading.Thread(target=run_wall, daemon=True, name=f"wall-{i}",
                                args=(recorder, base, token, pages["wall"], began + rng.uniform(0, interval),
                                      stop_at, interval)) for i, token in enumerate(tokens)]
    threads += [threading.Thread(target=run_manager, daemon=True, name=f"manager-{i}",
                                 args=(recorder, base, *manager, pages, ranges, agent_ids, contact_ids,
                                       began + rng.uniform(0, 2), stop_at, think, i)) for i in range(managers)]
    for thread in threads:
        thread.start()
    for thread in threads:  # a request in flight at the end may take up to its timeout
        thread.join(max(0.0, stop_at + TIMEOUT_SECONDS + 5 - time.perf_counter()))
    recorder.seconds = time.perf_counter() - began
    recorder.hung = [t.name for t in threads if t.is_alive()]
    return recorder
