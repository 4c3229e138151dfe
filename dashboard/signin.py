"""``/login`` and ``/logout``: a plain HTML form with a CSRF token bound to the session.

The form posts the token back; a post without the session's token is refused, so
another site cannot sign a browser in or out. Signing in starts a fresh session
(no fixation) holding only the user's id and role; the role is re-read from the
store on every request, so removing a user signs them out.
"""

from __future__ import annotations

import hmac
import secrets
from html import escape

from flask import Flask, redirect, request, session
from sqlalchemy import Engine

from dashboard import accounts
from dashboard.i18n import pick_language, t
from dashboard.settings import Settings

PAGE = """<!doctype html>
<html lang="{lang}"><head><meta charset="utf-8"><title>{title}</title>
<link rel="stylesheet" href="/assets/base.css"></head>
<body class="signin"><main class="signin__box"><h1>{site}</h1>{body}</main></body></html>"""


def csrf_token() -> str:
    """The session's CSRF token, created on first use."""
    if "csrf" not in session:
        session["csrf"] = secrets.token_urlsafe(32)
    return session["csrf"]


def csrf_ok(sent: str | None) -> bool:
    expected = session.get("csrf")
    return bool(expected and sent) and hmac.compare_digest(str(expected), str(sent))


def safe_next(target: str | None) -> str:
    """Only a path on this site: never another host (``//evil``) or a scheme."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return "/"
    return target


def html_page(settings: Settings, lang: str, title: str, body: str) -> str:
    return PAGE.format(lang=lang, title=escape(title), site=escape(settings.site_name), body=body)


def login_form(settings: Settings, lang: str, next_path: str, message: str = "") -> str:
    note = f'<p class="signin__error" role="alert">{escape(message)}</p>' if message else ""
    body = (f'<h2>{escape(t("auth.title", lang))}</h2>{note}'
            f'<form method="post" action="/login?lang={lang}">'
            f'<input type="hidden" name="csrf_token" value="{escape(csrf_token())}">'
            f'<input type="hidden" name="next" value="{escape(safe_next(next_path))}">'
            f'<label>{escape(t("auth.name", lang))} <input name="name" autocomplete="username" required></label>'
            f'<label>{escape(t("auth.password", lang))} <input name="password" type="password" '
            f'autocomplete="current-password" required></label>'
            f'<button type="submit">{escape(t("auth.submit", lang))}</button></form>')
    return html_page(settings, lang, t("auth.title", lang), body)


def register_signin(server: Flask, settings: Settings, engine: Engine) -> None:
    @server.route("/login", methods=["GET", "POST"])
    def login():
        lang = pick_language(request.args.get("lang"), settings.language)
        if request.method == "GET":
            return login_form(settings, lang, request.args.get("next", "/"))
        next_path = safe_next(request.form.get("next"))
        if not csrf_ok(request.form.get("csrf_token")):
            session.pop("csrf", None)
            return login_form(settings, lang, next_path, t("auth.csrf", lang)), 400
        user = accounts.authenticate(engine, request.form.get("name", ""), request.form.get("password", ""))
        if user is None:
            return login_form(settings, lang, next_path, t("auth.failed", lang)), 401
        session.clear()
        session.update(user_id=user.id, user=user.name, role=user.role)
        return redirect(next_path, code=303)

    @server.route("/logout", methods=["GET", "POST"])
    def logout():
        lang = pick_language(request.args.get("lang"), settings.language)
        session.clear()
        body = (f'<p>{escape(t("auth.signed_out", lang))}</p>'
                f'<p><a href="/login?lang={lang}">{escape(t("auth.title", lang))}</a></p>')
        return html_page(settings, lang, t("auth.signed_out", lang), body)
