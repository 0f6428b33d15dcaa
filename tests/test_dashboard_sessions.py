"""Who the dashboard takes a request to come from, and what it refuses: a session follows its user as
`regwatch users` changes them, a forged or expired cookie is nobody's, a login never sends anyone
off the site, the login limit counts each client (behind a trusted proxy too), and every answer
carries the headers that keep it out of other sites' frames."""

from __future__ import annotations

import base64
import json
import time
from collections.abc import Iterator
from dataclasses import replace

import httpx
import pytest
from fastapi.testclient import TestClient

from dashboard.auth import COOKIE, LoginLimit, hash_password
from monitor.store.people import USER, save_user
from tests.dashboard_data import GUIDANCE, NOW, PASSWORDS, config, csrf_of, dashboard_client, seeded_store, sign_in
from tests.servers import free_port


@pytest.fixture
def dashboard(tmp_path) -> Iterator[tuple[TestClient, dict[str, int]]]:
    with dashboard_client(f"sqlite:///{tmp_path / 'regwatch.db'}") as served:
        yield served


def may_correct(client: TestClient, item_id: int) -> bool:
    """Whether the session's user may correct a label: the page offers it, and the form is taken."""
    page = client.get(f"/items/{item_id}")
    assert page.status_code == 200
    form = {"csrf": csrf_of(page.text), "category": "cio_survey", "present": "1"}
    posted = client.post(f"/items/{item_id}/corrections", data=form, follow_redirects=False).status_code
    assert posted in (303, 403)
    return "誤りとして報告" in page.text and posted == 303


def test_a_session_follows_its_user_as_the_command_line_changes_them(dashboard):
    client, ids = dashboard
    store = client.app.state.settings.store
    sign_in(client, "editor")
    assert may_correct(client, ids[GUIDANCE])
    with store.begin() as connection:  # the role alone changed
        connection.execute(USER.update().where(USER.c.name == "editor").values(role="viewer"))
    assert not may_correct(client, ids[GUIDANCE])  # the very next request is a viewer's
    assert "editor（閲覧者）" in client.get("/").text
    with store.begin() as connection:  # regwatch users add editor --role editor: a password set again
        save_user(connection, "editor", hash_password(PASSWORDS["editor"]), "editor", NOW)
    assert client.get("/", follow_redirects=False).headers["location"] == "/login?next=%2F"  # signed out
    sign_in(client, "editor")
    assert may_correct(client, ids[GUIDANCE])
    with store.begin() as connection:  # a user removed is signed out
        connection.execute(USER.delete().where(USER.c.name == "editor"))
    assert client.get("/", follow_redirects=False).status_code == 303
    assert client.get("/api/items").status_code == 401


def test_a_tampered_or_expired_cookie_signs_no_one_in(dashboard):
    client, _ids = dashboard
    sign_in(client, "viewer")
    cookie = client.cookies.get(COOKIE)
    payload, signature = cookie.rsplit(".", 1)
    data = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    forged = base64.urlsafe_b64encode(json.dumps({**data, "u": "editor"}).encode()).decode().rstrip("=")
    sessions = client.app.state.sessions
    expired = sessions.encode(replace(sessions.decode(cookie), expires=time.time() - 1))  # signed with the right key
    for value in (f"{forged}.{signature}", expired):
        client.cookies.clear()
        client.cookies.set(COOKIE, value)
        assert client.get("/", follow_redirects=False).status_code == 303
        assert client.get("/api/items").status_code == 401
    client.cookies.clear()
    client.cookies.set(COOKIE, cookie)
    assert client.get("/", follow_redirects=False).status_code == 200  # the cookie as issued still works


def test_a_login_sends_no_one_off_the_site(dashboard):
    client, _ids = dashboard
    token = csrf_of(client.get("/login").text)
    for target in ("//evil.example", "/\\evil.example", "https://evil.example/", "evil.example"):
        assert 'name="next" value="/"' in client.get("/login", params={"next": target}).text
        form = {"csrf": token, "name": "viewer", "password": PASSWORDS["viewer"], "next": target}
        answer = client.post("/login", data=form, follow_redirects=False)
        assert answer.status_code == 303 and answer.headers["location"] == "/", target
        token = csrf_of(client.get("/").text)
    form = {"csrf": token, "name": "viewer", "password": PASSWORDS["viewer"], "next": "/sources?x=1"}
    assert client.post("/login", data=form, follow_redirects=False).headers["location"] == "/sources?x=1"


def test_basic_credentials_write_json_only_and_their_failures_are_limited(dashboard):
    client, ids = dashboard
    corrections = f"/api/items/{ids[GUIDANCE]}/corrections"
    editor = ("editor", PASSWORDS["editor"])
    # A cross-site form can replay cached Basic credentials, but never with a JSON body.
    form = client.post(corrections, data={"category": "cio_survey", "present": "true"}, auth=editor)
    assert form.status_code == 415
    assert client.get(f"/api/items/{ids[GUIDANCE]}", auth=editor).json()["corrections"] == []
    assert client.post(corrections, json={"category": "cio_survey", "present": True}, auth=editor).status_code == 201
    client.app.state.login_limit = LoginLimit(2, 300)
    for _ in range(2):
        assert client.get("/api/items", auth=("editor", "wrong")).status_code == 401
    assert client.get("/api/items", auth=editor).status_code == 429  # even the right password, for a while


def test_a_form_too_large_is_refused_and_every_answer_stays_out_of_frames(dashboard):
    client, _ids = dashboard
    token = csrf_of(client.get("/login").text)
    answer = client.post("/login", data={"csrf": token, "name": "viewer", "password": "x" * 20_000})
    assert answer.status_code == 413 and "送信内容が大きすぎます" in answer.text
    for path in ("/login", "/api/items", "/static/style.css", "/nothing"):
        headers = client.get(path).headers
        assert headers["x-frame-options"] == "DENY" and headers["x-content-type-options"] == "nosniff", path


@pytest.mark.parametrize(
    ("trusted", "other_client"),
    [("127.0.0.1", 401), ("192.0.2.1", 429)],
    ids=["the-proxy-is-trusted", "a-stranger-says-it-forwards"],
)
def test_behind_a_trusted_proxy_the_login_limit_counts_each_client(tmp_path, trusted, other_client):
    """`regwatch serve` itself (uvicorn), a proxy at 127.0.0.1 forwarding for two clients."""
    from monitor.cli.dashboard import dashboard_alongside
    from monitor.config import Settings
    from monitor.config.schema import DashboardConfig
    from monitor.runtime import Runtime

    url = f"sqlite:///{tmp_path / 'regwatch.db'}"
    seeded_store(url)[0].dispose()
    port = free_port()
    options = DashboardConfig(port=port, with_run=True, secure_cookies=False, login_attempts=1, forwarded_allow_ips=trusted)
    runtime = Runtime.open(Settings(config().model_copy(update={"dashboard": options}), None, url, None))
    try:
        with dashboard_alongside(runtime), httpx.Client(base_url=f"http://127.0.0.1:{port}") as proxy:
            token = csrf_of(_when_up(proxy, "/login").text)

            def wrong_password(client_address: str) -> int:
                form = {"csrf": token, "name": "viewer", "password": "wrong"}
                return proxy.post("/login", data=form, headers={"X-Forwarded-For": client_address}).status_code

            assert wrong_password("203.0.113.1") == 401
            assert wrong_password("203.0.113.1") == 429
            assert wrong_password("203.0.113.2") == other_client  # another client, unless all share the proxy's address
    finally:
        runtime.close()


def _when_up(client: httpx.Client, path: str, timeout: float = 30.0) -> httpx.Response:
    deadline = time.monotonic() + timeout
    while True:
        try:
            return client.get(path)
        except httpx.TransportError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.1)
