"""What a page's callbacks need from the running app: its settings and its store.

Kept on the Flask app's config by ``create_app``, so every worker and every test
app has its own, and callbacks never touch module globals.
"""

from __future__ import annotations

from flask import current_app
from sqlalchemy import Engine

from dashboard.settings import Settings

SETTINGS_KEY = "CCPULSE_SETTINGS"
ENGINE_KEY = "CCPULSE_ENGINE"


def settings() -> Settings:
    return current_app.config[SETTINGS_KEY]


def engine() -> Engine:
    return current_app.config[ENGINE_KEY]
