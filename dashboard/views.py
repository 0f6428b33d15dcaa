"""What templates, the API and the feeds show of stored rows: dates in JST, category names in
Japanese, facts as labelled lines, an update's changes side by side, an item's versions."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from typing import Any

from alerts.render import CHANGE_FIELDS, EVENT_LABELS, category_label, change_rows, facts_shown, published_text, web_link
from monitor.config import Config
from monitor.diff import version_changes
from monitor.items import Change
from monitor.jpdates import format_jst
from monitor.store import ItemVersion

STATE_LABELS = {
    "pending": "送信待ち", "sending": "送信中", "sent": "送信済み", "failed": "再試行待ち", "dead": "送信失敗", "held": "保留",
}  # fmt: skip
# The states of monitor.store.source_states, as `regwatch sources` names them.
SOURCE_STATES = {
    "new": "未取得", "never-ok": "未成功", "ok": "正常", "degraded": "一部失敗", "failing": "失敗中", "broken": "異常",
    "disabled": "停止中",
}  # fmt: skip
CHIP_COLOURS = 6  # .chip-0 … .chip-5 of style.css; the last one is also every category the config does not name


def template_globals(config: Config) -> dict[str, Any]:
    source_names = config.source_names
    categories = config.category_names
    return {
        "categories": categories,
        "category_label": category_label,
        "chip_colour": lambda name: categories.index(name) % CHIP_COLOURS if name in categories else CHIP_COLOURS - 1,
        "source_names": source_names,
        "source_name": lambda source_id: source_names.get(source_id, source_id),
        "published_text": published_text,
        "jst": format_jst,
        "web_link": web_link,
        "facts_of": lambda item: facts_shown(item.get("facts") or {}, item.get("published_at")),
        "event_label": lambda kind: EVENT_LABELS.get(kind, kind),
        "change_field": lambda field: CHANGE_FIELDS.get(field, field),
        "side_by_side": side_by_side,
        "state_label": lambda state: STATE_LABELS.get(state, state),
        "source_state_label": lambda state: SOURCE_STATES.get(state, state),
    }


def side_by_side(change: dict[str, Any]) -> list[tuple[str, str, str]]:
    """A stored change of an update as the rows (kind, before, after) of its table."""
    return change_rows(Change.from_json(change))


@dataclass(frozen=True)
class ShownVersion:
    """A version as the item page lists it: what changed since the version before (None when that
    one is not kept), and the events recorded with it (new, updated)."""

    version: ItemVersion
    changes: list[dict[str, Any]] | None
    events: list[Mapping[str, Any]]


def version_history(
    versions: Sequence[ItemVersion], events: Sequence[Mapping[str, Any]]
) -> tuple[list[ShownVersion], list[Mapping[str, Any]]]:
    """The versions (given oldest first) newest first, and the events of no kept version, oldest
    first: those recorded before versions were kept, or with a version since deleted. An event
    belongs to the version written in its transaction, at the same instant."""
    numbers = {version.fetched_at: version.number for version in versions}
    unmatched = [event for event in events if event["created_at"] not in numbers]
    shown = [
        ShownVersion(
            version,
            None if before is None else [asdict(change) for change in version_changes(before, version)],
            [event for event in events if numbers.get(event["created_at"]) == version.number],
        )
        for before, version in zip([None, *versions], versions, strict=False)
    ]
    return shown[::-1], unmatched
