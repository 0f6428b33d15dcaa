"""What a reader sees of a notice, whatever the channel: one module that imports no channel.

The console prints ``notice_text``; Slack builds its blocks from ``AlertView`` and sends
``notice_text`` as the notification fallback; the digest lists the same view per item. Scraped
text stays as written (never the normalized form); escaping is each channel's own business.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from itertools import zip_longest
from typing import Any

from alerts.facts_text import day_text, fact_lines
from monitor.config import WATCH_CATEGORY
from monitor.items import Alert, Change, HealthNotice, Notice, ProbeNotice
from monitor.jpdates import JST, format_jst
from monitor.text import shorten

CATEGORY_LABELS = {
    "donation_refund": "政治資金 寄付の返金",
    "guidance_notice": "行政指導・命令",
    "cio_survey": "自治体CIO・DX調査",
    WATCH_CATEGORY: "ウォッチリスト",
}
HEALTH_LABELS = {"source_broken": "ソース異常", "source_recovered": "ソース復旧"}
PROBE_HEADER = "regwatch テスト送信"
EVENT_LABELS = {"new": "新着", "updated": "更新"}
CHANGE_FIELDS = {"title": "件名", "lead": "リード", "body": "本文", "attachments": "添付"}
LEAD_LIMIT = 200
_SENTENCE_END = re.compile(r"[。！？]")


def category_label(category: str) -> str:
    return CATEGORY_LABELS.get(category, category)


def category_order(category: str) -> tuple[int, str]:
    """The built-in categories in their fixed order, then the user's alphabetically."""
    built_in = list(CATEGORY_LABELS)
    return (built_in.index(category) if category in built_in else len(built_in), category)


def lead_of(text: str, limit: int = LEAD_LIMIT) -> str:
    """The opening of ``text`` on one line, cut at the last sentence end within ``limit`` characters."""
    flat = " ".join(text.split())
    if len(flat) <= limit:
        return flat
    ends = [match.end() for match in _SENTENCE_END.finditer(flat, 0, limit)]
    return flat[: ends[-1]] if ends else shorten(flat, limit)


def published_text(moment: datetime | None) -> str:
    """2024年2月9日(金), with the time only when the source gave one (a date alone reads as 00:00)."""
    if moment is None:
        return "公表日不明"
    local = moment.astimezone(JST)
    day = day_text(local.date())
    return day if (local.hour, local.minute, local.second) == (0, 0, 0) else f"{day} {local:%H:%M}"


def web_link(url: str) -> str | None:
    """Only http(s) URLs become links: a feed's javascript: link never does."""
    return url if url.startswith(("http://", "https://")) else None


@dataclass(frozen=True)
class AlertView:
    header: str  # 行政指導・命令（新着）
    title: str
    url: str | None
    lead: str
    meta: tuple[str, ...]  # source, bureau, publication date
    facts: tuple[tuple[str, str], ...]
    attachments: tuple[tuple[str, str, str], ...]  # (name, url, excerpt of its text)
    evidence: tuple[tuple[str, tuple[str, ...]], ...]  # (category label, sentences)
    changes: tuple[str, ...]  # what an update changed, a line each
    route: str


def alert_view(alert: Alert) -> AlertView:
    labels = " / ".join(category_label(category) for category in alert.categories)
    meta = [alert.source_name, *([f"担当 {alert.bureau}"] if alert.bureau else []), f"公表 {published_text(alert.published_at)}"]
    return AlertView(
        header=f"{labels}（{EVENT_LABELS[alert.event]}）",
        title=" ".join(alert.title.split()),
        url=web_link(alert.url),
        lead=lead_of(alert.lead),
        meta=tuple(meta),
        facts=tuple(facts_shown(alert.facts, alert.published_at)),
        attachments=tuple(
            (attachment.label or attachment.url.rsplit("/", 1)[-1], attachment.url, attachment.excerpt)
            for attachment in alert.attachments
        ),
        evidence=tuple(
            (category_label(category), tuple(dict.fromkeys(alert.evidence[category])))
            for category in alert.categories
            if alert.evidence.get(category)
        ),
        changes=tuple(line for change in alert.changes for line in change_lines(change)),
        route=alert.route,
    )


def facts_shown(facts: Mapping[str, Any], published_at: datetime | None) -> list[tuple[str, str]]:
    """An item's facts as labelled lines; its publication day (JST), which the meta line shows, left out."""
    return fact_lines(facts, published_at.astimezone(JST).date() if published_at else None)


def change_rows(change: Change) -> list[tuple[str, str, str]]:
    """An update's change as rows of (kind, before, after), as a table shows it side by side:
    ``title``, its old and new text; ``edit``, a sentence (or attachment) removed beside one added,
    either side empty when one outnumbers the other; ``changed``, an attachment still linked whose
    file changed, its name on both sides."""
    if change.field == "title":
        return [("title", change.before, change.after)]
    edits = zip_longest(change.removed, change.added, fillvalue="")
    return [*(("edit", before, after) for before, after in edits), *(("changed", name, name) for name in change.changed)]


def change_lines(change: Change) -> list[str]:
    """An update's change in Japanese, a line per sentence (or attachment), row by row of ``change_rows``."""
    name = CHANGE_FIELDS.get(change.field, change.field)
    body = change.field == "body"
    lines = []
    for kind, before, after in change_rows(change):
        if kind == "title":
            lines.append(f"{name}: {before} → {after}")
        elif kind == "changed":
            lines.append(f"内容が変わった添付: {before}")
        else:  # the removed before the added of its row: read together, they are a replacement
            if before:
                lines.append(f"{name}から削除: {before}" if body else f"削除された添付: {before}")
            if after:
                lines.append(f"{name}に追加: {after}" if body else f"追加された添付: {after}")
    return lines


def notice_text(notice: Notice) -> str:
    """A plain-text notice: the console's form, and Slack's notification fallback."""
    if isinstance(notice, HealthNotice):
        return health_text(notice)
    if isinstance(notice, ProbeNotice):
        return f"[{PROBE_HEADER}] {probe_text(notice)}"
    return alert_text(alert_view(notice))


def alert_text(view: AlertView) -> str:
    lines = [f"[regwatch] {view.header}", view.title, *([view.url] if view.url else []), " · ".join(view.meta)]
    if view.lead:
        lines.append(view.lead)
    lines += [f"{label}: {text}" for label, text in view.facts]
    lines += [f"添付: {name} {url}" + (f"\n  「{excerpt}」" if excerpt else "") for name, url, excerpt in view.attachments]
    lines += [f"根拠（{label}）: {' / '.join(sentences)}" for label, sentences in view.evidence]
    lines += [f"変更 {line}" for line in view.changes]
    return "\n".join(lines)


def health_text(notice: HealthNotice) -> str:
    since = f"（{format_jst(notice.since)} から）" if notice.since and notice.kind == "source_broken" else ""
    return f"[regwatch] {HEALTH_LABELS[notice.kind]}: {notice.source_name} [{notice.source_id}]{since}\n{notice.reason}"


def probe_text(notice: ProbeNotice) -> str:
    return (
        f"チャンネル {notice.channel} への配信を確認するメッセージです（{format_jst(notice.sent_at)}、"
        f"{notice.sender}）。対応は不要です。"
    )
