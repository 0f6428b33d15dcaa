"""The typed objects passed between stages: fetch → parse → diff → classify → route → deliver."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from datetime import datetime
from functools import cached_property
from typing import Any, Literal

from monitor.charset import Decoded, decode
from monitor.text import content_hash, normalize, normalize_line, shorten

EventKind = Literal["new", "updated"]


@dataclass(frozen=True)
class Page:
    """One HTTP answer. ``content`` is the raw body; decoding is explicit (see monitor.charset)."""

    url: str
    final_url: str
    status: int
    content: bytes
    content_type: str | None
    etag: str | None
    last_modified: str | None
    fetched_at: datetime

    @property
    def not_modified(self) -> bool:
        return self.status == 304

    @cached_property
    def decoded(self) -> Decoded:
        return decode(self.content, self.content_type, url=self.url)

    @property
    def text(self) -> str:
        return self.decoded.text


@dataclass(frozen=True)
class RawItem:
    """One entry of a list page or feed, as written there."""

    link: str
    title: str
    summary: str = ""
    published_at: datetime | None = None
    attributes: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Article:
    """What a detail page says about one item, as written there."""

    title: str
    body: str
    lead: str = ""
    published_at: datetime | None = None
    modified_at: datetime | None = None
    attributes: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class ItemContent:
    """Title and body, raw and normalized. Changes are detected on the normalized form."""

    title_raw: str
    body_raw: str
    title: str = field(init=False)
    body: str = field(init=False)
    fingerprint: str = field(init=False)

    def __post_init__(self) -> None:
        # Made at once, not as cached properties: nearly every use reads all three, and a
        # cached_property takes a lock on its first read (Python 3.11), a third of an item row's cost.
        title, body = normalize_line(self.title_raw), normalize(self.body_raw)
        object.__setattr__(self, "title", title)
        object.__setattr__(self, "body", body)
        object.__setattr__(self, "fingerprint", content_hash(title, body))


@dataclass(frozen=True)
class Document:
    """What a classifier reads: normalized title and body, with the context relative dates need."""

    title: str
    body: str
    published_at: datetime | None = None
    url: str = ""
    source_id: str = ""


@dataclass(frozen=True)
class Classification:
    labels: tuple[str, ...]
    scores: Mapping[str, float]
    evidence: Mapping[str, tuple[str, ...]]
    facts: Mapping[str, Any]
    model: str

    @property
    def matters(self) -> bool:
        return bool(self.labels)


@dataclass(frozen=True)
class Change:
    """What an ``updated`` event changed, in the text as written (not normalized). ``field``: title,
    body or attachments (or lead, between two stored versions of an item). A title goes from
    ``before`` to ``after``; a body (a lead) gains the sentences in ``added`` and loses those in
    ``removed``; the attachments, likewise by name, and those whose file changed are ``changed``."""

    field: str
    before: str = ""
    after: str = ""
    added: tuple[str, ...] = ()
    removed: tuple[str, ...] = ()
    changed: tuple[str, ...] = ()  # attachments still linked whose content changed

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Change:
        return cls(
            str(data["field"]),
            str(data.get("before", "")),
            str(data.get("after", "")),
            tuple(data.get("added", ())),
            tuple(data.get("removed", ())),
            tuple(data.get("changed", ())),
        )


@dataclass(frozen=True)
class Attachment:
    """A file a release links to (PDF, Excel...), with the name the page gives it and, when its
    text was read, the opening of that text."""

    label: str
    url: str
    type: str = ""
    excerpt: str = ""

    @classmethod
    def listed_in(cls, attributes: Mapping[str, Any]) -> tuple[Attachment, ...]:
        """The attachments a source recorded in an item's ``attributes``."""
        return tuple(
            cls(str(a.get("label") or ""), str(a["url"]), str(a.get("type") or ""), str(a.get("excerpt") or ""))
            for a in attributes.get("attachments") or ()
            if isinstance(a, dict) and a.get("url")
        )


ATTACHMENT_EXCERPT_CHARACTERS = 120


@dataclass(frozen=True)
class AttachmentText:
    """An attachment as read by a poll: its text, or why there is none (``error``)."""

    url: str
    label: str
    type: str
    sha256: str = ""  # of the file's bytes; empty when it could not be fetched
    size: int = 0
    text: str = ""
    error: str = ""

    @property
    def excerpt(self) -> str:
        return shorten(" ".join(self.text.split()), ATTACHMENT_EXCERPT_CHARACTERS)

    def summary(self) -> dict[str, Any]:
        """What the item's attributes keep of it; the text itself is stored apart (table attachment)."""
        kept = {"url": self.url, "label": self.label, "type": self.type, "sha256": self.sha256, "excerpt": self.excerpt}
        return {**kept, "error": self.error} if self.error else kept

    def row(self, item_id: int, fetched_at: datetime) -> dict[str, Any]:
        return {**asdict(self), "error": self.error or None, "item_id": item_id, "fetched_at": fetched_at}


LEAD_SOURCE_CHARACTERS = 400  # enough for a lead of two sentences, cut later by the renderer


@dataclass(frozen=True)
class Alert:
    """The payload a channel renders: a snapshot taken when the event happened."""

    key: str
    event: EventKind
    item_id: int
    source_id: str
    source_name: str
    title: str
    url: str
    published_at: datetime | None
    categories: tuple[str, ...]
    scores: Mapping[str, float]
    evidence: Mapping[str, tuple[str, ...]]
    facts: Mapping[str, Any]
    changes: tuple[Change, ...] = ()
    mentions: tuple[str, ...] = ()
    lead: str = ""  # the body's opening, as written
    bureau: str = ""  # 担当部局, where the source names one
    attachments: tuple[Attachment, ...] = ()
    route: str = ""  # the route that sent it to this channel

    @classmethod
    def of_item(
        cls,
        *,
        event: EventKind,
        item_id: int,
        source_id: str,
        source_name: str,
        title: str,
        url: str,
        published_at: datetime | None,
        categories: tuple[str, ...],
        scores: Mapping[str, float],
        evidence: Mapping[str, Any],
        facts: Mapping[str, Any],
        changes: tuple[Change, ...],
        lead: str,
        body_opening: str,
        attributes: Mapping[str, Any],
        route: str,
        mentions: tuple[str, ...] = (),
    ) -> Alert:
        """The alert about one item that a route sends for ``categories``: the scores and evidence
        of those categories only; the source's lead, else the body's opening; the bureau and the
        attachments the source recorded in the item's ``attributes``. The key is given when recorded."""
        return cls(
            key="",
            event=event,
            item_id=item_id,
            source_id=source_id,
            source_name=source_name,
            title=title,
            url=url,
            published_at=published_at,
            categories=categories,
            scores={category: scores.get(category, 0.0) for category in categories},
            evidence={category: tuple(evidence.get(category, ())) for category in categories},
            facts=dict(facts),
            changes=changes,
            mentions=mentions,
            lead=lead or body_opening[:LEAD_SOURCE_CHARACTERS],
            bureau=str(attributes.get("bureau") or ""),
            attachments=Attachment.listed_in(attributes),
            route=route,
        )

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready snapshot (stored in the outbox row)."""
        data: dict[str, Any] = {name: getattr(self, name) for name in self.__dataclass_fields__}
        data["published_at"] = self.published_at.isoformat() if self.published_at else None
        data["categories"] = list(self.categories)
        data["scores"] = dict(self.scores)
        data["evidence"] = {key: list(value) for key, value in self.evidence.items()}
        data["facts"] = dict(self.facts)
        data["changes"] = [asdict(change) for change in self.changes]
        data["mentions"] = list(self.mentions)
        data["attachments"] = [asdict(attachment) for attachment in self.attachments]
        return data

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Alert:
        """From a stored snapshot; one written before a field existed gets its default."""
        published = data.get("published_at")
        return cls(
            **{
                **data,
                "published_at": datetime.fromisoformat(published) if published else None,
                "categories": tuple(data["categories"]),
                "evidence": {key: tuple(value) for key, value in data["evidence"].items()},
                "changes": tuple(Change.from_json(change) for change in data.get("changes", ())),
                "mentions": tuple(data.get("mentions", ())),
                "attachments": tuple(Attachment(**attachment) for attachment in data.get("attachments", ())),
            }
        )


HealthKind = Literal["source_broken", "source_recovered"]


@dataclass(frozen=True)
class HealthNotice:
    """A source stopped working (or works again): for the operators' channels."""

    key: str
    kind: HealthKind
    source_id: str
    source_name: str
    reason: str
    since: datetime | None

    def to_json(self) -> dict[str, Any]:
        return {**asdict(self), "since": self.since.isoformat() if self.since else None}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> HealthNotice:
        since = data.get("since")
        return cls(**{**data, "since": datetime.fromisoformat(since) if since else None})


@dataclass(frozen=True)
class ProbeNotice:
    """A message an operator sends to see that a channel works (``regwatch channels test``);
    sent directly, never queued."""

    key: str
    channel: str
    sender: str  # host and process that sent it
    sent_at: datetime
    kind: Literal["channel_test"] = "channel_test"

    def to_json(self) -> dict[str, Any]:
        return {**asdict(self), "sent_at": self.sent_at.isoformat()}


Notice = Alert | HealthNotice | ProbeNotice


def notice_kind(notice: Notice) -> str:
    """``alert``, ``source_broken``, ``source_recovered`` or ``channel_test``: what an outbox row
    stores beside the payload, and a webhook's ``type``."""
    return "alert" if isinstance(notice, Alert) else notice.kind


def notice_from_row(kind: str, payload: Mapping[str, Any]) -> Notice:
    """The payload of an outbox row of ``kind`` (alert, source_broken, source_recovered)."""
    return Alert.from_json(payload) if kind == "alert" else HealthNotice.from_json(payload)


@dataclass
class RunReport:
    """What one poll of one source did; filled in as the poll proceeds and when it is recorded."""

    source_id: str
    pages: int = 0
    not_modified: int = 0
    listed: int = 0
    new: int = 0
    updated: int = 0
    detail_fetches: int = 0
    waiting: int = 0  # new items recorded without an event yet: their detail pages are tried again
    detail_failures: int = 0  # items whose detail page failed in this poll
    alerts: int = 0
    baseline: bool = False
    error: str | None = None
    recorded: bool = True  # False: the database was away and nothing of this poll was written
    warnings: list[str] = field(default_factory=list)

    def summary(self) -> str:
        """One line for the operator: what this poll did, or why it failed."""
        if self.error:
            return f"{self.source_id}: FAILED: {self.error}"
        text = (
            f"{self.source_id}: {self.pages} page(s), {self.not_modified} not modified, {self.listed} listed, "
            f"{self.new} new, {self.updated} updated, {self.alerts} alert(s)"
        )
        if self.waiting:
            text += f", {self.waiting} waiting for their detail pages"
        return text + (" (baseline)" if self.baseline else "")
