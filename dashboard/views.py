"""What templates, the API and the feeds show of stored rows: dates in JST, category names in
Japanese, facts as labelled lines, an update's changes side by side."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

from alerts.facts_text import fact_lines
from alerts.render import CATEGORY_LABELS, CHANGE_FIELDS, EVENT_LABELS, category_label, published_text, web_link
from monitor.config import Config
from monitor.jpdates import JST, format_jst

STATE_LABELS = {
    "pending": "送信待ち", "sending": "送信中", "sent": "送信済み", "failed": "再試行待ち", "dead": "送信失敗", "held": "保留",
}  # fmt: skip
# The states of `regwatch sources` (monitor.cli.sources.source_state).
SOURCE_STATES = {
    "new": "未取得", "never-ok": "未成功", "ok": "正常", "degraded": "一部失敗", "failing": "失敗中", "broken": "異常",
    "disabled": "停止中",
}  # fmt: skip


def template_globals(config: Config) -> dict[str, Any]:
    source_names = config.source_names
    return {
        "categories": config.category_names,
        "category_label": category_label,
        "category_description": lambda name: CATEGORY_LABELS.get(name) or _user_category(config, name),
        "source_names": source_names,
        "source_name": lambda source_id: source_names.get(source_id, source_id),
        "published_text": published_text,
        "jst": format_jst,
        "web_link": web_link,
        "facts_of": facts_of,
        "event_label": lambda kind: EVENT_LABELS.get(kind, kind),
        "change_field": lambda field: CHANGE_FIELDS.get(field, field),
        "side_by_side": side_by_side,
        "state_label": lambda state: STATE_LABELS.get(state, state),
        "source_state_label": lambda state: SOURCE_STATES.get(state, state),
    }


def _user_category(config: Config, name: str) -> str:
    return next((category.description for category in config.categories if category.name == name), "")


def facts_of(item: dict[str, Any]) -> list[tuple[str, str]]:
    published = item.get("published_at")
    return fact_lines(item.get("facts") or {}, published.astimezone(JST).date() if published else None)


def iso(moment: datetime | None) -> str | None:
    return moment.astimezone(timezone.utc).isoformat() if moment else None


def side_by_side(change: dict[str, Any]) -> list[tuple[str, str]]:
    """An update's change as rows of (before, after): a title as one row, a body's sentences removed
    on the left and added on the right."""
    if change.get("before") or change.get("after"):
        return [(change.get("before", ""), change.get("after", ""))]
    removed, added = list(change.get("removed") or []), list(change.get("added") or [])
    rows = max(len(removed), len(added))
    return [(removed[i] if i < len(removed) else "", added[i] if i < len(added) else "") for i in range(rows)]
