"""Channels: where a notice is delivered. Each kind implements ``Channel``; built from the config.

Email channels are not here: they are digests (alerts/digest.py), built from the store.
"""

from __future__ import annotations

from datetime import datetime
from typing import Protocol, TextIO

from monitor.config import Settings
from monitor.items import Notice

CATEGORY_LABELS = {
    "donation_refund": "政治資金 寄付の返金",
    "guidance_notice": "行政指導・命令",
    "cio_survey": "自治体CIO・DX調査",
}
HEALTH_LABELS = {"source_broken": "ソース異常", "source_recovered": "ソース復旧"}


def category_label(category: str) -> str:
    return CATEGORY_LABELS.get(category, category)


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


def build_channels(settings: Settings, console: TextIO | None = None) -> dict[str, Channel]:
    from alerts.console import ConsoleChannel
    from alerts.slack import SlackChannel, slack_client
    from alerts.webhook import WebhookChannel

    channels: dict[str, Channel] = {}
    client = None
    for name, channel in settings.config.channels.items():
        if channel.kind == "console":
            channels[name] = ConsoleChannel(name, console)
        elif channel.kind == "slack":
            assert settings.slack_token is not None  # load_settings refuses a Slack channel without a token
            client = client or slack_client(settings.slack_token, settings.config.slack.base_url, settings.config.slack.timeout)
            channels[name] = SlackChannel(name, client, str(channel.channel), settings.config.slack.min_interval)
        elif channel.kind == "webhook":
            channels[name] = WebhookChannel(name, str(channel.url))
    return channels
