"""The Dash app factory. ``create_app(settings)`` builds one app; importing this module starts nothing.

``server`` (for gunicorn, ``dashboard.app:server``) is built on first access from
the environment's settings, so a worker that imports the module gets one app and
no scheduler: the collector runs in its own process (``ccpulse collect``).
"""

from __future__ import annotations

import importlib
from pathlib import Path

import dash
from dash import Dash, dcc, html
from sqlalchemy import Engine

from dashboard import ids
from dashboard.context import ENGINE_KEY, SETTINGS_KEY
from dashboard.i18n import t
from dashboard.security import install_security
from dashboard.settings import Settings, load_settings
from dashboard.store.db import make_engine

ROOT = Path(__file__).resolve().parents[1]
PAGE_MODULES = ["dashboard.pages.home", "dashboard.pages.wall", "dashboard.pages.wall_agents",
                "dashboard.pages.alerts", "dashboard.pages.queues", "dashboard.pages.agents",
                "dashboard.pages.agent", "dashboard.pages.contact", "dashboard.pages.trends"]
NAV_LINKS = [("/", "nav.live"), ("/wall", "nav.wall"), ("/wall/agents", "nav.agents_board"),
             ("/queues", "nav.queues"), ("/agents", "nav.agents"), ("/trends", "nav.trends"),
             ("/alerts", "nav.alerts")]


def page_modules() -> list:
    """The page modules, imported (each registers its page once per process)."""
    modules = [importlib.import_module(name) for name in PAGE_MODULES]
    for module in modules:  # pages_folder="" means Dash never attaches the modules' layouts itself
        page = dash.page_registry.get(module.__name__)
        if page is not None and page.get("layout") is None:
            page["layout"] = module.layout
    return modules


def shell(settings: Settings) -> html.Div:
    """The frame around every page: navigation (hidden in kiosk mode) and the page container."""
    return html.Div(className="app", children=[
        dcc.Location(id=ids.LOCATION, refresh="callback-nav"),
        html.Nav(id=ids.NAV, className="nav", children=[
            html.Span(settings.site_name, className="nav__brand"),
            *[dcc.Link(t(key, settings.language), href=href, className="nav__link") for href, key in NAV_LINKS],
        ]),
        html.Main(dash.page_container, className="main"),
    ])


def create_app(settings: Settings, engine: Engine | None = None) -> Dash:
    """A Dash app over the store named by ``settings``; pages and callbacks registered on it."""
    app = Dash(__name__, use_pages=True, pages_folder="", assets_folder=str(ROOT / "assets"),
               title=settings.site_name, update_title=None, suppress_callback_exceptions=True)
    app.server.config[SETTINGS_KEY] = settings
    app.server.config[ENGINE_KEY] = engine or make_engine(settings.database_url)
    for module in page_modules():
        module.register_callbacks(app)
    app.layout = shell(settings)
    install_security(app, settings, app.server.config[ENGINE_KEY])
    return app


def __getattr__(name: str):
    if name == "server":
        return create_app(load_settings()).server
    raise AttributeError(name)
