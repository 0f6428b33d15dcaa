"""Channels: where a notice is delivered. Each kind implements ``Channel``; built from the config.

Email channels are not here: they are digests (alerts/digest.py), built from the store; their
SMTP server is checked with the others.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Protocol, TextIO

from alerts.console import ConsoleChannel
from alerts.email import check_server
from alerts.slack import SlackChannel, slack_client
from alerts.webhook import WebhookChannel
from monitor.config import Settings
from monitor.egress import Egress
from monitor.items import Notice


class Channel(Protocol):
    name: str
    min_interval: float  # seconds between two messages to this channel

    def send(self, notice: Notice, *, thread: str | None = None) -> str | None:
        """Deliver ``notice`` (in the thread of ``thread``, a reference this channel returned);
        returns a reference to the posted message, if the channel has one.

        Raises DeliveryError (retry later) or ChannelConfigError (an operator must act).
        """
        ...

    def find(self, key: str, since: datetime) -> str | None:
        """The reference of a message already posted with ``key`` since ``since``, or None when
        there is none, or when this channel cannot tell."""
        ...

    def check(self) -> list[str]:
        """Problems that would keep alerts out of this channel, each naming its fix; [] when none
        is known. Never posts."""
        ...


def build_channels(settings: Settings, console: TextIO | None = None) -> dict[str, Channel]:
    channels: dict[str, Channel] = {}
    client = None
    egress = Egress.from_allow(settings.config.fetch.allow)
    for name, channel in settings.config.channels.items():
        if channel.kind == "console":
            channels[name] = ConsoleChannel(name, console)
        elif channel.kind == "slack":
            assert settings.slack_token is not None  # load_settings refuses a Slack channel without a token
            slack = settings.config.slack
            client = client or slack_client(settings.slack_token, slack.base_url, slack.timeout, egress)
            channels[name] = SlackChannel(name, client, str(channel.channel), slack.min_interval, egress)
        elif channel.kind == "webhook":
            channels[name] = WebhookChannel(name, str(channel.url), egress=egress)
    return channels


def channel_problems(settings: Settings, channels: Mapping[str, Channel]) -> dict[str, list[str]]:
    """Every configured channel and what would keep alerts out of it ([] when nothing is known)."""
    problems = {name: channel.check() for name, channel in channels.items()}
    email = [name for name, channel in settings.config.channels.items() if channel.kind == "email"]
    if email:
        smtp = check_server(settings.config.smtp, settings.smtp_user, settings.smtp_password)
        problems.update({name: smtp for name in email})
    return problems
