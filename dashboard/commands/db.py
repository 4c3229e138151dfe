"""``ccpulse db upgrade``: bring the store's schema to the latest migration."""

from __future__ import annotations

import logging

log = logging.getLogger(__name__)


def register(subparsers) -> None:
    parser = subparsers.add_parser("db", help="manage the store's schema")
    actions = parser.add_subparsers(dest="db_action", metavar="ACTION", required=True)
    upgrade = actions.add_parser("upgrade", help="apply the schema migrations (Alembic) up to the latest")
    upgrade.add_argument("--revision", default="head", help="target revision (default: head)")
    upgrade.set_defaults(handler=upgrade_schema)


def upgrade_schema(args, settings) -> int:
    from dashboard.store.db import upgrade_database

    upgrade_database(settings.database_url, args.revision)
    log.info("schema of %s is at %s", redact(settings.database_url), args.revision)
    return 0


def redact(url: str) -> str:
    """The URL without its password, for logs."""
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)
