"""A notice as a Slack message: Block Kit blocks and the plain ``text`` fallback, within Slack's limits.

Scraped text is escaped for mrkdwn (``&``, ``<``, ``>``): a title holding ``<!channel>`` or
``<@U123>`` shows as text and notifies nobody. Mentions come only from the route's config. Every
text is cut to what its block takes, before it is marked up (a cut inside ``<url|label>`` or
``&amp;`` would show as garbage).
"""

from __future__ import annotations

from typing import Any

from alerts.render import HEALTH_LABELS, PROBE_HEADER, AlertView, alert_text, alert_view, notice_text, probe_text
from monitor.items import Alert, HealthNotice, Notice, ProbeNotice
from monitor.jpdates import format_jst
from monitor.text import shorten

# Slack's limits (api.slack.com/reference/block-kit): a post over them is refused.
TEXT_LIMIT = 3000  # Slack refuses text over 40,000 characters; a fallback is a summary
_HEADER_LIMIT = 150
_SECTION_LIMIT = 3000
_FIELD_LIMIT = 2000
_FIELDS = 10
_TITLE_LIMIT = 500
_URL_LIMIT = 2000
_SPECIAL_MENTIONS = {"here": "<!here>", "channel": "<!channel>", "everyone": "<!everyone>"}


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


def _link(url: str | None, label: str) -> str:
    label = escape_mrkdwn(shorten(label, _TITLE_LIMIT))
    if url is None or len(url) > _URL_LIMIT:
        return label
    safe_url = url.replace("&", "&amp;").replace("<", "%3C").replace(">", "%3E").replace("|", "%7C")
    return f"<{safe_url}|{label}>"


def _section(text: str) -> dict[str, Any]:
    return {"type": "section", "text": {"type": "mrkdwn", "text": text}}


def _within(lines: list[str], limit: int) -> str:
    """As many whole lines as fit in ``limit`` characters."""
    kept: list[str] = []
    size = 0
    for line in lines:
        if size + len(line) + 1 > limit:
            break
        kept.append(line)
        size += len(line) + 1
    return "\n".join(kept)


def _escaped_lines(lines: list[str], limit: int) -> str:
    return _within([escape_mrkdwn(shorten(line, limit // 2)) for line in lines], limit)


def _context(text: str) -> dict[str, Any]:
    return {"type": "context", "elements": [{"type": "mrkdwn", "text": text[:_SECTION_LIMIT]}]}


def _alert_blocks(alert: Alert, view: AlertView) -> list[dict[str, Any]]:
    blocks: list[dict[str, Any]] = [
        {"type": "header", "text": {"type": "plain_text", "text": shorten(view.header, _HEADER_LIMIT), "emoji": False}}
    ]
    if alert.mentions:
        blocks.append(_section(" ".join(mention_markup(m) for m in alert.mentions)))
    title = f"*{_link(view.url, view.title)}*"
    blocks.append(_section(title + (f"\n{escape_mrkdwn(view.lead)}" if view.lead else "")))
    blocks.append(_context(escape_mrkdwn(" · ".join(view.meta))))
    if view.changes:
        blocks.append(_section("*変更点*\n" + _escaped_lines(list(view.changes), _SECTION_LIMIT - 10)))
    if view.facts:
        fields = [
            {"type": "mrkdwn", "text": f"*{label}*\n{escape_mrkdwn(shorten(text, _FIELD_LIMIT - 40))}"}
            for label, text in view.facts
        ]
        blocks.append({"type": "section", "fields": fields[:_FIELDS]})
    if view.attachments:
        blocks.append(
            _section(
                "*添付*\n" + _within([_attachment_line(*attachment) for attachment in view.attachments], _SECTION_LIMIT - 10)
            )
        )
    for label, sentences in view.evidence:
        blocks.append(
            _section(f"*根拠（{escape_mrkdwn(label)}）*\n" + _escaped_lines([f"「{s}」" for s in sentences], _SECTION_LIMIT - 60))
        )
    if view.route:
        blocks.append(_context(f"このチャンネルへの配信: ルート {escape_mrkdwn(view.route)}"))
    return blocks


def _attachment_line(name: str, url: str, excerpt: str) -> str:
    """• <url|name>, with the opening of its text beneath when it was read."""
    return f"• {_link(url, name)}" + (f"\n    「{escape_mrkdwn(excerpt)}」" if excerpt else "")


def render_message(notice: Notice) -> tuple[str, list[dict[str, Any]]]:
    """(``text``, ``blocks``) of a message; ``text`` is the plain fallback (notifications, screen
    readers), at most TEXT_LIMIT characters. An alert's view is built once for both."""
    if isinstance(notice, Alert):
        view = alert_view(notice)
        return _fallback(notice, alert_text(view)), _alert_blocks(notice, view)
    return _fallback(notice, notice_text(notice)), _notice_blocks(notice)


def _notice_blocks(notice: HealthNotice | ProbeNotice) -> list[dict[str, Any]]:
    if isinstance(notice, HealthNotice):
        header = f"{HEALTH_LABELS[notice.kind]}: {notice.source_name}"
        detail = f"*{escape_mrkdwn(notice.source_id)}* · {escape_mrkdwn(shorten(notice.reason, 2000))}"
        if notice.since and notice.kind == "source_broken":
            detail += f"\n{escape_mrkdwn(format_jst(notice.since))} から"
        return [{"type": "header", "text": {"type": "plain_text", "text": shorten(header, _HEADER_LIMIT)}}, _section(detail)]
    header = {"type": "header", "text": {"type": "plain_text", "text": PROBE_HEADER}}
    return [header, _section(escape_mrkdwn(probe_text(notice)))]


def _fallback(notice: Notice, text: str) -> str:
    mentions = " ".join(mention_markup(m) for m in notice.mentions) + " " if isinstance(notice, Alert) and notice.mentions else ""
    budget = max(TEXT_LIMIT // 2, TEXT_LIMIT - len(mentions))  # route mentions are few and short
    escaped = escape_mrkdwn(text)
    while len(escaped) > budget:  # cut the text, not its escapes: a cut inside "&amp;" shows as garbage
        text = shorten(text, max(1, len(text) - (len(escaped) - budget)))
        escaped = escape_mrkdwn(text)
    return mentions + escaped
