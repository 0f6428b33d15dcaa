"""Delivery through the real slack-sdk client to a local server that answers like Slack."""

from __future__ import annotations

import io
import time
from datetime import datetime, timedelta, timezone
from itertools import pairwise

import pytest
from sqlmodel import select

from alerts import outbox
from alerts.console import ConsoleChannel
from alerts.deliver import Deliverer
from alerts.slack import SlackChannel, slack_client
from alerts.webhook import WebhookChannel
from monitor.config import DeliveryConfig
from monitor.items import HealthNotice
from monitor.models import OutboxRow
from tests.queued import NOW, make_alert, queue

FAST_RETRY = DeliveryConfig(max_attempts=3, backoff=0.0, max_backoff=0.0, batch=10)


@pytest.fixture
def database(store_at_head):
    return store_at_head()


def slack_deliverer(database, slack_server, channel="#regwatch", token="xoxb-test", config=FAST_RETRY) -> Deliverer:
    client = slack_client(token, slack_server.url + "/api/")
    return Deliverer(database, {"slack": SlackChannel("slack", client, channel, min_interval=0)}, config)


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


def test_a_rate_limit_pauses_the_channel_for_retry_after_without_counting_the_waiting_alerts(database, slack_server):
    queue(database, ["一件目", "二件目", "三件目"])
    slack_server.control("POST", "/__faults__", {"faults": [{"kind": "ratelimit", "retry_after": 30}]})
    before = datetime.now(timezone.utc)
    report = slack_deliverer(database, slack_server).deliver_due()
    assert report.failed == 1 and report.sent == 0
    assert slack_server.control("GET", "/__messages__") == []  # the other two were not sent into the limit
    limited, *waiting = outbox_rows(database)
    assert limited.state == "failed" and limited.next_attempt_at >= before + timedelta(seconds=29)
    assert "rate limited" in limited.last_error
    assert all(
        row.state == "pending" and row.attempts == 0 and row.next_attempt_at >= before + timedelta(seconds=25) for row in waiting
    )


@pytest.mark.parametrize(
    ("channel", "token", "error"),
    [("#no-such-channel", "xoxb-test", "channel_not_found"), ("#regwatch", "xoxb-revoked", "invalid_auth")],
)
def test_a_misconfigured_channel_is_held_and_keeps_its_alerts_until_the_next_start(database, slack_server, channel, token, error):
    queue(database, ["一件目", "二件目"])
    broken = slack_deliverer(database, slack_server, channel=channel, token=token)
    report = broken.deliver_due()
    assert report.held == 2 and report.sent == 0 and error in report.errors[0]
    assert [(row.state, row.attempts) for row in outbox_rows(database)] == [("held", 0), ("held", 0)]
    assert all(error in (row.last_error or "") for row in outbox_rows(database))
    assert broken.deliver_due().held == 0 and slack_server.control("GET", "/__messages__") == []  # on hold: not hammered
    # Fixed, and started again: its first pass takes the held alerts, without --now.
    assert slack_deliverer(database, slack_server).deliver_due().sent == 2


def test_a_held_channel_is_tried_again_after_the_hold_in_a_running_deliverer(database, slack_server):
    queue(database, ["一件目"])
    slack_server.control("POST", "/__faults__", {"faults": [{"kind": "error", "error": "channel_not_found"}]})
    deliverer = slack_deliverer(database, slack_server, config=FAST_RETRY.model_copy(update={"hold": 0.3}))
    assert deliverer.deliver_due().held == 1
    assert deliverer.deliver_due().sent == 0  # still on hold
    time.sleep(0.4)
    assert deliverer.deliver_due().sent == 1
    assert len(slack_server.control("GET", "/__messages__")) == 1


def test_deliver_now_tries_a_held_channel_at_once(database, slack_server):
    queue(database, ["一件目"])
    slack_server.control("POST", "/__faults__", {"faults": [{"kind": "error", "error": "invalid_auth"}]})
    deliverer = slack_deliverer(database, slack_server)
    assert deliverer.deliver_due().held == 1
    assert deliverer.deliver_due(ignore_backoff=True).sent == 1


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
    assert printed.startswith("[regwatch] 行政指導・命令（新着）\n北陸通信サービス株式会社に対する行政指導\n")
    assert "公表 2024年2月9日(金) 10:00" in printed and "根拠（行政指導・命令）: 行政指導を行いました" in printed


def test_an_update_is_a_reply_in_the_thread_of_the_items_first_alert(database, slack_server):
    queue(database, ["北陸通信サービス株式会社に対する行政指導"], kinds=("new", "updated"))
    slack_server.control("POST", "/__faults__", {"faults": [{"kind": "http500"}]})
    deliverer = slack_deliverer(database, slack_server)
    first = deliverer.deliver_due()
    assert first.failed == 1 and first.deferred == 1  # the update waits for its thread to exist
    assert deliverer.deliver_due(ignore_backoff=True).sent == 2
    root, reply = slack_server.control("GET", "/__messages__")
    assert root["thread_ts"] is None and reply["thread_ts"] == root["ts"]
    assert "（更新）" in reply["blocks"][0]["text"]["text"]


def test_a_post_whose_answer_was_lost_is_found_in_history_not_posted_again(database, slack_server):
    queue(database, ["一件目", "二件目"])
    slack_server.control("POST", "/__faults__", {"faults": [{"kind": "lost_answer"}]})
    deliverer = slack_deliverer(database, slack_server)
    assert deliverer.deliver_due().failed == 1
    report = deliverer.deliver_due()
    assert report.recovered == 1 and report.sent == 0
    messages = slack_server.control("GET", "/__messages__")
    assert sorted(m["metadata"]["event_payload"]["key"] for m in messages) == sorted(row.key for row in outbox_rows(database))
    assert {row.state for row in outbox_rows(database)} == {"sent"}
    assert outbox_rows(database)[0].remote_ref == f"C0REGWATCH:{messages[0]['ts']}"


def test_a_lost_post_is_found_beyond_the_first_page_of_a_busy_channels_history(database, slack_server):
    queue(database, ["一件目"])
    slack_server.control("POST", "/__faults__", {"faults": [{"kind": "lost_answer"}]})
    deliverer = slack_deliverer(database, slack_server)
    assert deliverer.deliver_due().failed == 1
    chatter = slack_client("xoxb-test", slack_server.url + "/api/")
    for n in range(250):  # the channel moves on: the lost post is no longer among the newest 200
        chatter.chat_postMessage(channel="#regwatch", text=f"雑談 {n}")
    assert deliverer.deliver_due().recovered == 1
    assert len(slack_server.control("GET", "/__messages__")) == 251


def test_alerts_a_killed_deliverer_left_sending_are_checked_then_sent_once(database, slack_server):
    queue(database, ["投稿済み", "未投稿"])
    with database.begin() as connection:  # the deliverer that died had claimed both and posted the first
        posted, _ = outbox.claim_due(connection, NOW, due_by=NOW, pass_started=NOW, limit=10, channels=["slack"])
    SlackChannel("slack", slack_client("xoxb-test", slack_server.url + "/api/"), "#regwatch").send(
        make_alert(posted.key, "投稿済み")
    )
    survivor = slack_deliverer(database, slack_server, config=DeliveryConfig(claim_timeout=0, backoff=0))
    report = survivor.deliver_due()
    assert report.recovered == 1 and report.sent == 1
    titles = sorted(m["text"].split("\n")[1] for m in slack_server.control("GET", "/__messages__"))
    assert titles == ["投稿済み", "未投稿"]


def test_a_hanging_slack_times_out_and_the_retry_posts_once(database, slack_server):
    queue(database, ["一件目"])
    slack_server.control("POST", "/__faults__", {"faults": [{"kind": "hang", "seconds": 3}]})
    client = slack_client("xoxb-test", slack_server.url + "/api/", timeout=1)
    deliverer = Deliverer(database, {"slack": SlackChannel("slack", client, "#regwatch", min_interval=0)}, FAST_RETRY)
    started = time.monotonic()
    report = deliverer.deliver_due()
    assert report.failed == 1 and time.monotonic() - started < 2.5
    assert "timed out" in report.errors[0].lower() or "timeout" in report.errors[0].lower()
    assert deliverer.deliver_due().sent == 1
    assert len(slack_server.control("GET", "/__messages__")) == 1


def test_each_channel_is_paced_and_one_channel_waiting_does_not_hold_up_another(database, slack_server):
    queue(database, ["一", "二", "三"], channel="general")
    notices = [HealthNotice(f"health:{i}", "source_broken", "mic-press", "総務省", "理由", NOW) for i in range(3)]
    with database.begin() as connection:
        outbox.enqueue(connection, [outbox.OutboxEntry(None, None, "ops", "telecom", n) for n in notices], NOW)
    client = slack_client("xoxb-test", slack_server.url + "/api/")
    channels = {
        "general": SlackChannel("general", client, "#regwatch", min_interval=0.4),
        "telecom": SlackChannel("telecom", client, "#telecom-compliance", min_interval=0.4),
    }
    assert Deliverer(database, channels, FAST_RETRY).deliver_due().sent == 6
    messages = slack_server.control("GET", "/__messages__")
    for channel_id in ("C0REGWATCH", "C0TELECOM"):
        times = [m["received_at"] for m in messages if m["channel"] == channel_id]
        assert len(times) == 3 and min(b - a for a, b in pairwise(times)) >= 0.39
    assert {m["channel"] for m in messages[:2]} == {"C0REGWATCH", "C0TELECOM"}  # interleaved, not one after the other


def test_a_source_health_notice_reads_as_such_in_slack(database, slack_server):
    notice = HealthNotice(
        "health:mic-press:x:source_broken",
        "source_broken",
        "mic-press",
        "総務省 報道資料",
        "failed 3 polls in a row; last error: HTTP 503",
        NOW,
    )
    with database.begin() as connection:
        outbox.enqueue(connection, [outbox.OutboxEntry(None, None, "health", "slack", notice)], NOW)
    assert slack_deliverer(database, slack_server).deliver_due().sent == 1
    (message,) = slack_server.control("GET", "/__messages__")
    assert message["blocks"][0]["text"]["text"] == "ソース異常: 総務省 報道資料"
    assert "HTTP 503" in message["text"] and message["thread_ts"] is None


def test_a_webhook_gets_json_with_an_idempotency_key_and_a_refusal_holds_it(database, site):
    queue(database, ["一件目"], channel="hook")
    hook = {"hook": WebhookChannel("hook", site.url + "/hooks/regwatch")}
    site.respond("/hooks/regwatch", 503)
    assert Deliverer(database, hook, FAST_RETRY).deliver_due().failed == 1
    site.respond("/hooks/regwatch", None)
    assert Deliverer(database, hook, FAST_RETRY).deliver_due().sent == 1
    posts = [r for r in site.requests() if r.get("method") == "POST"]
    assert [p["status"] for p in posts] == [503, 200]
    assert posts[0]["idempotency_key"] == posts[1]["idempotency_key"] == outbox_rows(database)[0].key
    assert posts[1]["body"]["type"] == "alert" and posts[1]["body"]["title"] == "一件目"

    queue(database, ["二件目"], channel="gone")
    site.respond("/hooks/gone", 410)
    report = Deliverer(database, {"gone": WebhookChannel("gone", site.url + "/hooks/gone")}, FAST_RETRY).deliver_due()
    assert report.held == 1 and "HTTP 410" in report.errors[0]
