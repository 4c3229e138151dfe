"""Browser tests drive Debian's headless Chromium through chromedriver (dash[testing])."""

from __future__ import annotations

import socket
import threading

import pytest
from werkzeug.serving import WSGIRequestHandler, make_server


def pytest_setup_options():
    from selenium.webdriver.chrome.options import Options

    options = Options()
    for argument in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                     "--window-size=1920,1080", "--disable-background-networking", "--disable-component-update",
                     "--disable-sync", "--no-first-run", "--lang=en-US"):
        options.add_argument(argument)
    options.binary_location = "/usr/bin/chromium"
    return options


def pytest_collection_modifyitems(items):
    for item in items:
        if "tests/browser/" in str(item.fspath):
            item.add_marker(pytest.mark.browser)


class OneRequestPerConnection(WSGIRequestHandler):
    protocol_version = "HTTP/1.0"  # no keep-alive: once stopped, the server answers nothing at all


class AppServer:
    """The app on werkzeug in a thread of its own, which a test can stop and start again on its port;
    every browser test serves its app this way, and drives Chromium through dash_duo.

    dash_duo's own runner stops its server by raising SystemExit in every thread started after
    the server: that also killed the collector's worker when the scheduler happened to start it
    later (seen in CI as a wall that never moved again after a restart), and requests still being
    answered at a test's end. This one just shuts down.
    """

    def __init__(self):
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        self.server = self.thread = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, app) -> None:
        self.server = make_server("127.0.0.1", self.port, app.server, threaded=True,
                                  request_handler=OneRequestPerConnection)
        self.thread = threading.Thread(target=self.server.serve_forever, name="app server", daemon=True)
        self.thread.start()

    def stop(self) -> None:
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()
            self.thread.join()
            self.server = None


@pytest.fixture
def app_server():
    server = AppServer()
    yield server
    server.stop()
