"""What a digest says (pure): the events of a window that a channel's routes take, one entry per
item and category showing the same view as an alert, grouped by category with counts, the
deadlines first, and the health of the sources, so a day with nothing new still says so.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from alerts.render import AlertView, alert_view, category_label, category_order, day_text
from monitor.config import ChannelConfig, RouteConfig
from monitor.items import Alert, Change, Classification
from monitor.jpdates import format_jst
from monitor.models import SourceRow
from monitor.route import decide


@dataclass(frozen=True)
class DigestEntry:
    item_id: int
    view: AlertView
    updated: bool

    @property
    def anchor(self) -> str:
        """The HTML id the table of contents and the deadlines link to."""
        return f"item-{self.item_id}"


@dataclass(frozen=True)
class DigestSection:
    category: str
    label: str
    entries: list[DigestEntry]

    @property
    def anchor(self) -> str:
        return f"category-{self.category}"


@dataclass(frozen=True)
class Deadline:
    day: date
    label: str  # 報告期限, 提出期限, 意見募集の締切...
    title: str
    anchor: str

    @property
    def text(self) -> str:
        return f"{day_text(self.day)} {self.label}"


@dataclass(frozen=True)
class FailingSource:
    id: str
    name: str
    reason: str


@dataclass(frozen=True)
class Digest:
    channel: str
    day: date
    heading: str
    window: str
    sections: list[DigestSection]
    healthy: int
    failing: list[FailingSource] = field(default_factory=list)
    deadlines: list[Deadline] = field(default_factory=list)

    @property
    def count(self) -> int:
        return item_count(self.sections)

    @property
    def subject(self) -> str:
        return f"{self.heading}: {self.summary}"

    @property
    def summary(self) -> str:
        """新着3件（行政指導・命令 2件、政治資金 寄付の返金 1件）, or 新着なし."""
        if not self.count:
            return "新着なし"
        per_category = "、".join(f"{section.label} {len(section.entries)}件" for section in self.sections)
        return f"新着{self.count}件（{per_category}）"


def item_count(sections: Sequence[DigestSection]) -> int:
    """Items in the digest: one listed under two categories counts once."""
    return len({entry.item_id for section in sections for entry in section.entries})


def build_digest(
    name: str,
    channel: ChannelConfig,
    routes: Sequence[RouteConfig],
    events: Sequence[Mapping[str, Any]],
    sources: Sequence[SourceRow],
    source_names: Mapping[str, str],
    window: tuple[datetime, datetime],
    day: date,
) -> Digest:
    """The digest of channel ``name`` for ``events`` (rows of store.events_between, oldest first)."""
    subscribed = [route for route in routes if name in route.channels]
    taken: dict[str, dict[int, tuple[str, list[Mapping[str, Any]]]]] = {}  # category → item → (route, its events)
    for event in events:
        classification = Classification(tuple(event["labels"] or ()), event["scores"] or {}, {}, {}, "")
        for route in subscribed:
            decision = decide(route, source_id=event["source_id"], event=event["kind"], classification=classification)
            for category in decision.categories:
                route_name, item_events = taken.setdefault(category, {}).setdefault(event["item_id"], (route.name, []))
                if event not in item_events:
                    item_events.append(event)
    sections = [
        DigestSection(
            category,
            category_label(category),
            [_entry(item_events, category, source_names, route_name) for route_name, item_events in items.values()],
        )
        for category, items in sorted(taken.items(), key=lambda taken_category: category_order(taken_category[0]))
    ]
    failing = [
        FailingSource(s.id, source_names.get(s.id, s.id), s.broken_reason or s.last_error or "")
        for s in sources
        if s.enabled and s.health == "broken"
    ]
    return Digest(
        channel=name,
        day=day,
        heading=f"{channel.subject} {day_text(day)}",
        window=f"{format_jst(window[0])} ～ {format_jst(window[1])} の新着・更新",
        sections=sections,
        healthy=sum(1 for s in sources if s.enabled and s.health != "broken"),
        failing=failing,
        deadlines=_deadlines(sections, events),
    )


def _entry(events: Sequence[Mapping[str, Any]], category: str, source_names: Mapping[str, str], route: str) -> DigestEntry:
    """One item under one category: its latest state, and every change the window saw."""
    latest = events[-1]
    updated = any(event["kind"] == "updated" for event in events)
    alert = Alert.of_item(
        event="updated" if updated else "new",
        item_id=latest["item_id"],
        source_id=latest["source_id"],
        source_name=source_names.get(latest["source_id"], latest["source_id"]),
        title=latest["title_raw"],
        url=latest["link"] or "",
        published_at=latest["published_at"] or latest["created_at"],
        categories=(category,),
        scores=latest["scores"] or {},
        evidence=latest["evidence"] or {},
        facts=latest["facts"] or {},
        changes=tuple(Change.from_json(change) for event in events for change in event.get("changes") or ()),
        lead=latest.get("lead") or "",
        body_opening=latest.get("body_opening") or "",
        attributes=latest.get("attributes") or {},
        route=route,
    )
    return DigestEntry(latest["item_id"], alert_view(alert), updated)


def _deadlines(sections: Sequence[DigestSection], events: Sequence[Mapping[str, Any]]) -> list[Deadline]:
    """Each deadline of a listed item once, soonest first."""
    facts = {event["item_id"]: event["facts"] or {} for event in events}
    listed = {entry.item_id: entry for section in sections for entry in section.entries}
    found: dict[tuple[date, str, int], Deadline] = {}
    for item_id, entry in listed.items():
        for deadline in facts[item_id].get("deadlines") or ():
            day = date.fromisoformat(deadline["date"])
            found.setdefault((day, deadline["label"], item_id), Deadline(day, deadline["label"], entry.view.title, entry.anchor))
    return sorted(found.values(), key=lambda deadline: (deadline.day, deadline.title))
