"""The web app's gate: who is asking, what they may open, and the headers every answer carries.

``install_security(app, settings, engine)`` wires it into a Dash app. With sign-in on
(``require_login``, forced in production) a ``before_request`` hook:

- lets static files, ``/login``, ``/logout`` and the health checks through;
- turns ``?token=`` on a wall page into a wall session (the token's hash is looked up;
  a revoked token stops working at the next request);
- re-reads the session's user (or token) from the store, so removal signs out at once;
- sends people who are not signed in to ``/login`` (401 for Dash's own endpoints);
- maps page paths to roles (``auth.PAGE_ROLES``), and checks every call to
  ``/_dash-update-component`` against the roles of the callback it targets: the
  roles a callback wears (``@require_role``), else those of the page module that
  defined it, and for the page router those of the path it is asked to render.

Dash's POSTs must be JSON (a cross-site form cannot send that without CORS), cookies
are HttpOnly and SameSite=Lax, Secure in production.
"""

from __future__ import annotations

from urllib.parse import urlencode

import dash
from flask import Flask, abort, g, redirect, request, session
from sqlalchemy import Engine
from sqlalchemy.exc import SQLAlchemyError

from dashboard import accounts
from dashboard.auth import ROLES, allowed, login_required, roles_for_path
from dashboard.health import register_health
from dashboard.i18n import pick_language, t
from dashboard.settings import Settings, SettingsError, check_production
from dashboard.signin import html_page, register_signin

PUBLIC_PATHS = ("/login", "/logout", "/healthz", "/readyz", "/_favicon.ico")
PUBLIC_PREFIXES = ("/assets/", "/_dash-component-suites/")
PAGES_OUTPUT = "_pages_content.children"
CONTENT_SECURITY_POLICY = "; ".join((
    "default-src 'self'",
    "script-src 'self' 'unsafe-inline' 'unsafe-eval'",  # Dash's renderer boots from inline scripts
    "style-src 'self' 'unsafe-inline'",  # Plotly sets styles inline
    "img-src 'self' data: blob:", "font-src 'self' data:", "connect-src 'self'",
    "frame-ancestors 'none'", "base-uri 'self'", "form-action 'self'", "object-src 'none'"))
SECURITY_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "Cross-Origin-Opener-Policy": "same-origin",
}


def check_ready_for_production(settings: Settings, engine: Engine) -> None:
    """Refuse a production start with debug on, a weak secret key, or nobody able to sign in."""
    if settings.env != "production":
        return
    check_production(settings)
    try:
        users = accounts.count_users(engine)
    except SQLAlchemyError:
        raise SettingsError("database_url", "(not migrated)", "a migrated store: run `ccpulse db upgrade`") from None
    if users == 0:
        raise SettingsError("users", 0, "at least one user when CCPULSE_ENV=production: "
                                        "run `ccpulse users add NAME --role admin`")


def callback_roles(app: dash.Dash, body: dict) -> tuple[str, ...]:
    """The roles that may run the callback a ``/_dash-update-component`` body targets."""
    output = str(body.get("output", ""))
    if PAGES_OUTPUT in output:
        pathname = next((i.get("value") for i in body.get("inputs", []) if isinstance(i, dict)
                         and i.get("id") == "_pages_location" and i.get("property") == "pathname"), "/")
        return roles_for_path(str(pathname or "/"))
    entry = app.callback_map.get(output)
    function = entry.get("callback") if entry else None
    while function is not None:
        if getattr(function, "ccpulse_roles", None):
            return function.ccpulse_roles
        function = getattr(function, "__wrapped__", None)
    module = getattr(entry.get("callback"), "__module__", "") if entry else ""
    page = dash.page_registry.get(module)
    return roles_for_path(page["path"]) if page else ROLES


def resolve_role(engine: Engine) -> str | None:
    """The role of the session's user or display token as the store sees it now; clears a stale session."""
    if "user_id" in session:
        user = accounts.active_user(engine, int(session["user_id"]))
        if user is not None:
            return user.role
    elif "token_id" in session:
        if accounts.token_is_live(engine, int(session["token_id"])):
            return "wall"
    for key in ("user_id", "token_id", "role"):
        session.pop(key, None)
    return None


def refuse_page(settings: Settings, role: str, status: int = 403, message: str | None = None):
    lang = pick_language(request.args.get("lang"), settings.language)
    text = message or t("auth.forbidden", lang, role=role, path=request.path)
    body = (f"<h2>{t('auth.forbidden_title', lang)}</h2><p>{text}</p>"
            f'<p><a href="/logout?lang={lang}">{t("auth.sign_in_other", lang)}</a></p>')
    return html_page(settings, lang, t("auth.forbidden_title", lang), body), status


def sign_in_token(settings: Settings, engine: Engine, token: str):
    """Exchange a display token for a wall session, then drop it from the address bar."""
    token_id = accounts.token_id_for(engine, token)
    if token_id is None or not allowed("wall", roles_for_path(request.path)):
        return refuse_page(settings, "wall", 403, t("auth.bad_token", pick_language(None, settings.language)))
    session.clear()
    session.update(token_id=token_id, role="wall")
    query = {k: v for k, v in request.args.items() if k != "token"}
    return redirect(request.path + ("?" + urlencode(query) if query else ""), code=303)


def gate(app: dash.Dash, settings: Settings, engine: Engine):
    """The ``before_request`` hook; None lets the request through."""
    path = request.path
    if path in PUBLIC_PATHS or path.startswith(PUBLIC_PREFIXES):
        return None
    if request.method == "POST" and path.startswith("/_dash") and not request.is_json:
        abort(415, "Dash requests are JSON")
    if not login_required(settings):
        return None
    if request.method == "GET" and request.args.get("token") and not path.startswith("/_dash"):
        return sign_in_token(settings, engine, request.args["token"])
    role = g.ccpulse_role = resolve_role(engine)
    if path.startswith("/_dash"):
        if role is None:
            abort(401, "sign in first")
        if path.startswith("/_dash-update-component"):
            if not allowed(role, callback_roles(app, request.get_json(silent=True) or {})):
                abort(403, f"the {role} role may not run this callback")
        return None
    if role is None:
        return redirect("/login?" + urlencode({"next": request.full_path.rstrip("?")}), code=302)
    if not allowed(role, roles_for_path(path)):
        return refuse_page(settings, role)
    return None


def add_security_headers(response):
    for name, value in SECURITY_HEADERS.items():
        response.headers.setdefault(name, value)
    if request.path.startswith(("/login", "/_dash-update-component", "/_dash-layout")):
        response.headers["Cache-Control"] = "no-store"
    return response


def install_security(app: dash.Dash, settings: Settings, engine: Engine) -> None:
    """Sign-in, roles, CSRF-safe forms, security headers and health checks on ``app``'s server."""
    check_ready_for_production(settings, engine)
    server: Flask = app.server
    server.secret_key = settings.secret_key
    server.config.update(SESSION_COOKIE_NAME="ccpulse_session", SESSION_COOKIE_HTTPONLY=True,
                         SESSION_COOKIE_SAMESITE="Lax", SESSION_COOKIE_SECURE=settings.env == "production")
    server.before_request(lambda: gate(app, settings, engine))
    server.after_request(add_security_headers)
    register_signin(server, settings, engine)
    register_health(server, settings, engine)
