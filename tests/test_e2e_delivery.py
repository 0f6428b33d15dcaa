"""End to end, through the ``regwatch`` command: routing to team channels with mentions, updates in
threads, source health, the outbox commands, the digest over a real SMTP server, and delivery
surviving SIGKILL at random moments. Against the local site, Slack and SMTP servers."""

from __future__ import annotations

import os
import random
import re
import signal
import time
from collections import Counter
from pathlib import Path

import pytest

from alerts import outbox
from alerts.states import STATES
from monitor import store
from tests.cli import (
    DONATION,
    GUIDANCE,
    GUIDANCE_PATH,
    SURVEY,
    Cli,
    publish,
    revise_release,
    site_sources,
    slack_messages,
    slack_titles,
    team_config,
    wait_for,
)
from tests.conftest import SLACK_CHANNELS, LocalSite, Mailbox
from tests.queued import queue
from tests.servers import RunningServer, start

pytestmark = pytest.mark.e2e

TELECOM, POLITICS, GENERAL, OPS = (
    SLACK_CHANNELS[name] for name in ("telecom-compliance", "politics-desk", "regwatch", "regwatch-ops")
)


@pytest.fixture
def cli(tmp_path: Path, database_url: str, site: LocalSite, slack_server: RunningServer, smtp_server: Mailbox) -> Cli:
    publish(site)
    config = team_config(slack_server.url, smtp_server.port) + site_sources(site)
    return Cli.configured(
        tmp_path, database_url, config, REGWATCH_SMTP_USER=smtp_server.USER, REGWATCH_SMTP_PASSWORD=smtp_server.PASSWORD
    )


def test_each_team_gets_its_categories_with_its_mentions_and_updates_thread(cli, site, slack_server):
    cli("poll", "--once", "--backfill")
    assert slack_titles(slack_server, TELECOM) == [GUIDANCE]
    assert slack_titles(slack_server, POLITICS) == [DONATION]
    assert slack_titles(slack_server, GENERAL) == sorted([GUIDANCE, SURVEY, DONATION])
    (telecom_root,) = slack_messages(slack_server, TELECOM)
    assert telecom_root["text"].startswith("<!subteam^S0TELECOM> ")
    assert slack_messages(slack_server, POLITICS)[0]["text"].startswith("<@U0EDITOR> ")
    assert all(not m["text"].startswith("<") for m in slack_messages(slack_server, GENERAL))
    fields = str(telecom_root["blocks"])
    assert "北陸通信サービス株式会社" in fields and "行政指導" in fields  # facts and evidence

    revised = GUIDANCE + "（訂正）"
    revise_release(site, GUIDANCE_PATH, GUIDANCE, revised)
    cli("poll", "--once")
    telecom = slack_messages(slack_server, TELECOM)
    assert len(telecom) == 2 and telecom[1]["thread_ts"] == telecom_root["ts"]
    assert "（更新）" in telecom[1]["blocks"][0]["text"]["text"] and revised in telecom[1]["text"]
    general_root = next(m for m in slack_messages(slack_server, GENERAL) if m["text"].split("\n")[1] == GUIDANCE)
    assert slack_messages(slack_server, GENERAL)[-1]["thread_ts"] == general_root["ts"]
    assert len(slack_messages(slack_server, POLITICS)) == 1

    shown = cli("routes", "test", site.url + GUIDANCE_PATH).stdout
    assert "route telecom: sends to telecom" in shown and "route politics: does not apply" in shown
    assert "category guidance_notice is not among donation_refund" in shown
    assert "channels: telecom (by telecom), default (by everything), morning (by everything)" in shown
    assert "no stored item" in cli("routes", "test", site.url + "/nothing.html", expect=1).stderr


def test_the_digest_previews_and_sends_once_with_every_category_counted(cli, smtp_server, tmp_path):
    cli("poll", "--once", "--backfill")
    preview = cli("digest", "--preview", "out.html").stdout
    assert "新着3件" in preview
    html = (tmp_path / "out.html").read_text(encoding="utf-8")
    assert all(title in html for title in (GUIDANCE, SURVEY, DONATION))
    assert smtp_server.messages() == []  # a preview sends nothing

    assert "sent to desk@example.jp (3 items)" in cli("digest", "--send").stdout
    assert "sent once a day" in cli("digest", "--send").stdout
    (message,) = smtp_server.messages()
    assert message.get_content_type() == "multipart/alternative"
    assert re.fullmatch(
        r"regwatch 朝刊 \d{4}年\d{1,2}月\d{1,2}日\(.\): 新着3件（政治資金 寄付の返金 1件、行政指導・命令 1件、自治体CIO・DX調査 1件）",
        message["Subject"],
    )
    text = message.get_body(("plain",)).get_content()
    html = message.get_body(("html",)).get_content()
    for label in ("政治資金 寄付の返金", "行政指導・命令", "自治体CIO・DX調査"):
        assert f"■ {label} — 1件" in text
        assert f'{label} <span style="color: #666; font-weight: normal;">1件</span></h2>' in html
    assert "金額: 200万円" in text and "事業者: 北陸通信サービス株式会社（法人番号 8220001012345）" in text
    assert "正常 4 / 異常 0" in text and "正常 4 / 異常 0" in html


def test_a_broken_source_alerts_the_operators_and_again_when_it_recovers(cli, site, slack_server):
    cli("poll", "--once")  # baseline: every source lists items
    site.respond("/menu_news/s-news/index.html", 503)
    cli("poll", "--once", "--source", "mic-press", expect=1)
    assert slack_messages(slack_server, OPS) == []  # one failure is not yet broken
    cli("poll", "--once", "--source", "mic-press", expect=1)
    (broken,) = slack_messages(slack_server, OPS)
    assert broken["blocks"][0]["text"]["text"] == "ソース異常: mic-press" and "HTTP 503" in broken["text"]
    state = cli("sources").stdout
    assert re.search(r"^mic-press\s+broken\s.*failed 2 polls in a row", state, re.M)
    assert re.search(r"^nhk-politics\s+ok\s", state, re.M)

    site.respond("/menu_news/s-news/index.html", None)
    cli("poll", "--once", "--source", "mic-press")
    assert [m["blocks"][0]["text"]["text"] for m in slack_messages(slack_server, OPS)] == [
        "ソース異常: mic-press",
        "ソース復旧: mic-press",
    ]
    assert re.search(r"^mic-press\s+ok\s", cli("sources").stdout, re.M)

    empty_feed = '<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel><title>NHK</title></channel></rss>'
    site.write("/rss/news/cat4.xml", empty_feed, "application/xml")
    cli("poll", "--once", "--source", "nhk-politics")
    cli("poll", "--once", "--source", "nhk-politics")
    assert slack_messages(slack_server, OPS)[-1]["blocks"][0]["text"]["text"] == "ソース異常: nhk-politics"
    assert "listed no item in 2 polls in a row" in slack_messages(slack_server, OPS)[-1]["text"]


def test_dead_lettered_alerts_are_listed_and_a_retry_delivers_each_once(cli, slack_server):
    slack_server.control("POST", "/__mode__", {"down": True})
    cli("poll", "--once", "--backfill")
    assert "5 dead-lettered" in cli("deliver", "--now", expect=0).stderr
    listed = cli("outbox", "list").stdout
    assert listed.count(" dead ") == 5
    # the second attempt first looked for the message in the channel's history, and that failed too
    assert "last error: could not check whether it was posted: slack telecom: conversations.list failed: HTTP 500" in listed
    assert "no alerts in state sending" in cli("outbox", "list", "--state", "sending").stdout

    slack_server.control("POST", "/__mode__", {"down": False})
    retried = cli("outbox", "retry")
    assert "5 alert(s) queued again" in retried.stdout and "delivery: 5 sent" in retried.stderr
    assert slack_titles(slack_server, GENERAL) == sorted([GUIDANCE, SURVEY, DONATION])
    assert len(slack_messages(slack_server)) == 5
    assert "no alerts in state held, failed, dead" in cli("outbox", "list").stdout


@pytest.fixture
def slow_slack() -> RunningServer:
    """Slack answering each post 0.15 s after recording it: a kill often lands in between."""
    server = start("tests.servers.slack", "--channel", "regwatch=C0REGWATCH", "--latency", "0.15")
    yield server
    server.stop()


KILL_TRIALS = 14
ALERTS_PER_TRIAL = 8


def test_sigkill_at_random_moments_of_delivery_loses_and_repeats_nothing(tmp_path, database_url, slow_slack):
    """Each trial queues alerts, starts `regwatch deliver`, kills it with SIGKILL at a random moment
    after its first post, and runs `regwatch deliver --now` as the restarted service would."""
    config = f"""
[delivery]
claim_timeout = "0s"
backoff = "0s"

[fetch]
allow = ["127.0.0.1"]  # the local Slack-like server

[slack]
base_url = "{slow_slack.url}/api/"
min_interval = "0s"

[channels.default]
kind = "slack"
channel = "#regwatch"
"""
    cli = Cli.configured(tmp_path, database_url, config)
    cli("db", "upgrade")
    database = store.Store(database_url)
    randomness = random.Random(20261126)
    recovered = 0
    try:
        for trial in range(KILL_TRIALS):
            queue(database, [f"trial {trial} alert {n}" for n in range(ALERTS_PER_TRIAL)], channel="default")
            posted_before = len(slack_messages(slow_slack))
            deliverer = cli.start("deliver")
            wait_for(lambda: len(slack_messages(slow_slack)) > posted_before, "the first post")  # noqa: B023
            time.sleep(randomness.uniform(0.0, 0.8))  # 8 posts take over 1.2 s: the kill lands mid-delivery
            assert deliverer.poll() is None, "the deliverer finished before it was killed"
            os.kill(deliverer.pid, signal.SIGKILL)
            deliverer.communicate()
            found = re.search(r"(\d+) found already posted", cli("deliver", "--now").stderr)
            recovered += int(found.group(1)) if found else 0
        with database.read() as connection:
            rows = outbox.list_rows(connection, states=STATES, limit=10_000)
    finally:
        database.dispose()
    keys = Counter(m["metadata"]["event_payload"]["key"] for m in slack_messages(slow_slack))
    assert len(rows) == KILL_TRIALS * ALERTS_PER_TRIAL and {row.state for row in rows} == {"sent"}
    assert set(keys) == {row.key for row in rows} and set(keys.values()) == {1}
    assert recovered >= 1, "no kill landed between a post and its record: the trials missed the crash window"
    print(f"{KILL_TRIALS} SIGKILLs, {len(rows)} alerts each posted once; {recovered} found already posted after a kill")
