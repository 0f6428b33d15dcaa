"""The Slack channel: Block Kit messages through slack-sdk's WebClient (``chat.postMessage``).

Scraped text is escaped for mrkdwn (``&``, ``<``, ``>``), so a title holding ``<!channel>`` or
``<@U123>`` shows as text and notifies nobody. The WebClient's retry handlers are switched off:
its connection-error retry re-sends a post whose answer was lost though Slack may have posted
it already. Retries happen at the outbox, which can look the message up first.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackClientError
from slack_sdk.web import SlackResponse

from alerts.channels import category_label
from alerts.console import render_text
from monitor.errors import ChannelConfigError, DeliveryError
from monitor.items import Alert
from monitor.jpdates import format_jst

logger = logging.getLogger(__name__)

METADATA_EVENT_TYPE = "regwatch_alert"
_TIMEOUT_SECONDS = 15
# Errors no retry can fix: the token or the channel must change.
_CONFIG_ERRORS = frozenset(
    {
        "invalid_auth",
        "not_authed",
        "account_inactive",
        "token_revoked",
        "token_expired",
        "no_permission",
        "missing_scope",
        "channel_not_found",
        "not_in_channel",
        "is_archived",
        "restricted_action",
        "team_access_not_granted",
        "org_login_required",
        "ekm_access_denied",
    }
)
_HEADER_LIMIT = 150
_SECTION_LIMIT = 3000


def slack_client(token: str, base_url: str) -> WebClient:
    return WebClient(token=token, base_url=base_url, timeout=_TIMEOUT_SECONDS, retry_handlers=[])


def escape_mrkdwn(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _link(url: str, label: str) -> str:
    safe_url = url.replace("&", "&amp;").replace("<", "%3C").replace(">", "%3E").replace("|", "%7C")
    return f"<{safe_url}|{escape_mrkdwn(label)}>"


def render_blocks(alert: Alert) -> list[dict[str, Any]]:
    kind = "更新" if alert.event == "updated" else "新着"
    header = f"{' / '.join(category_label(c) for c in alert.categories)}（{kind}）"
    blocks: list[dict[str, Any]] = [
        {"type": "header", "text": {"type": "plain_text", "text": header[:_HEADER_LIMIT], "emoji": False}},
        {"type": "section", "text": {"type": "mrkdwn", "text": f"*{_link(alert.url, alert.title)}*"[:_SECTION_LIMIT]}},
        {
            "type": "context",
            "elements": [{"type": "mrkdwn", "text": escape_mrkdwn(f"{alert.source_name} · {format_jst(alert.published_at)}")}],
        },
    ]
    evidence = [
        f"*{escape_mrkdwn(c)}*: {escape_mrkdwn(' / '.join(alert.evidence.get(c, ())))}"
        for c in alert.categories
        if alert.evidence.get(c)
    ]
    if evidence:
        blocks.append({"type": "section", "text": {"type": "mrkdwn", "text": "根拠 " + "\n".join(evidence)[:_SECTION_LIMIT]}})
    if alert.changes:
        lines = [
            f"*{escape_mrkdwn(c.field)}*: ~{escape_mrkdwn(c.before[:200])}~ → {escape_mrkdwn(c.after[:200])}"
            for c in alert.changes
        ]
        blocks.append({"type": "section", "text": {"type": "mrkdwn", "text": "\n".join(lines)[:_SECTION_LIMIT]}})
    return blocks


class SlackChannel:
    def __init__(self, name: str, client: WebClient, channel: str) -> None:
        self.name = name
        self._client = client
        self._channel = channel

    def send(self, alert: Alert) -> str | None:
        """Post the alert; returns ``"<channel id>:<ts>"``."""
        response = self._call(
            "chat.postMessage",
            self._client.chat_postMessage,
            channel=self._channel,
            text=escape_mrkdwn(render_text(alert)),
            blocks=render_blocks(alert),
            unfurl_links=False,
            unfurl_media=False,
            metadata={"event_type": METADATA_EVENT_TYPE, "event_payload": {"key": alert.key}},
        )
        return f"{response.get('channel', self._channel)}:{response['ts']}"

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
