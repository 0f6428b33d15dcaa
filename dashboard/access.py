"""What each route requires of the one asking, as FastAPI dependencies, and how a page is rendered.

Pages want a signed-in session (else the login form). The API and the feeds take the session
cookie too, or HTTP Basic credentials of a dashboard user (a feed reader, a script). A form post
must carry the session's CSRF token; an API write, the token in X-CSRF-Token, or Basic credentials
and a JSON body (a browser may replay cached Basic credentials, but no cross-site form sends JSON).
"""

from __future__ import annotations

import base64
import binascii
from typing import Annotated, Any
from urllib.parse import parse_qs

from fastapi import HTTPException, Path, Request
from fastapi.responses import HTMLResponse

from dashboard.app import NotSignedIn, user_named
from dashboard.auth import Session, password_matches

_MAX_FORM_BYTES = 16_384
# A row's number in a path: the database's integer columns hold no more (a larger one is a 422, not a 500).
RowId = Annotated[int, Path(ge=1, le=2**31 - 1)]


def signed_in(request: Request) -> Session:
    session: Session = request.state.session
    if session.user is None:
        raise NotSignedIn()
    return session


def api_user(request: Request) -> Session:
    """Decided once per request: the app asks before the body is read (a stranger gets 401, not
    the API's 422), and the route's dependency gets the same answer."""
    if not hasattr(request.state, "api_session"):
        request.state.api_session = _api_credentials(request)
    session: Session = request.state.api_session
    return session


def _api_credentials(request: Request) -> Session:
    session: Session = request.state.session
    if session.user is not None:
        return session
    credentials = _basic_credentials(request)
    if credentials is not None:
        name, password = credentials
        limit, address = request.app.state.login_limit, client_address(request)
        if limit.blocked(name, address):
            raise HTTPException(429, "too many failed logins; try again later")
        user = user_named(request.app.state.settings.store, name)
        if password_matches(user.password_hash if user else None, password) and user is not None:
            request.state.basic = True
            return Session(session.csrf, user.name, user.role)
        limit.failed(name, address)
    raise HTTPException(
        401, "sign in, or send the credentials of a dashboard user", headers={"WWW-Authenticate": 'Basic realm="regwatch"'}
    )


def api_editor(request: Request) -> Session:
    session = api_user(request)
    if not session.editor:
        raise HTTPException(403, "editors only")
    if getattr(request.state, "basic", False):
        if request.headers.get("content-type", "").split(";")[0].strip() != "application/json":
            raise HTTPException(415, "send JSON")
    elif not session.csrf_matches(request.headers.get("x-csrf-token")):
        raise HTTPException(403, "missing or wrong X-CSRF-Token")
    return session


async def form_of(request: Request) -> dict[str, str]:
    """A urlencoded form post, its CSRF token checked: 403 without the session's own."""
    body = await request.body()
    if len(body) > _MAX_FORM_BYTES:
        raise HTTPException(413, "form too large")
    try:
        fields = {key: values[0] for key, values in parse_qs(body.decode("utf-8"), keep_blank_values=True).items()}
    except UnicodeDecodeError:
        raise HTTPException(400, "form is not UTF-8") from None
    if not request.state.session.csrf_matches(fields.get("csrf")):
        raise HTTPException(403, "フォームの有効期限が切れました。ページを読み込み直してください。")
    return fields


async def editor_form(request: Request) -> dict[str, str]:
    fields = await form_of(request)
    if not signed_in(request).editor:
        raise HTTPException(403, "編集者のみが操作できます")
    return fields


def render(
    request: Request, template: str, status: int = 200, headers: dict[str, str] | None = None, **context: Any
) -> HTMLResponse:
    environment = request.app.state.templates
    page = environment.get_template(template).render(request=request, session=request.state.session, **context)
    return HTMLResponse(page, status_code=status, headers=headers)


def client_address(request: Request) -> str:
    return request.client.host if request.client else ""


def _basic_credentials(request: Request) -> tuple[str, str] | None:
    header = request.headers.get("authorization", "")
    if not header.lower().startswith("basic "):
        return None
    try:
        name, _, password = base64.b64decode(header[6:], validate=True).decode("utf-8").partition(":")
    except (binascii.Error, UnicodeDecodeError):
        return None
    return name, password
