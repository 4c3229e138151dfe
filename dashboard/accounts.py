"""Users and display tokens in the store: add, remove, list, check a password, issue and revoke tokens.

Passwords are kept as werkzeug hashes (scrypt); a display token is shown once, when
issued, and only its SHA-256 is stored, so a leaked database does not open a TV's URL.
Tokens are long random strings, so a fast hash is enough to look them up.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime
from functools import cache

from sqlalchemy import Engine, func, select, update
from werkzeug.security import check_password_hash, generate_password_hash

from dashboard.auth import ROLES
from dashboard.store.db import session_scope
from dashboard.store.models import DisplayTokenRow, UserRow

PASSWORD_METHOD = "scrypt"  # werkzeug's default; tests swap in a cheap one


@cache
def _dummy_hash(method: str) -> str:
    """Checked against when the name is unknown, so a wrong name costs as long as a wrong password."""
    return generate_password_hash("ccpulse-no-such-user", method=method)


class AccountError(ValueError):
    """A request the store cannot honour (unknown user, duplicate name, bad role); the message says which."""


@dataclass(frozen=True)
class User:
    id: int
    name: str
    role: str
    created_at: datetime
    active_tokens: int = 0


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def add_user(engine: Engine, name: str, role: str, password: str, now: datetime) -> User:
    """Store a new user; refuses an unknown role, an empty password or a name already taken."""
    name = name.strip()
    if role not in ROLES:
        raise AccountError(f"unknown role {role!r}: expected one of {', '.join(ROLES)}")
    if not name or len(name) > 128:
        raise AccountError("a user name needs 1 to 128 characters")
    if len(password) < 8:
        raise AccountError("a password needs at least 8 characters")
    with session_scope(engine) as session:
        if session.scalar(select(UserRow.id).where(UserRow.name == name)) is not None:
            raise AccountError(f"user {name!r} already exists")
        row = UserRow(name=name, role=role, password_hash=generate_password_hash(password, method=PASSWORD_METHOD),
                      created_at=now,
                      active=True)
        session.add(row)
        session.flush()
        return User(row.id, row.name, row.role, row.created_at)


def remove_user(engine: Engine, name: str) -> None:
    """Delete a user and, with it, every display token it issued."""
    with session_scope(engine) as session:
        row = session.scalar(select(UserRow).where(UserRow.name == name))
        if row is None:
            raise AccountError(f"no user named {name!r}")
        session.execute(DisplayTokenRow.__table__.delete().where(DisplayTokenRow.user_id == row.id))
        session.delete(row)


def list_users(engine: Engine) -> list[User]:
    live_tokens = (select(DisplayTokenRow.user_id, func.count().label("n"))
                   .where(DisplayTokenRow.revoked_at.is_(None)).group_by(DisplayTokenRow.user_id).subquery())
    with session_scope(engine) as session:
        rows = session.execute(select(UserRow, func.coalesce(live_tokens.c.n, 0))
                               .outerjoin(live_tokens, live_tokens.c.user_id == UserRow.id)
                               .order_by(UserRow.name))
        return [User(u.id, u.name, u.role, u.created_at, int(n)) for u, n in rows]


def count_users(engine: Engine) -> int:
    with session_scope(engine) as session:
        return int(session.scalar(select(func.count()).select_from(UserRow).where(UserRow.active.is_(True))))


def authenticate(engine: Engine, name: str, password: str) -> User | None:
    """The active user with this name and password, or None."""
    with session_scope(engine) as session:
        row = session.scalar(select(UserRow).where(UserRow.name == name.strip()))
        if row is None or not row.active:
            check_password_hash(_dummy_hash(PASSWORD_METHOD), password)
            return None
        if not check_password_hash(row.password_hash, password):
            return None
        return User(row.id, row.name, row.role, row.created_at)


def active_user(engine: Engine, user_id: int) -> User | None:
    """The user behind a session, None once removed or deactivated (a removed user is signed out)."""
    with session_scope(engine) as session:
        row = session.get(UserRow, user_id)
        return None if row is None or not row.active else User(row.id, row.name, row.role, row.created_at)


def issue_token(engine: Engine, name: str, now: datetime) -> str:
    """A new display token for the user; the token itself is returned once and never stored."""
    token = secrets.token_urlsafe(32)
    with session_scope(engine) as session:
        user_id = session.scalar(select(UserRow.id).where(UserRow.name == name))
        if user_id is None:
            raise AccountError(f"no user named {name!r}")
        session.add(DisplayTokenRow(user_id=user_id, token_hash=token_hash(token), created_at=now))
    return token


def revoke_tokens(engine: Engine, name: str, now: datetime) -> int:
    """Revoke every live display token of the user; the number revoked."""
    with session_scope(engine) as session:
        user_id = session.scalar(select(UserRow.id).where(UserRow.name == name))
        if user_id is None:
            raise AccountError(f"no user named {name!r}")
        result = session.execute(update(DisplayTokenRow)
                                 .where(DisplayTokenRow.user_id == user_id, DisplayTokenRow.revoked_at.is_(None))
                                 .values(revoked_at=now))
        return int(result.rowcount or 0)


def token_id_for(engine: Engine, token: str) -> int | None:
    """The id of the live display token matching ``token``, None when unknown or revoked."""
    with session_scope(engine) as session:
        return session.scalar(select(DisplayTokenRow.id)
                              .join(UserRow, UserRow.id == DisplayTokenRow.user_id)
                              .where(DisplayTokenRow.token_hash == token_hash(token),
                                     DisplayTokenRow.revoked_at.is_(None), UserRow.active.is_(True)))


def token_is_live(engine: Engine, token_id: int) -> bool:
    with session_scope(engine) as session:
        return session.scalar(select(DisplayTokenRow.id)
                              .join(UserRow, UserRow.id == DisplayTokenRow.user_id)
                              .where(DisplayTokenRow.id == token_id, DisplayTokenRow.revoked_at.is_(None),
                                     UserRow.active.is_(True))) is not None
