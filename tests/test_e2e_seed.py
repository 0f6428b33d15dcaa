"""The three items regwatch was asked for (../shared/fixtures/seed), followed from the page to what a
reader sees: the Slack alert of each team and the morning digest, checked by their content and
looked at in a real headless browser (screenshots under test-artifacts/)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.blockkit import message_html
from tests.browser import ink_ratio, screenshot
from tests.cli import Cli, mic_press_source, slack_messages, team_config
from tests.conftest import SLACK_CHANNELS, LocalSite, Mailbox, shared_file
from tests.seed import ATTACHMENT_PATH, DONATION_TITLE, GUIDANCE_PATH, GUIDANCE_TITLE, SURVEY_TITLE, publish_seed
from tests.servers import RunningServer

pytestmark = pytest.mark.e2e

TELECOM, POLITICS, GENERAL = SLACK_CHANNELS["telecom-compliance"], SLACK_CHANNELS["politics-desk"], SLACK_CHANNELS["regwatch"]


def seed_sources(site: LocalSite) -> str:
    return (
        mic_press_source(site.url, interval="1h")
        + f"""
[[sources]]
id = "nhk-politics"
kind = "nhk_feed"
url = "{site.url}/rss/news/cat4.xml"
interval = "1h"
"""
    )


@pytest.fixture
def cli(tmp_path: Path, site: LocalSite, slack_server: RunningServer, smtp_server: Mailbox) -> Cli:
    shared_file("fixtures/seed")  # skips, with the reason, where ../shared is absent
    publish_seed(site)
    return Cli.configured(
        tmp_path,
        f"sqlite:///{tmp_path / 'regwatch.db'}",
        team_config(slack_server.url, smtp_server.port) + seed_sources(site),
        REGWATCH_SMTP_USER=smtp_server.USER,
        REGWATCH_SMTP_PASSWORD=smtp_server.PASSWORD,
    )


def fields_of(message: dict) -> str:
    """Every text of a message's blocks, joined: what the reader sees in Slack."""
    texts: list[str] = []
    for block in message["blocks"]:
        for part in [block.get("text"), *block.get("fields", []), *block.get("elements", [])]:
            if isinstance(part, dict) and "text" in part:
                texts.append(part["text"])
    return "\n".join(texts)


def test_each_seed_item_reaches_its_team_with_lead_facts_deadline_attachment_and_evidence(
    cli: Cli, site: LocalSite, slack_server: RunningServer
):
    cli("poll", "--once", "--backfill")
    (guidance,) = slack_messages(slack_server, TELECOM)
    (donation,) = slack_messages(slack_server, POLITICS)
    assert sorted(m["text"].split("\n")[1] for m in slack_messages(slack_server, GENERAL)) == sorted(
        [GUIDANCE_TITLE, SURVEY_TITLE, DONATION_TITLE]
    )

    shown = fields_of(guidance)
    assert guidance["blocks"][0]["text"]["text"] == "行政指導・命令（新着）"
    assert f"<{site.url}{GUIDANCE_PATH}|{GUIDANCE_TITLE}>" in shown
    assert "総務省は、本日、西日本電信電話株式会社" in shown  # the lead: what the ministry did
    assert "担当 総合通信基盤局" in shown and "公表 2024年2月9日(金)" in shown and "00:00" not in shown
    assert "西日本電信電話株式会社（法人番号 7120001077523）" in shown
    assert "森林正彰（代表取締役社長）" in shown
    assert f"<{site.url}{ATTACHMENT_PATH}|別紙　行政指導文書（PDF）>" in shown
    assert "根拠（行政指導・命令）" in shown and "guidance_notice" not in shown
    assert guidance["blocks"][-1]["elements"][0]["text"] == "このチャンネルへの配信: ルート telecom"
    assert guidance["text"].startswith("<!subteam^S0TELECOM> ") and len(guidance["text"]) < 4000

    shown = fields_of(donation)
    assert donation["blocks"][0]["text"]["text"] == "政治資金 寄付の返金（新着）"
    assert "300万円" in shown and "50万円" in shown
    assert "西田昭二（総務政務官）" in shown and "小森卓郎" in shown
    assert "根拠（政治資金 寄付の返金）" in shown
    assert donation["text"].startswith("<@U0EDITOR> ")

    for name, message in (("alert-guidance", guidance), ("alert-donation", donation)):
        picture = screenshot(message_html(message["blocks"], time="7:52"), f"{name}.png", width=720)
        assert ink_ratio(picture) > 0.02, f"the {name} screenshot is blank"


def test_the_morning_digest_of_the_seed_items_reads_as_a_briefing(cli: Cli, smtp_server: Mailbox):
    cli("poll", "--once", "--backfill")
    assert "sent to desk@example.jp (3 items)" in cli("digest", "--send").stdout
    (message,) = smtp_server.messages()
    assert "新着3件（政治資金 寄付の返金 1件、行政指導・命令 1件、自治体CIO・DX調査 1件）" in message["Subject"]
    text = message.get_body(("plain",)).get_content()
    html = message.get_body(("html",)).get_content()
    for part in (GUIDANCE_TITLE, SURVEY_TITLE, DONATION_TITLE, "担当 総合通信基盤局", "別紙　行政指導文書（PDF）"):
        assert part in text and part in html
    assert "西日本電信電話株式会社（法人番号 7120001077523）" in text
    picture = screenshot(html, "digest-seed.png", width=760)
    assert ink_ratio(picture) > 0.02, "the digest screenshot is blank"
