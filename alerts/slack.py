"""The Slack channel: Block Kit messages through slack-sdk's WebClient.

- ``chat.postMessage`` with Block Kit blocks per category (facts, evidence, link) and a plain
  ``text`` fallback; updates go in the thread of the item's first alert (``thread_ts``).
- Scraped text is escaped for mrkdwn (``&``, ``<``, ``>``): a title holding ``<!channel>`` or
  ``<@U123>`` shows as text and notifies nobody. Mentions come only from the route's config.
- The outbox key rides in the message ``metadata``; ``find`` looks for it in the channel's recent
  history (``conversations.history`` with ``include_all_metadata``), which is how a message whose
  answer was lost in a crash is recognised instead of posted twice.
- The WebClient's retry handlers are switched off: its connection-error retry re-sends a post
  whose answer was lost though Slack may have posted it already. Rate limits (429 + Retry-After)
  and errors are returned to the outbox, which retries after looking the message up.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackClientError
from slack_sdk.web import SlackResponse

from alerts.slack_blocks import render_message
from monitor.egress import Egress
from monitor.errors import ChannelConfigError, DeliveryError
from monitor.items import Notice

logger = logging.getLogger(__name__)

METADATA_EVENT_TYPE = "regwatch_alert"
# Errors no retry can fix: the token or the channel must change.
_CONFIG_ERRORS = frozenset(
    {
        "invalid_auth", "not_authed", "account_inactive", "token_revoked", "token_expired", "no_permission", "missing_scope",
        "channel_not_found", "not_in_channel", "is_archived", "restricted_action", "team_access_not_granted",
        "org_login_required", "ekm_access_denied",
    }
)  # fmt: skip
_CHANNEL_ID = re.compile(r"^[CGD][A-Z0-9]{6,}$")
_HISTORY_PAGES = 5


def slack_client(token: str, base_url: str, timeout: float = 15.0, egress: Egress | None = None) -> WebClient:
    """A client of Slack's Web API at ``base_url``, through the proxy ``egress`` names for it."""
    proxy = egress.proxy_for(base_url) if egress else None
    client = WebClient(token=token, base_url=base_url, timeout=max(1, round(timeout)), retry_handlers=[], proxy=proxy)
    if egress is not None and proxy is None:
        client.proxy = None  # slack-sdk reads HTTPS_PROXY by itself, but not NO_PROXY
    return client


class SlackChannel:
    def __init__(
        self, name: str, client: WebClient, channel: str, min_interval: float = 1.0, egress: Egress | None = None
    ) -> None:
        self.name = name
        self._egress = egress
        self.min_interval = min_interval
        self._client = client
        self._channel = channel
        self._channel_id = channel if _CHANNEL_ID.match(channel) else None

    def send(self, notice: Notice, *, thread: str | None = None) -> str | None:
        """Post the notice; returns ``"<channel id>:<ts>"``."""
        text, blocks = render_message(notice)
        arguments: dict[str, Any] = {
            "channel": self._channel,
            "text": text,
            "blocks": blocks,
            "unfurl_links": False,
            "unfurl_media": False,
            "metadata": {"event_type": METADATA_EVENT_TYPE, "event_payload": {"key": notice.key}},
        }
        if thread:
            arguments["thread_ts"] = thread.split(":", 1)[-1]
        response = self._call("chat.postMessage", self._client.chat_postMessage, **arguments)
        self._channel_id = self._channel_id or response.get("channel")
        return f"{response.get('channel', self._channel)}:{response['ts']}"

    def find(self, key: str, since: datetime) -> str | None:
        """``"<channel id>:<ts>"`` of a message carrying ``key`` in its metadata, posted since ``since``."""
        channel_id = self._resolve_channel_id()
        cursor = None
        for _ in range(_HISTORY_PAGES):
            response = self._call(
                "conversations.history",
                self._client.conversations_history,
                channel=channel_id,
                oldest=f"{(since - timedelta(minutes=1)).timestamp():.6f}",
                include_all_metadata=True,
                limit=200,
                cursor=cursor,
            )
            for message in response.get("messages", []):
                payload = (message.get("metadata") or {}).get("event_payload") or {}
                if payload.get("key") == key:
                    return f"{channel_id}:{message['ts']}"
            cursor = (response.get("response_metadata") or {}).get("next_cursor")
            if not response.get("has_more") or not cursor:
                return None
        return None

    def check(self) -> list[str]:
        """What would keep alerts out of this channel, each with its fix; [] when the bot can post.
        Reads only (auth.test, conversations.list for a #name, conversations.info)."""
        try:
            bot = self._call("auth.test", self._client.auth_test).get("user") or "regwatch"
        except ChannelConfigError as exc:
            return [f"{exc}: set SLACK_BOT_TOKEN to the bot token (xoxb-…) of the app installed in the workspace"]
        except DeliveryError as exc:
            return [f"{exc}; the channel could not be checked now (alerts wait and are retried)"]
        invite = f"invite the bot: /invite @{bot} in {self._channel}"
        try:
            info = self._call("conversations.info", self._client.conversations_info, channel=self._resolve_channel_id())
        except ChannelConfigError as exc:
            if "missing_scope" in str(exc):
                return [f"{exc}: add the scopes channels:read and groups:read to the app to let regwatch check its channels"]
            return [f"{exc}: create the channel or correct [channels.{self.name}] channel; if it is private, {invite}"]
        except DeliveryError as exc:
            return [f"{exc}; the channel could not be checked now (alerts wait and are retried)"]
        channel = info.get("channel") or {}
        if channel.get("is_archived"):
            return [f"slack {self.name}: {self._channel} is archived: unarchive it or point [channels.{self.name}] elsewhere"]
        if channel.get("is_member") is False:
            return [f"slack {self.name}: the bot @{bot} is not in {self._channel}, so posts are refused: {invite}"]
        return []

    def _resolve_channel_id(self) -> str:
        """History reads take a channel ID: a configured #name is looked up once."""
        if self._channel_id:
            return self._channel_id
        name = self._channel.lstrip("#")
        cursor = None
        while True:
            response = self._call(
                "conversations.list",
                self._client.conversations_list,
                types="public_channel,private_channel",
                limit=1000,
                cursor=cursor,
            )
            for channel in response.get("channels", []):
                if channel.get("name") == name:
                    self._channel_id = channel["id"]
                    return self._channel_id
            cursor = (response.get("response_metadata") or {}).get("next_cursor")
            if not cursor:
                raise ChannelConfigError(f"slack {self.name}: no channel named #{name} is visible to the bot")

    def _call(self, method: str, function: Callable[..., SlackResponse], **arguments: Any) -> dict[str, Any]:
        if self._egress:
            self._egress.require(self._client.base_url, f"slack {self.name}")
        try:
            response = function(**arguments)
        except SlackApiError as exc:
            raise _translate(self.name, method, exc) from exc
        except (SlackClientError, OSError, ValueError) as exc:
            raise DeliveryError(f"slack {self.name}: {method} failed: {exc.__class__.__name__}: {exc}") from exc
        return dict(response.data) if isinstance(response.data, dict) else json.loads(response.data)


def _translate(channel: str, method: str, exc: SlackApiError) -> DeliveryError:
    response = exc.response
    error = response.get("error", "") if isinstance(response.data, dict) else ""
    status = response.status_code
    if status == 429 or error == "ratelimited":
        retry_after = response.headers.get("Retry-After") or response.headers.get("retry-after") or "1"
        return DeliveryError(f"slack {channel}: rate limited", retry_after=float(retry_after))
    if error in _CONFIG_ERRORS:
        return ChannelConfigError(f"slack {channel}: {method} refused: {error}")
    return DeliveryError(f"slack {channel}: {method} failed: HTTP {status} {error or 'no error code'}")
