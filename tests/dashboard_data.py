"""A store with a few items as the dashboard shows them: labelled, updated once, alerted, and a
dead-lettered alert; and the dashboard's users. Shared by the dashboard's tests and its benchmark."""

from __future__ import annotations

import functools
from datetime import datetime, timedelta, timezone
from typing import Any

from alerts import outbox
from monitor import store
from monitor.config import Config, load_settings
from monitor.items import Classification
from monitor.store.people import save_user

NOW = datetime(2026, 12, 1, 1, 0, tzinfo=timezone.utc)
PASSWORDS = {"viewer": "viewer-password", "editor": "editor-password"}
GUIDANCE = "西日本電信電話株式会社に対する行政指導"
ITEMS = (
    ("mic-press", GUIDANCE, "総務省は、NTT西日本に対し、通信障害を受けて行政指導を行いました。<script>alert(1)</script>",
     ("guidance_notice",)),
    ("nhk-politics", "議員の政治団体が寄付を返金", "ある議員の資金管理団体は、企業からの寄付を返金したと明らかにしました。",
     ("donation_refund",)),
    ("mic-news", "自治体におけるCIO任命状況の調査結果", "都道府県のうちCIOを任命している団体は38団体でした。", ("cio_survey",)),
    ("nhk-society", "各地で大雪の見込み", "気象庁によると、日本海側で大雪となる見込みです。", ()),
)  # fmt: skip


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
        ids = store.insert_items(c, rows)
        by_title = {row["title"]: ids[row["url"]] for row in rows}
        store.save_classifications(
            c,
            {by_title[title]: Classification(labels, {label: 0.9 for label in labels}, {label: (body[:30],) for label in labels},
                                             {}, "test") for _, title, body, labels in ITEMS},
            NOW, new_items=True,
        )  # fmt: skip
        first = by_title[GUIDANCE]
        change = {"field": "body", "added": ["期限は12月25日です。"], "removed": ["期限は12月20日です。"]}
        events = store.save_events(c, [
            {"item_id": first, "source_id": "mic-press", "kind": "new", "fingerprint": "f0", "changes": [], "created_at": NOW},
            {"item_id": first, "source_id": "mic-press", "kind": "updated", "fingerprint": "f0b", "changes": [change],
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
