"""Who may do what: roles, and the guard every protected callback wears.

Roles: ``wall`` (wall pages), ``supervisor`` (acknowledge alerts, edit thresholds),
``manager`` (drill-down, agent and contact detail), ``executive`` (trends),
``admin`` (everything). With sign-in off (``ccpulse run`` on 127.0.0.1, the
embedded default) every check passes; with it on, the role comes from the
signed-in session and is checked on the server, not only by hiding links.
"""

from __future__ import annotations

import functools

from flask import g, session
from werkzeug.exceptions import Forbidden, Unauthorized

from dashboard import context

ROLES = ("wall", "supervisor", "manager", "executive", "admin")
PEOPLE = ("supervisor", "manager", "executive", "admin")  # every role that signs in with a password

# first match wins: a path prefix and the roles that may open it (admin may open everything)
PAGE_ROLES: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("/wall", ("wall", "supervisor", "manager", "admin")),
    ("/alerts", ("supervisor", "admin")),
    ("/queues", ("manager", "admin")),
    ("/agents", ("manager", "admin")),
    ("/agent", ("manager", "admin")),
    ("/contacts", ("manager", "admin")),
    ("/contact", ("manager", "admin")),
    ("/trends", ("executive", "manager", "admin")),
    ("/admin", ("admin",)),
)


def login_required(settings) -> bool:
    """Sign-in is on when asked for, and always in production."""
    return bool(settings.require_login or settings.env == "production")


def roles_for_path(path: str) -> tuple[str, ...]:
    """The roles that may open the page at ``path``; any signed-in person for pages not listed."""
    path = "/" + path.strip("/")
    for prefix, roles in PAGE_ROLES:
        if path == prefix or path.startswith(prefix + "/"):
            return roles
    return PEOPLE


def allowed(role: str | None, roles: tuple[str, ...]) -> bool:
    return role is not None and (role == "admin" or role in roles)


def current_role() -> str | None:
    """The signed-in user's role (or the display token's), None when nobody is signed in."""
    return getattr(g, "ccpulse_role", None) or session.get("role")


def check_role(roles: tuple[str, ...]) -> None:
    """Raise 401 when nobody is signed in, 403 when the role is not among ``roles`` (admin always passes)."""
    if not login_required(context.settings()):
        return
    role = current_role()
    if role is None:
        raise Unauthorized("sign in first")
    if not allowed(role, roles):
        raise Forbidden(f"the {role} role may not do this")


def require_role(*roles: str):
    """Decorate a callback (or any view function) so it runs only for these roles."""
    unknown = set(roles) - set(ROLES)
    if unknown:
        raise ValueError(f"unknown roles {sorted(unknown)}")

    def decorate(function):
        @functools.wraps(function)
        def guarded(*args, **kwargs):
            check_role(roles)
            return function(*args, **kwargs)

        guarded.ccpulse_roles = roles
        return guarded

    return decorate
