"""Delivery through the real slack-sdk client to a local server that answers like Slack."""

from __future__ import annotations

import io
from datetime import datetime, timedelta, timezone

import pytest
from sqlmodel import select

from alerts import outbox
from alerts.console import ConsoleChannel
from alerts.deliver import Deliverer
from alerts.slack import SlackChannel, slack_client
from monitor import store
from monitor.config import DeliveryConfig
from monitor.items import Alert
from monitor.models import OutboxRow

NOW = datetime(2024, 2, 9, 1, 0, tzinfo=timezone.utc)
FAST_RETRY = DeliveryConfig(max_attempts=3, backoff=0.0, max_backoff=0.0, batch=10)


def make_alert(key: str, title: str = "北陸通信サービス株式会社に対する行政指導") -> Alert:
    return Alert(
        key=key,
        event="new",
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


def queue(database: store.Store, titles: list[str], channel: str = "slack") -> None:
    """Store one item and event per title and queue an alert for ``channel``."""
    with database.begin() as connection:
        store.sync_sources(connection, [("mic-press", "mic_press_list", "https://x", True)], NOW)
        entries = []
        for index, title in enumerate(titles):
            url = f"https://www.soumu.go.jp/menu_news/s-news/{index}.html"
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
            event_id = store.save_events(
                connection,
                [
                    {
                        "item_id": item_id,
                        "source_id": "mic-press",
                        "kind": "new",
                        "fingerprint": str(index),
                        "changes": [],
                        "created_at": NOW,
                    }
                ],
            )[(item_id, "new")]
            key = outbox.outbox_key(event_id, channel)
            entries.append(outbox.OutboxEntry(event_id, item_id, "everything", channel, make_alert(key, title)))
        outbox.enqueue(connection, entries, NOW)


@pytest.fixture
def database(database_url):
    database = store.Store(database_url)
    database.upgrade()
    yield database
    database.dispose()


def slack_deliverer(database, slack_server, channel="#regwatch", token="xoxb-test", config=FAST_RETRY) -> Deliverer:
    client = slack_client(token, slack_server.url + "/api/")
    return Deliverer(database, {"slack": SlackChannel("slack", client, channel)}, config)


def outbox_rows(database) -> list[OutboxRow]:
    with database.session() as session:
        return list(session.exec(select(OutboxRow).order_by(OutboxRow.id)))


def test_each_alert_is_posted_once_with_blocks_text_and_its_outbox_key(database, slack_server):
    queue(database, ["北陸通信サービス株式会社に対する行政指導", "東都モバイル株式会社に対する業務改善命令"])
    deliverer = slack_deliverer(database, slack_server)
    assert deliverer.deliver_due().sent == 2
    assert deliverer.deliver_due().sent == 0
    messages = slack_server.control("GET", "/__messages__")
    assert [m["metadata"]["event_payload"]["key"] for m in messages] == [row.key for row in outbox_rows(database)]
    assert all(m["blocks"] and m["text"] for m in messages)
    assert {row.state for row in outbox_rows(database)} == {"sent"}
    assert outbox_rows(database)[0].remote_ref == f"C0REGWATCH:{messages[0]['ts']}"


def test_scraped_mentions_and_markup_notify_nobody(database, slack_server):
    queue(database, ["<!channel> 緊急 <@U123> <script>alert(1)</script> & more"])
    slack_deliverer(database, slack_server).deliver_due()
    (message,) = slack_server.control("GET", "/__messages__")
    rendered = message["text"] + str(message["blocks"])
    for raw in ("<!channel>", "<@U123>", "<script>"):
        assert raw not in rendered
    assert "&lt;!channel&gt;" in message["text"] and "&amp; more" in message["text"]
    assert "a=1&amp;b=2" in str(message["blocks"])  # the link itself stays one link


def test_a_slack_outage_keeps_alerts_and_delivers_each_once_after_recovery(database, slack_server):
    queue(database, ["一件目", "二件目", "三件目"])
    slack_server.control("POST", "/__mode__", {"down": True})
    deliverer = slack_deliverer(database, slack_server, config=DeliveryConfig(max_attempts=10, backoff=0.0, max_backoff=0.0))
    report = deliverer.deliver_due()
    assert report.sent == 0 and report.failed == 3
    assert {row.state for row in outbox_rows(database)} == {"failed"}
    slack_server.control("POST", "/__mode__", {"down": False})
    assert deliverer.deliver_due().sent == 3
    assert sorted(m["text"].split("\n")[1] for m in slack_server.control("GET", "/__messages__")) == [
        "一件目",
        "三件目",
        "二件目",
    ]


def test_rate_limit_retry_after_is_honoured(database, slack_server):
    queue(database, ["一件目"])
    slack_server.control("POST", "/__faults__", {"faults": [{"kind": "ratelimit", "retry_after": 30}]})
    before = datetime.now(timezone.utc)
    assert slack_deliverer(database, slack_server).deliver_due().failed == 1
    (row,) = outbox_rows(database)
    assert row.state == "failed" and row.next_attempt_at >= before + timedelta(seconds=29)
    assert "rate limited" in row.last_error


def test_a_misconfigured_channel_is_held_and_keeps_its_alerts(database, slack_server):
    queue(database, ["一件目", "二件目"])
    report = slack_deliverer(database, slack_server, channel="#no-such-channel").deliver_due()
    assert report.held == 2 and report.sent == 0 and "channel_not_found" in report.errors[0]
    assert [row.state for row in outbox_rows(database)] == ["pending", "pending"]
    assert outbox_rows(database)[0].attempts == 0
    assert slack_deliverer(database, slack_server).deliver_due(ignore_backoff=True).sent == 2


def test_an_alert_failing_every_attempt_is_dead_lettered(database, slack_server):
    queue(database, ["一件目"])
    slack_server.control("POST", "/__faults__", {"faults": [{"kind": "http500"}] * 3})
    deliverer = slack_deliverer(database, slack_server)
    reports = [deliverer.deliver_due() for _ in range(4)]
    assert [r.failed for r in reports[:2]] == [1, 1] and reports[2].dead == 1
    (row,) = outbox_rows(database)
    assert row.state == "dead" and row.attempts == 3


def test_console_channel_prints_the_alert(database):
    queue(database, ["北陸通信サービス株式会社に対する行政指導"], channel="console")
    stream = io.StringIO()
    assert Deliverer(database, {"console": ConsoleChannel("console", stream)}, FAST_RETRY).deliver_due().sent == 1
    printed = stream.getvalue()
    assert "行政指導・命令 (guidance_notice)" in printed and "北陸通信サービス株式会社に対する行政指導" in printed
    assert "根拠 (guidance_notice): 行政指導を行いました" in printed
