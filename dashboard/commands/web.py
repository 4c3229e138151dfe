"""``ccpulse web``: the dashboard alone (reads the store; the collector runs elsewhere)."""

from __future__ import annotations

import logging

log = logging.getLogger(__name__)


def add_address_arguments(parser) -> None:
    parser.add_argument("--host", help="address to listen on (default 127.0.0.1, or CCPULSE_HOST)")
    parser.add_argument("--port", type=int, help="port to listen on (default 8050, or CCPULSE_PORT)")


def register(subparsers) -> None:
    parser = subparsers.add_parser("web", help="serve the dashboard (development server; use gunicorn in production)")
    add_address_arguments(parser)
    parser.set_defaults(handler=web)


def serve(app, settings) -> None:
    from werkzeug.serving import run_simple

    log.info("dashboard on http://%s:%s", settings.host, settings.port)
    run_simple(settings.host, settings.port, app.server, threaded=True, use_reloader=False, use_debugger=False)


def web(args, settings) -> int:
    from dashboard.app import create_app
    from dashboard.store.db import upgrade_database

    upgrade_database(settings.database_url)
    serve(create_app(settings), settings)
    return 0
