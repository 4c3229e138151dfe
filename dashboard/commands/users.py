"""``ccpulse users add|remove|list|token|revoke``: who may sign in, and the display links for TVs."""

from __future__ import annotations

import getpass
import sys
from datetime import datetime, timezone

from dashboard.auth import ROLES


def register(subparsers) -> None:
    parser = subparsers.add_parser("users", help="manage who may sign in, and display tokens for wall TVs")
    actions = parser.add_subparsers(dest="users_action", metavar="ACTION", required=True)
    add = actions.add_parser("add", help="add a user (asks for the password when --password is not given)")
    add.add_argument("name")
    add.add_argument("--role", required=True, choices=ROLES,
                     help="wall: wall pages; supervisor: alerts, thresholds; manager: drill-down; "
                          "executive: trends; admin: everything")
    add.add_argument("--password", help="the password (8+ characters); prefer the prompt, which is not logged")
    add.set_defaults(handler=add_user)
    remove = actions.add_parser("remove", help="remove a user and revoke its display tokens")
    remove.add_argument("name")
    remove.set_defaults(handler=remove_user)
    actions.add_parser("list", help="list users, their roles and live display tokens").set_defaults(handler=list_users)
    token = actions.add_parser("token", help="issue a display token: a wall URL a TV opens without typing")
    token.add_argument("name")
    token.add_argument("--base-url", default="", help="prefix for the printed URL, e.g. https://ccpulse.example.com")
    token.set_defaults(handler=issue_token)
    revoke = actions.add_parser("revoke", help="revoke every display token of a user")
    revoke.add_argument("name")
    revoke.set_defaults(handler=revoke_tokens)


def _engine(settings):
    from dashboard.store.db import make_engine, upgrade_database

    upgrade_database(settings.database_url)  # users may be the first thing created in a new store
    return make_engine(settings.database_url)


def _run(settings, action) -> int:
    from dashboard.accounts import AccountError

    engine = _engine(settings)
    try:
        action(engine)
    except AccountError as error:
        print(f"ccpulse users: {error}", file=sys.stderr)
        return 1
    finally:
        engine.dispose()
    return 0


def _ask_password() -> str | None:
    if not sys.stdin.isatty():
        return sys.stdin.readline().rstrip("\n") or None
    first = getpass.getpass("password: ")
    if first != getpass.getpass("again: "):
        print("ccpulse users: the two passwords differ", file=sys.stderr)
        return None
    return first


def add_user(args, settings) -> int:
    from dashboard import accounts

    password = args.password if args.password is not None else _ask_password()
    if not password:
        print("ccpulse users: no password given", file=sys.stderr)
        return 1

    def action(engine):
        user = accounts.add_user(engine, args.name, args.role, password, datetime.now(timezone.utc))
        print(f"added {user.name} ({user.role})")

    return _run(settings, action)


def remove_user(args, settings) -> int:
    from dashboard import accounts

    return _run(settings, lambda engine: (accounts.remove_user(engine, args.name), print(f"removed {args.name}")))


def list_users(args, settings) -> int:
    from dashboard import accounts

    def action(engine):
        users = accounts.list_users(engine)
        print(f"{'name':24} {'role':11} {'tokens':>6}  created")
        for user in users:
            print(f"{user.name:24} {user.role:11} {user.active_tokens:>6}  {user.created_at:%Y-%m-%d %H:%M} UTC")
        print(f"{len(users)} user(s)")

    return _run(settings, action)


def issue_token(args, settings) -> int:
    from dashboard import accounts

    def action(engine):
        token = accounts.issue_token(engine, args.name, datetime.now(timezone.utc))
        print(f"display token for {args.name} (shown once; `ccpulse users revoke {args.name}` ends it):")
        print(f"{args.base_url.rstrip('/')}/wall?token={token}")

    return _run(settings, action)


def revoke_tokens(args, settings) -> int:
    from dashboard import accounts

    def action(engine):
        count = accounts.revoke_tokens(engine, args.name, datetime.now(timezone.utc))
        print(f"revoked {count} display token(s) of {args.name}")

    return _run(settings, action)
