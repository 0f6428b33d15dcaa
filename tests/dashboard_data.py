"""A store with a few items as the dashboard shows them: labelled, updated once (two versions),
alerted, and a dead-lettered alert; and the dashboard's users. Shared by the dashboard's tests and its benchmark."""

from __future__ import annotations

import functools
import re
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta, timezone
from typing import Any

from alerts import outbox
from monitor import store
from monitor.config import Config, load_settings
from monitor.diff import new_versions
from monitor.items import Classification
from monitor.store.people import save_user

NOW = datetime(2026, 12, 1, 1, 0, tzinfo=timezone.utc)
PASSWORDS = {"viewer": "viewer-password", "editor": "editor-password"}
GUIDANCE = "西日本電信電話株式会社に対する行政指導"
ITEMS = (
    ("mic-press", GUIDANCE, "総務省は、NTT西日本に対し、通信障害を受けて行政指導を行いました。期限は12月25日です。<script>alert(1)</script>",
     ("guidance_notice",)),
    ("nhk-politics", "議員の政治団体が寄付を返金", "ある議員の資金管理団体は、企業からの寄付を返金したと明らかにしました。",
     ("donation_refund",)),
    ("mic-news", "自治体におけるCIO任命状況の調査結果", "都道府県のうちCIOを任命している団体は38団体でした。", ("cio_survey",)),
    ("nhk-society", "各地で大雪の見込み", "気象庁によると、日本海側で大雪となる見込みです。", ()),
)  # fmt: skip
# The facts extracted of the first item: a deadline, an amount, and dates (its publication day among them).
FACTS = {
    GUIDANCE: {
        "deadlines": [{"label": "報告期限", "phrase": "12月25日まで", "date": "2026-12-25"}],
        "amounts_jpy": [3_000_000],
        "dates": ["2026-12-01", "2026-11-20"],
    }
}
ATTACHMENT = "別紙1 行政指導文書"  # the first item's attachment, whose file changed in its update
FIRST_DEADLINE = "期限は12月20日です。"  # in the first item's first version; its update made it 12月25日
_CSRF = re.compile(r'name="csrf" value="([^"]+)"')


def config() -> Config:
    return load_settings(None, env={}).config


def item_row(index: int, source_id: str, title: str, body: str, first_seen: datetime) -> dict[str, Any]:
    url = f"https://www.example.jp/news/{index}.html"
    return {
        "url": url, "link": url, "source_id": source_id, "title": title, "title_raw": title, "body": body, "body_raw": body,
        "lead": body[:60], "published_at": first_seen, "modified_at": None, "content_fingerprint": f"f{index}",
        "detail_fetched_at": first_seen, "baseline": False, "attributes": {}, "first_seen_at": first_seen, "updated_at": None,
    }  # fmt: skip


@functools.cache
def password_hashes() -> dict[str, str]:
    """Hashed once per process: argon2 is slow on purpose."""
    from dashboard.auth import hash_password

    return {role: hash_password(password) for role, password in PASSWORDS.items()}


def seeded_store(url: str) -> tuple[store.Store, dict[str, int]]:
    """The store at ``url`` with ITEMS (newest first), an update of the first, its alert, a dead
    alert, and a viewer and an editor; returns it and title → item id."""
    database = store.Store(url)
    database.upgrade()
    sources = {spec.id: spec for spec in config().sources}
    with database.begin() as c:
        store.sync_sources(c, [(s.id, s.kind, s.url, s.enabled) for s in sources.values()], NOW)
        rows = [item_row(i, *entry[:3], NOW - timedelta(hours=i)) for i, entry in enumerate(ITEMS)]
        attachment = {"label": ATTACHMENT, "url": "https://www.example.jp/news/0.pdf", "sha256": "a" * 64}
        body = rows[0]["body"].replace("期限は12月25日です。", FIRST_DEADLINE)
        rows[0] |= {"body": body, "body_raw": body, "attributes": {"attachments": [attachment]}}
        ids = store.insert_items(c, rows)
        by_title = {row["title"]: ids[row["url"]] for row in rows}
        first = by_title[GUIDANCE]
        for row in rows:  # each item's first version, fetched when it was first seen
            store.save_versions(c, new_versions(store.current_versions(c, [ids[row["url"]]], row["first_seen_at"])), 20)
        body = ITEMS[0][2]
        store.update_items(c, [{
            "item_id": first, "body": body, "body_raw": body, "content_fingerprint": "f0b",
            "attributes": {"attachments": [{**attachment, "sha256": "b" * 64}]},
        }])  # fmt: skip
        store.save_versions(c, new_versions(store.current_versions(c, [first], NOW + timedelta(hours=1))), 20)
        store.save_classifications(
            c,
            {by_title[title]: Classification(labels, {label: 0.9 for label in labels}, {label: (body[:30],) for label in labels},
                                             FACTS.get(title, {}), "test") for _, title, body, labels in ITEMS},
            NOW, new_items=True,
        )  # fmt: skip
        changes = [
            {"field": "body", "added": ["期限は12月25日です。"], "removed": ["期限は12月20日です。"]},
            {"field": "attachments", "changed": [ATTACHMENT]},
        ]
        events = store.save_events(c, [
            {"item_id": first, "source_id": "mic-press", "kind": "new", "fingerprint": "f0", "changes": [], "created_at": NOW},
            {"item_id": first, "source_id": "mic-press", "kind": "updated", "fingerprint": "f0b", "changes": changes,
             "created_at": NOW + timedelta(hours=1)},
        ])  # fmt: skip
        alerts = [("new", "sent", None), ("updated", "dead", "HTTP 500")]
        c.execute(outbox.OUTBOX.insert(), [
            {"key": f"{events[first, kind]}:default", "kind": "alert", "event_id": events[first, kind], "item_id": first,
             "route": "everything", "channel": "default", "state": state, "attempts": 1, "next_attempt_at": NOW,
             "sent_at": NOW if state == "sent" else None, "last_error": error, "payload": {"title": GUIDANCE}, "created_at": NOW}
            for kind, state, error in alerts
        ])  # fmt: skip
        for role, password_hash in password_hashes().items():
            save_user(c, role, password_hash, role, NOW)
    return database, by_title


@contextmanager
def dashboard_client(url: str, settings: Config | None = None) -> Iterator[tuple[Any, dict[str, int]]]:
    """A test client of the dashboard over the seeded store at ``url`` (of ``settings``, else the
    default config), and title → item id."""
    from fastapi.testclient import TestClient

    from dashboard import DashboardSettings, create_app

    database, ids = seeded_store(url)
    app = create_app(DashboardSettings(database, settings or config(), b"test-secret" * 3))
    try:
        with TestClient(app, base_url="https://testserver") as client:
            yield client, ids
    finally:
        database.dispose()


def csrf_of(page: str) -> str:
    """The CSRF token of a page's forms."""
    found = _CSRF.search(page)
    assert found, "the page has no form with a CSRF token"
    return found.group(1)


def sign_in(client: Any, name: str, password: str | None = None) -> str:
    """Sign in through the login form as a person does (``client``: a TestClient or an httpx.Client;
    the password: PASSWORDS[name] unless given); returns the new session's CSRF token (a login issues one)."""
    form = client.get("/login").text
    answer = client.post(
        "/login", data={"csrf": csrf_of(form), "name": name, "password": password or PASSWORDS[name], "next": "/"},
        follow_redirects=False,
    )  # fmt: skip
    assert answer.status_code == 303 and answer.headers["location"] == "/", answer.text
    page = client.get("/").text
    assert "ログアウト" in page
    return csrf_of(page)
