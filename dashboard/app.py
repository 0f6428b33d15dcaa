"""The application factory: the routes, the templates, the session of each request, and the
headers every answer carries (a strict Content-Security-Policy: no script, no inline style)."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

from fastapi import FastAPI, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.exception_handlers import http_exception_handler
from fastapi.responses import PlainTextResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from jinja2 import Environment, FileSystemLoader, select_autoescape
from starlette.exceptions import HTTPException as StarletteHTTPException

from dashboard.auth import COOKIE, LoginLimit, Session, Sessions
from dashboard.search import companies
from dashboard.views import template_globals
from monitor.config import Config
from monitor.probes import readiness
from monitor.store import Store

if TYPE_CHECKING:
    from monitor.models import DashboardUserRow

HERE = Path(__file__).parent
CSP = "default-src 'none'; style-src 'self'; img-src 'self' data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
_ERROR_HEADINGS = {
    403: "この操作はできません", 404: "見つかりません", 413: "送信内容が大きすぎます", 429: "しばらくお待ちください",
}  # fmt: skip
_HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "X-Frame-Options": "DENY",
}


@dataclass(frozen=True)
class DashboardSettings:
    store: Store
    config: Config
    secret: bytes  # signs the session cookies

    @classmethod
    def with_secret(cls, store: Store, config: Config, secret: str | None) -> DashboardSettings:
        """``secret`` None: a random key of this process's own (a restart ends every session)."""
        return cls(store, config, secret.encode() if secret else secrets.token_bytes(32))


class NotSignedIn(Exception):
    """A page asked for by someone not signed in: they are sent to the login form."""


def create_app(settings: DashboardSettings) -> FastAPI:
    from dashboard import api, feeds, item_pages, pages

    options = settings.config.dashboard
    app = FastAPI(
        title="regwatch API",
        version="1",
        openapi_url="/api/openapi.json",
        docs_url=None,
        redoc_url=None,
        description="Items, sources and categories regwatch stores; label corrections (editors).",
    )
    app.state.settings = settings
    app.state.sessions = Sessions(settings.secret, options.session_ttl)
    app.state.login_limit = LoginLimit(options.login_attempts, options.login_window)
    app.state.chart_cache = {}
    app.state.companies = companies(settings.config.watch)  # whose other names a search finds
    environment = Environment(loader=FileSystemLoader(HERE / "templates"), autoescape=select_autoescape(default=True))
    environment.globals.update(template_globals(settings.config))
    app.state.templates = environment
    for module in (pages, item_pages, api, feeds):
        app.include_router(module.router)
    api.document_categories(app, settings.config.category_names)
    app.mount("/static", StaticFiles(directory=HERE / "static"), name="static")

    @app.get("/healthz", include_in_schema=False)
    def _healthz() -> PlainTextResponse:
        # For the container's health check: the dashboard answers, and so does its database, at head.
        verdict = readiness(settings.store)
        return PlainTextResponse(verdict.reason + "\n", status_code=200 if verdict.ok else 503)

    @app.exception_handler(NotSignedIn)
    async def _to_login(request: Request, _exc: NotSignedIn) -> Response:
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        return RedirectResponse(f"/login?{urlencode({'next': target})}", status_code=303)

    @app.exception_handler(StarletteHTTPException)
    async def _error_page(request: Request, exc: StarletteHTTPException) -> Response:
        # The API and the feeds answer in JSON; a person at a page gets a page.
        if request.url.path.startswith(("/api/", "/feeds/")) or not hasattr(request.state, "session"):
            return await http_exception_handler(request, exc)
        from dashboard.access import render

        heading = _ERROR_HEADINGS.get(exc.status_code, "エラーが発生しました")
        return render(request, "error.html", status=exc.status_code, heading=heading, detail=str(exc.detail), headers=exc.headers)

    @app.middleware("http")
    async def _session_and_headers(request: Request, call_next: Any) -> Response:
        sessions: Sessions = app.state.sessions
        cookie = sessions.decode(request.cookies.get(COOKIE))
        own = cookie or sessions.new()
        session = await _current(request, settings, sessions, own)
        if own.user is not None and session.user is None:  # signed out: an anonymous cookie replaces theirs
            own, cookie = session, None
        request.state.session = session
        response: Response
        if request.url.path.startswith(("/api/", "/feeds/")) and request.url.path != app.openapi_url:
            from dashboard.access import api_user

            try:
                await run_in_threadpool(api_user, request)
            except StarletteHTTPException as exc:
                response = await http_exception_handler(request, exc)
            else:
                response = await call_next(request)
        else:
            response = await call_next(request)
        issued: Session | None = getattr(request.state, "issued", None)
        if issued is not None or cookie is None:
            response.set_cookie(
                COOKIE, sessions.encode(issued or own), max_age=int(sessions.ttl), httponly=True,
                secure=options.secure_cookies, samesite="strict", path="/",
            )  # fmt: skip
        response.headers.update(_HEADERS)
        return response

    return app


async def _current(request: Request, settings: DashboardSettings, sessions: Sessions, own: Session) -> Session:
    """Who asks: the user an authenticating proxy names, or the cookie's, as the database has them now."""
    header = settings.config.dashboard.trusted_header
    proxied = request.headers.get(header) if header else None
    if not (proxied or own.user):
        return own
    user = await run_in_threadpool(user_named, settings.store, proxied or own.user or "")
    if proxied:
        # For this request only: the proxy names the user again on each; the cookie never keeps it.
        return Session(own.csrf, proxied, user.role if user else "viewer", own.expires)
    return sessions.as_now(own, user)


def user_named(store: Store, name: str) -> DashboardUserRow | None:
    """The dashboard user of that name as stored now (a blocking read: call it off the event loop)."""
    from monitor.store.people import find_user

    with store.read() as connection:
        return find_user(connection, name)
