"""Operators checking their channels before an alert needs them: ``channels check``, ``channels test``
and the check at start, against the local Slack-like and SMTP servers."""

from __future__ import annotations

import signal
import threading
from pathlib import Path

import pytest

from tests.cli import Cli, local_settings, slack_messages, wait_for
from tests.conftest import SLACK_CHANNELS, Mailbox
from tests.servers import RunningServer

pytestmark = pytest.mark.e2e


def channels_config(slack_url: str, smtp_port: int) -> str:
    return (
        local_settings(slack_url, smtp_port=smtp_port)
        + """
[channels.board]
kind = "slack"
channel = "#board"

[channels.typo]
kind = "slack"
channel = "#telecom-complaince"

[channels.morning]
kind = "email"
to = ["desk@example.jp"]

[[sources]]
id = "nowhere"
kind = "feed"
url = "http://127.0.0.1:9/feed.xml"
interval = "1h"
"""
    )


@pytest.fixture
def cli(tmp_path: Path, slack_server: RunningServer, smtp_server: Mailbox) -> Cli:
    config = channels_config(slack_server.url, smtp_server.port)
    return Cli.configured(
        tmp_path,
        f"sqlite:///{tmp_path / 'regwatch.db'}",
        config,
        REGWATCH_SMTP_USER=smtp_server.USER,
        REGWATCH_SMTP_PASSWORD=smtp_server.PASSWORD,
    )


def test_check_names_each_channel_that_cannot_take_alerts_and_how_to_fix_it(cli: Cli, slack_server: RunningServer):
    result = cli("channels", "check", expect=1)
    lines = result.stdout.splitlines()
    assert "default (slack): ok" in lines and "morning (email): ok" in lines
    assert "board (slack): PROBLEM" in lines
    assert (
        "  slack board: the bot @regwatch is not in #board, so posts are refused: invite the bot: /invite @regwatch in #board"
        in lines
    )
    assert "typo (slack): PROBLEM" in lines
    assert any(
        "no channel named #telecom-complaince" in line and "create the channel or correct [channels.typo]" in line
        for line in lines
    )
    assert slack_messages(slack_server) == []  # checking posts nothing


def test_a_wrong_smtp_password_is_a_problem_of_the_email_channel(cli: Cli):
    cli.env["REGWATCH_SMTP_PASSWORD"] = "wrong"
    result = cli("channels", "check", expect=1)
    assert "morning (email): PROBLEM" in result.stdout and "authentication refused (535)" in result.stdout


def test_test_posts_a_test_message_to_slack_and_mails_an_email_channel(
    cli: Cli, slack_server: RunningServer, smtp_server: Mailbox
):
    result = cli("channels", "test", "default")
    assert result.stdout.startswith(f"default: test message sent ({SLACK_CHANNELS['regwatch']}:")
    (message,) = slack_messages(slack_server)
    assert message["blocks"][0]["text"]["text"] == "regwatch テスト送信"
    assert "チャンネル default への配信を確認するメッセージです" in message["text"]
    assert cli("channels", "test", "morning").stdout.strip() == "morning: test message sent (mail to desk@example.jp)"
    (mail,) = smtp_server.messages()
    assert mail["Subject"] == "regwatch テスト送信: morning"


def test_a_test_message_the_channel_refuses_is_a_clear_error(cli: Cli):
    result = cli("channels", "test", "board", expect=1)
    assert "board: the test message was not sent: slack board: chat.postMessage refused: not_in_channel" in result.stderr
    assert "no channel 'nope'; configured: default, board, typo, morning" in cli("channels", "test", "nope", expect=1).stderr


def test_the_service_warns_at_start_of_each_channel_it_cannot_post_to(cli: Cli):
    process = cli.start("run")
    lines: list[str] = []
    reader = threading.Thread(target=lambda: lines.extend(process.stderr), daemon=True)
    reader.start()
    try:
        wait_for(lambda: sum("channel board:" in line or "channel typo:" in line for line in lines) == 2, "both warnings", 60)
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=60)
        reader.join(timeout=10)
    board = next(line for line in lines if "channel board:" in line)
    assert " WARNING " in board and "/invite @regwatch in #board" in board
    assert not any("channel default:" in line or "channel morning:" in line for line in lines)
