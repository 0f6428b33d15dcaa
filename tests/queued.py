"""Alerts queued straight into the outbox, for delivery tests that start after the pipeline."""

from __future__ import annotations

import zlib
from datetime import datetime, timezone

from alerts import outbox
from monitor import store
from monitor.items import Alert, EventKind

NOW = datetime(2024, 2, 9, 1, 0, tzinfo=timezone.utc)


def make_alert(key: str, title: str = "北陸通信サービス株式会社に対する行政指導", event: EventKind = "new") -> Alert:
    return Alert(
        key=key,
        event=event,
        item_id=0,
        source_id="mic-press",
        source_name="総務省 報道資料",
        title=title,
        url="https://www.soumu.go.jp/menu_news/s-news/01kiban07_02000099.html?a=1&b=2",
        published_at=NOW,
        categories=("guidance_notice",),
        scores={"guidance_notice": 0.97},
        evidence={"guidance_notice": ("行政指導を行いました",)},
        facts={},
    )


def queue(database: store.Store, titles: list[str], channel: str = "slack", kinds: tuple[EventKind, ...] = ("new",)) -> None:
    """Store one item per title, one event of each of ``kinds`` for it, and an alert per event to ``channel``."""
    with database.begin() as connection:
        store.sync_sources(connection, [("mic-press", "mic_press_list", "https://x", True)], NOW)
        entries = []
        for index, title in enumerate(titles):
            url = f"https://www.soumu.go.jp/menu_news/s-news/{zlib.crc32(title.encode())}.html"
            item = {
                "url": url,
                "link": url,
                "source_id": "mic-press",
                "title": title,
                "title_raw": title,
                "body": "",
                "body_raw": "",
                "lead": "",
                "published_at": NOW,
                "modified_at": None,
                "content_fingerprint": str(index),
                "detail_fetched_at": None,
                "baseline": False,
                "attributes": {},
                "first_seen_at": NOW,
                "updated_at": None,
            }
            item_id = store.insert_items(connection, [item])[url]
            for kind in kinds:
                event = {
                    "item_id": item_id,
                    "source_id": "mic-press",
                    "kind": kind,
                    "fingerprint": f"{index}:{kind}",
                    "changes": [],
                    "created_at": NOW,
                }
                event_id = store.save_events(connection, [event])[(item_id, kind)]
                key = outbox.outbox_key(event_id, channel)
                entries.append(outbox.OutboxEntry(event_id, item_id, "everything", channel, make_alert(key, title, kind)))
        outbox.enqueue(connection, entries, NOW)
