"""Database tables. Times are UTC (SQLModel 0.0.50 stores aware datetimes and rejects naive ones).

Domain objects passed between stages live in monitor.items; these are rows.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Column, Dialect, Index, UniqueConstraint
from sqlalchemy.types import TypeDecorator, TypeEngine
from sqlmodel import Field, SQLModel


class JsonDocument(TypeDecorator):
    """JSON, stored as JSONB on PostgreSQL. The PostgreSQL dialect is imported by an engine that
    connects to PostgreSQL, not by every process that imports the models (about 20 ms of start-up)."""

    impl = JSON
    cache_ok = True

    def load_dialect_impl(self, dialect: Dialect) -> TypeEngine[Any]:
        if dialect.name == "postgresql":
            from sqlalchemy.dialects.postgresql import JSONB

            return dialect.type_descriptor(JSONB())
        return dialect.type_descriptor(JSON())


JSON_TYPE = JsonDocument()


def json_column() -> Any:
    return Field(default=None, sa_column=Column(JSON_TYPE, nullable=False))


class SourceRow(SQLModel, table=True):
    """A configured source, its schedule and its health."""

    __tablename__ = "source"

    id: str = Field(primary_key=True, max_length=64)
    kind: str = Field(max_length=64)
    url: str
    enabled: bool = True
    next_due_at: datetime | None = Field(default=None, index=True)
    lease_until: datetime | None = None
    lease_owner: str | None = Field(default=None, max_length=128)
    baseline_at: datetime | None = None
    last_attempt_at: datetime | None = None
    last_success_at: datetime | None = None
    last_error: str | None = None
    consecutive_failures: int = 0
    last_item_count: int | None = None
    consecutive_empty: int = 0
    items_seen: int = 0
    health: str = Field(default="ok", max_length=16)  # ok | broken
    broken_since: datetime | None = None
    broken_reason: str | None = None


class FetchStateRow(SQLModel, table=True):
    """Conditional-GET state of one list page; saved only after the page was fully processed."""

    __tablename__ = "fetch_state"

    url: str = Field(primary_key=True)
    source_id: str = Field(foreign_key="source.id", index=True, max_length=64)
    etag: str | None = None
    last_modified: str | None = None
    last_status: int | None = None
    fetched_at: datetime | None = None


class RobotsTxtRow(SQLModel, table=True):
    """An origin's robots.txt as last read, shared by every process for as long as its own
    ``fetch.robots_ttl`` trusts it: a ``poll --once`` run by cron does not ask each host for it
    again every time."""

    __tablename__ = "robots_txt"

    origin: str = Field(primary_key=True)  # scheme://host[:port]
    text: str | None = None  # None: no rules (none served, or none usable)
    fetched_at: datetime


class ItemRow(SQLModel, table=True):
    """One press release or article, identified by its canonical URL."""

    __tablename__ = "item"
    # A source's items newest first (the dashboard's filter by source) without sorting them all.
    __table_args__ = (Index("ix_item_source_first_seen", "source_id", "first_seen_at"),)

    id: int | None = Field(default=None, primary_key=True)
    url: str = Field(unique=True)
    link: str
    source_id: str = Field(foreign_key="source.id", index=True, max_length=64)
    title: str
    title_raw: str
    body: str
    body_raw: str
    lead: str = ""
    published_at: datetime | None = Field(default=None, index=True)
    modified_at: datetime | None = None
    content_fingerprint: str = Field(max_length=64)
    detail_fetched_at: datetime | None = None
    # A detail page that failed: tried again at detail_retry_at. While awaiting_detail, the item
    # is recorded from its list entry but raises no event, until its detail page or its attempts end.
    awaiting_detail: bool = False
    detail_attempts: int = 0
    detail_error: str | None = None
    detail_retry_at: datetime | None = Field(default=None, index=True)
    baseline: bool = False
    attributes: dict[str, Any] = json_column()
    first_seen_at: datetime = Field(index=True)
    updated_at: datetime | None = None


class AttachmentRow(SQLModel, table=True):
    """The text of a file an item links to (PDF, Excel), as last read; ``error`` when it could not be."""

    __tablename__ = "attachment"

    item_id: int = Field(foreign_key="item.id", primary_key=True)
    url: str = Field(primary_key=True)
    label: str = ""
    type: str = Field(default="", max_length=16)
    sha256: str = Field(default="", max_length=64)  # of the file's bytes: a new hash is a changed file
    size: int = 0
    text: str = ""
    error: str | None = None
    fetched_at: datetime


class ItemVersionRow(SQLModel, table=True):
    """One content version of an item as fetched, numbered from 1 per item; only the newest
    ``[store] versions_per_item`` of each item are kept."""

    __tablename__ = "item_version"

    item_id: int = Field(foreign_key="item.id", primary_key=True)
    number: int = Field(primary_key=True)
    fetched_at: datetime
    title_raw: str
    body_raw: str
    lead: str = ""
    attachments: list[dict[str, str]] = json_column()  # label, url and sha256 of each file linked
    fingerprint: str = Field(max_length=64)  # the item's content_fingerprint
    from_detail: bool = False  # the body is the detail page's (else the list entry's summary)


class ListingRow(SQLModel, table=True):
    """An item as one source lists it; its fingerprint tells when that listing changed."""

    __tablename__ = "listing"

    source_id: str = Field(foreign_key="source.id", primary_key=True, max_length=64)
    item_id: int = Field(foreign_key="item.id", primary_key=True, index=True)
    fingerprint: str = Field(max_length=64)
    first_seen_at: datetime


class ClassificationRow(SQLModel, table=True):
    """The latest classification of an item: scores, evidence and facts."""

    __tablename__ = "classification"

    item_id: int = Field(foreign_key="item.id", primary_key=True)
    labels: list[str] = json_column()
    scores: dict[str, float] = json_column()
    evidence: dict[str, list[str]] = json_column()
    facts: dict[str, Any] = json_column()
    model: str = Field(max_length=128)
    classified_at: datetime


class ItemLabelRow(SQLModel, table=True):
    """One category of an item, for filtering (``regwatch items --category``)."""

    __tablename__ = "item_label"

    item_id: int = Field(foreign_key="item.id", primary_key=True)
    category: str = Field(primary_key=True, max_length=64, index=True)
    score: float


class EventRow(SQLModel, table=True):
    """A new item, or a change to a known one. One per item and content version."""

    __tablename__ = "event"
    __table_args__ = (UniqueConstraint("item_id", "kind", "fingerprint", name="uq_event_item_kind_fingerprint"),)

    id: int | None = Field(default=None, primary_key=True)
    item_id: int = Field(foreign_key="item.id", index=True)
    source_id: str = Field(foreign_key="source.id", max_length=64)
    kind: str = Field(max_length=16)
    fingerprint: str = Field(max_length=64)
    changes: list[dict[str, str]] = json_column()
    created_at: datetime = Field(index=True)


class OutboxRow(SQLModel, table=True):
    """One alert for one channel. Unique ``key``: an event reaches a channel at most once.

    ``kind`` is ``alert`` (an item's event) or a source-health notice (``source_broken``,
    ``source_recovered``), which has no item or event.
    """

    __tablename__ = "outbox"
    __table_args__ = (Index("ix_outbox_due", "state", "next_attempt_at"), Index("ix_outbox_item_channel", "item_id", "channel"))

    id: int | None = Field(default=None, primary_key=True)
    key: str = Field(unique=True, max_length=255)
    kind: str = Field(default="alert", max_length=32)
    event_id: int | None = Field(default=None, foreign_key="event.id", index=True)
    item_id: int | None = Field(default=None, foreign_key="item.id")
    route: str = Field(max_length=64)
    channel: str = Field(max_length=64)
    state: str = Field(default="pending", max_length=16)
    attempts: int = 0
    next_attempt_at: datetime
    claimed_at: datetime | None = None
    sent_at: datetime | None = None
    last_error: str | None = None
    remote_ref: str | None = Field(default=None, max_length=255)
    payload: dict[str, Any] = json_column()
    created_at: datetime


class DigestRow(SQLModel, table=True):
    """One digest of one email channel for one day (JST): sent once, retried until it is."""

    __tablename__ = "digest"
    __table_args__ = (UniqueConstraint("channel", "day", name="uq_digest_channel_day"),)

    id: int | None = Field(default=None, primary_key=True)
    channel: str = Field(max_length=64)
    day: str = Field(max_length=10)  # YYYY-MM-DD, JST
    state: str = Field(default="pending", max_length=16)  # pending | sending | sent | failed
    attempts: int = 0
    next_attempt_at: datetime
    window_start: datetime
    window_end: datetime
    items: int = 0
    sent_at: datetime | None = None
    last_error: str | None = None
    message_id: str | None = Field(default=None, max_length=255)


class DashboardUserRow(SQLModel, table=True):
    """A user of the dashboard: an argon2 hash of the password, and a role (viewer or editor)."""

    __tablename__ = "dashboard_user"

    name: str = Field(primary_key=True, max_length=64)
    password_hash: str
    role: str = Field(max_length=16)
    created_at: datetime


class LabelCorrectionRow(SQLModel, table=True):
    """A person's word on one category of one item: ``present`` false marks the label wrong, true
    adds a missing one. The newest correction of an item and category is the one that counts."""

    __tablename__ = "label_correction"

    id: int | None = Field(default=None, primary_key=True)
    item_id: int = Field(foreign_key="item.id", index=True)
    category: str = Field(max_length=64)
    present: bool
    author: str = Field(max_length=64)
    created_at: datetime


def kept_by_migrations_only(name: str | None, type_: str, _parent_names: object = None) -> bool:
    """False for the search indexes (an FTS5 table and its shadow tables on SQLite, pg_trgm
    indexes on PostgreSQL): migrations create them, no model describes them. Alembic's include_name."""
    return not (name or "").startswith(("item_search", "ix_item_search"))
