"""Channels: where an alert is delivered. Each kind implements ``Channel``; built from the config."""

from __future__ import annotations

from typing import Protocol, TextIO

from monitor.config import Settings
from monitor.items import Alert

CATEGORY_LABELS = {
    "donation_refund": "政治資金 寄付の返金",
    "guidance_notice": "行政指導・命令",
    "cio_survey": "自治体CIO・DX調査",
}


def category_label(category: str) -> str:
    return CATEGORY_LABELS.get(category, category)


class Channel(Protocol):
    name: str

    def send(self, alert: Alert) -> str | None:
        """Deliver ``alert``; returns a reference to the posted message, if the channel has one.

        Raises DeliveryError (retry later) or ChannelConfigError (an operator must act).
        """
        ...


def build_channels(settings: Settings, console: TextIO | None = None) -> dict[str, Channel]:
    from alerts.console import ConsoleChannel
    from alerts.slack import SlackChannel, slack_client

    channels: dict[str, Channel] = {}
    client = None
    for name, channel in settings.config.channels.items():
        if channel.kind == "console":
            channels[name] = ConsoleChannel(name, console)
        elif channel.kind == "slack":
            assert settings.slack_token is not None  # load_settings refuses a Slack channel without a token
            client = client or slack_client(settings.slack_token, settings.config.slack.base_url)
            channels[name] = SlackChannel(name, client, str(channel.channel))
    return channels
