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

from alerts.channels import HEALTH_LABELS, category_label
from alerts.console import render_text
from alerts.facts_text import fact_lines
from monitor.errors import ChannelConfigError, DeliveryError
from monitor.items import Alert, HealthNotice, Notice
from monitor.jpdates import format_jst

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
_HEADER_LIMIT = 150
_SECTION_LIMIT = 3000
# Slack truncates ``text`` at 40,000 characters and refuses longer posts; a fallback is a summary.
TEXT_LIMIT = 3000
_TITLE_LIMIT = 500
_URL_LIMIT = 2000
_CHANNEL_ID = re.compile(r"^[CGD][A-Z0-9]{6,}$")
_HISTORY_PAGES = 5
_SPECIAL_MENTIONS = {"here": "<!here>", "channel": "<!channel>", "everyone": "<!everyone>"}


def slack_client(token: str, base_url: str, timeout: float = 15.0) -> WebClient:
    return WebClient(token=token, base_url=base_url, timeout=max(1, round(timeout)), retry_handlers=[])


def escape_mrkdwn(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def mention_markup(mention: str) -> str:
    """A route's mention (validated by the config) in Slack's syntax: U123 → <@U123>, S456 → <!subteam^S456>."""
    bare = mention.lstrip("@")
    if bare in _SPECIAL_MENTIONS:
        return _SPECIAL_MENTIONS[bare]
    if bare.startswith(("subteam^", "S")):
        return f"<!subteam^{bare.removeprefix('subteam^')}>"
    return f"<@{bare}>"


def _link(url: str, label: str) -> str:
    """A linked label, both cut to what Slack takes (a cut inside the markup would break the link)."""
    label = shorten(label, _TITLE_LIMIT)
    if len(url) > _URL_LIMIT:
        return escape_mrkdwn(label)
    safe_url = url.replace("&", "&amp;").replace("<", "%3C").replace(">", "%3E").replace("|", "%7C")
    return f"<{safe_url}|{escape_mrkdwn(label)}>"


def shorten(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _section(text: str) -> dict[str, Any]:
    return {"type": "section", "text": {"type": "mrkdwn", "text": text[:_SECTION_LIMIT]}}


def render_blocks(notice: Notice) -> list[dict[str, Any]]:
    if isinstance(notice, HealthNotice):
        header = f"{HEALTH_LABELS[notice.kind]}: {notice.source_name}"
        detail = f"*{escape_mrkdwn(notice.source_id)}* · {escape_mrkdwn(notice.reason)}"
        if notice.since and notice.kind == "source_broken":
            detail += f"\n{escape_mrkdwn(format_jst(notice.since))} から"
        return [{"type": "header", "text": {"type": "plain_text", "text": header[:_HEADER_LIMIT]}}, _section(detail)]
    return _alert_blocks(notice)


def _alert_blocks(alert: Alert) -> list[dict[str, Any]]:
    kind = "更新" if alert.event == "updated" else "新着"
    header = f"{' / '.join(category_label(c) for c in alert.categories)}（{kind}）"
    blocks: list[dict[str, Any]] = [
        {"type": "header", "text": {"type": "plain_text", "text": header[:_HEADER_LIMIT], "emoji": False}}
    ]
    if alert.mentions:
        blocks.append(_section(" ".join(mention_markup(m) for m in alert.mentions)))
    blocks.append(_section(f"*{_link(alert.url, alert.title)}*"))
    blocks.append(
        {
            "type": "context",
            "elements": [{"type": "mrkdwn", "text": escape_mrkdwn(f"{alert.source_name} · {format_jst(alert.published_at)}")}],
        }
    )
    facts = fact_lines(alert.facts)
    if facts:
        blocks.append(
            {
                "type": "section",
                "fields": [{"type": "mrkdwn", "text": f"*{label}*\n{escape_mrkdwn(text)}"[:2000]} for label, text in facts[:10]],
            }
        )
    evidence = [
        f"*{escape_mrkdwn(c)}*: {escape_mrkdwn(' / '.join(alert.evidence.get(c, ())))}"
        for c in alert.categories
        if alert.evidence.get(c)
    ]
    if evidence:
        blocks.append(_section("根拠 " + "\n".join(evidence)))
    if alert.changes:
        lines = [
            f"*{escape_mrkdwn(c.field)}*: ~{escape_mrkdwn(c.before[:200])}~ → {escape_mrkdwn(c.after[:200])}"
            for c in alert.changes
        ]
        blocks.append(_section("\n".join(lines)))
    return blocks


def render_fallback(notice: Notice) -> str:
    """The plain ``text`` of a message (notifications, screen readers), at most TEXT_LIMIT characters."""
    mentions = " ".join(mention_markup(m) for m in notice.mentions) + " " if isinstance(notice, Alert) and notice.mentions else ""
    budget = max(TEXT_LIMIT // 2, TEXT_LIMIT - len(mentions))  # route mentions are few and short
    text = render_text(notice)
    escaped = escape_mrkdwn(text)
    while len(escaped) > budget:  # cut the text, not its escapes: a cut inside "&amp;" shows as garbage
        text = shorten(text, max(1, len(text) - (len(escaped) - budget)))
        escaped = escape_mrkdwn(text)
    return mentions + escaped


class SlackChannel:
    def __init__(self, name: str, client: WebClient, channel: str, min_interval: float = 1.0) -> None:
        self.name = name
        self.min_interval = min_interval
        self._client = client
        self._channel = channel
        self._channel_id = channel if _CHANNEL_ID.match(channel) else None

    def send(self, notice: Notice, *, thread: str | None = None) -> str | None:
        """Post the notice; returns ``"<channel id>:<ts>"``."""
        arguments: dict[str, Any] = {
            "channel": self._channel,
            "text": render_fallback(notice),
            "blocks": render_blocks(notice),
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
