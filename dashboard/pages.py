"""The pages: items (filtered, searched, paged), sources, outbox, and signing in and out."""

from __future__ import annotations

import time
from datetime import date
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from alerts.states import RETRYABLE, STATES
from dashboard.access import RowId, client_address, editor_form, form_of, render, signed_in
from dashboard.app import user_named
from dashboard.auth import Session, password_matches
from dashboard.search import item_filter
from monitor.jpdates import utcnow

router = APIRouter(include_in_schema=False)
Viewer = Annotated[Session, Depends(signed_in)]
CHART_DAYS = 14
CHART_TTL = 60.0  # seconds


def parse_day(value: str | None) -> date | None:
    """A date field of a form: YYYY-MM-DD, or nothing (an empty or malformed field filters nothing)."""
    try:
        return date.fromisoformat(value) if value else None
    except ValueError:
        return None


def parse_page(value: str) -> int:
    """A page number of a link or a form: lenient, like its dates (what is not a number is page 1)."""
    try:
        return int(value)
    except ValueError:  # also a number of more digits than int() reads
        return 1


def daily(request: Request, by: Literal["source", "category"]) -> dict[str, list[int]]:
    """Items per day for the charts, counted at most once a minute: counting a large store's
    last two weeks costs more than the rest of a page."""
    from monitor.store.overview import daily_counts

    cache: dict[str, tuple[float, dict[str, list[int]]]] = request.app.state.chart_cache
    counted_at, counts = cache.get(by, (0.0, {}))
    if time.monotonic() - counted_at > CHART_TTL:
        with request.app.state.settings.store.read() as connection:
            counts = daily_counts(connection, utcnow(), CHART_DAYS, by)
        cache[by] = (time.monotonic(), counts)
    return counts


@router.get("/", response_class=HTMLResponse)
def items_page(
    request: Request,
    _viewer: Viewer,
    q: str = "",
    category: str = "",
    source: str = "",
    since: str = "",
    until: str = "",
    page: str = "1",
) -> Response:
    from monitor.store.search import find_items

    settings = request.app.state.settings
    size = settings.config.dashboard.page_size
    number = max(1, min(parse_page(page), 10_000))
    wanted = item_filter(q, category, source, parse_day(since), parse_day(until), request.app.state.companies)
    with settings.store.read() as connection:
        items, more = find_items(connection, wanted, offset=(number - 1) * size, limit=size)
    chart = daily(request, "category")
    query = {"q": q, "category": category, "source": source, "since": since, "until": until}
    return render(
        request, "items.html", items=items, more=more, page=number, query=query, chart=chart, chart_days=CHART_DAYS,
        chart_max=max((max(counts) for counts in chart.values()), default=0),
    )  # fmt: skip


@router.get("/sources", response_class=HTMLResponse)
def sources_page(request: Request, _viewer: Viewer) -> Response:
    from monitor.store.source_states import source_states

    with request.app.state.settings.store.read() as connection:
        sources = source_states(connection)
    return render(request, "sources.html", sources=sources, daily=daily(request, "source"), chart_days=CHART_DAYS)


@router.get("/outbox", response_class=HTMLResponse)
def outbox_page(request: Request, _viewer: Viewer, state: str = "") -> Response:
    from alerts import outbox

    chosen = (state,) if state in STATES else RETRYABLE
    with request.app.state.settings.store.read() as connection:
        rows = outbox.list_rows(connection, states=chosen, limit=200)
    return render(request, "outbox.html", rows=rows, state=state, states=STATES, retryable=RETRYABLE)


@router.post("/outbox/{row_id}/retry")
def outbox_retry(request: Request, row_id: RowId, _fields: Annotated[dict[str, str], Depends(editor_form)]) -> Response:
    from alerts import outbox

    with request.app.state.settings.store.begin() as connection:
        outbox.retry(connection, utcnow(), states=RETRYABLE, ids=[row_id])
    return RedirectResponse("/outbox", status_code=303)


@router.get("/login", response_class=HTMLResponse)
def login_page(request: Request, next: str = "/") -> Response:
    return render(request, "login.html", next=_local(next), error=None)


@router.post("/login")
def login(request: Request, fields: Annotated[dict[str, str], Depends(form_of)]) -> Response:
    name, password, target = fields.get("name", "").strip(), fields.get("password", ""), _local(fields.get("next", "/"))
    limit, address = request.app.state.login_limit, client_address(request)
    if limit.blocked(name, address):
        error = "ログインの失敗が続いたため、しばらくお待ちください。"
        return render(request, "login.html", status=429, next=target, error=error)
    user = user_named(request.app.state.settings.store, name)
    if not password_matches(user.password_hash if user else None, password) or user is None:
        limit.failed(name, address)
        return render(request, "login.html", status=401, next=target, error="ユーザー名またはパスワードが違います。")
    limit.succeeded(name, address)
    request.state.issued = request.app.state.sessions.new(user)
    return RedirectResponse(target, status_code=303)


@router.post("/logout")
def logout(request: Request, _fields: Annotated[dict[str, str], Depends(form_of)]) -> Response:
    request.state.issued = request.app.state.sessions.new()
    return RedirectResponse("/login", status_code=303)


def _local(target: str) -> str:
    """Only a path of this site: a login link must not send anyone elsewhere."""
    if not target.startswith("/") or target.startswith("//") or "\\" in target:
        return "/"
    return target
