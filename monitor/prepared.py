"""An item's content as one poll settles it (from its list entry, or its detail page), and the
rows it writes: what the pipeline records and what ``regwatch sources test`` shows."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from monitor.details import DetailState
from monitor.diff import ListEntry, listing_content
from monitor.items import Article, AttachmentText, Document, ItemContent, Page
from monitor.text import normalize


@dataclass
class Prepared:
    """An item whose content is settled for this poll."""

    entry: ListEntry
    content: ItemContent
    lead: str
    published_at: datetime | None
    modified_at: datetime | None
    attributes: dict
    detail_fetched: bool
    attachments: tuple[AttachmentText, ...] = ()  # the attachments read in this poll


def from_listing(entry: ListEntry) -> Prepared:
    raw = entry.raw
    return Prepared(
        entry, listing_content(raw.title, raw.summary), raw.summary, raw.published_at, None, dict(raw.attributes), False
    )


def from_article(entry: ListEntry, article: Article, attachments: tuple[AttachmentText, ...] = ()) -> Prepared:
    """``attachments``: those of the article that were read; the item's attributes list each with
    its hash and excerpt (or why it was not read)."""
    raw = entry.raw
    attributes = {**raw.attributes, **article.attributes}
    if attachments:
        read = {attachment.url: attachment.summary() for attachment in attachments}
        attributes["attachments"] = [
            {**listed, **read.get(listed.get("url"), {})} for listed in attributes.get("attachments") or ()
        ]
    return Prepared(
        entry,
        ItemContent(article.title or raw.title, article.body or raw.summary),
        article.lead or raw.summary,
        article.published_at or raw.published_at,
        article.modified_at,
        attributes,
        True,
        attachments,
    )


def item_row(source_id: str, prepared: Prepared, state: DetailState, now: datetime, *, baseline: bool) -> dict:
    return {
        "url": prepared.entry.url,
        "link": prepared.entry.raw.link,
        "source_id": source_id,
        "first_seen_at": now,
        "updated_at": None,
        "baseline": baseline,
        **content_columns(prepared, now),
        **state.columns(),
    }


def item_update(item_id: int, prepared: Prepared, now: datetime) -> dict:
    return {"item_id": item_id, "updated_at": now, "baseline": False, **content_columns(prepared, now)}


def title_update(item_id: int, content: ItemContent, now: datetime) -> dict:
    return {
        "item_id": item_id,
        "updated_at": now,
        "title": content.title,
        "title_raw": content.title_raw,
        "content_fingerprint": content.fingerprint,
    }


def content_columns(prepared: Prepared, now: datetime) -> dict:
    content = prepared.content
    return {
        "title": content.title,
        "title_raw": content.title_raw,
        "body": content.body,
        "body_raw": content.body_raw,
        "lead": prepared.lead,
        "published_at": prepared.published_at,
        "modified_at": prepared.modified_at,
        "content_fingerprint": content.fingerprint,
        "detail_fetched_at": now if prepared.detail_fetched else None,
        "attributes": prepared.attributes,
    }


def fetch_state(source_id: str, page: Page) -> dict:
    """Conditional-GET state after a page that was downloaded (a 304 changes nothing)."""
    return {
        "url": page.url,
        "source_id": source_id,
        "etag": page.etag,
        "last_modified": page.last_modified,
        "last_status": page.status,
        "fetched_at": page.fetched_at,
    }


# Of the attachments' text, what classification, facts and watchlists read with the body: a
# survey's tables and a notice's opening pages, without tokenizing a 200-page report.
DOCUMENT_ATTACHMENT_CHARACTERS = 30_000


def document(source_id: str, prepared: Prepared) -> Document:
    """What classification reads: the title, and the body followed by the attachments' text."""
    texts, room = [], DOCUMENT_ATTACHMENT_CHARACTERS
    for attachment in prepared.attachments:  # cut before normalizing: a file may hold 50,000 characters
        if attachment.text and room > 0:
            texts.append(normalize(attachment.text[:room]))
            room -= len(texts[-1]) + 1
    attached = "\n".join(texts)[:DOCUMENT_ATTACHMENT_CHARACTERS]
    return Document(
        title=prepared.content.title,
        body=f"{prepared.content.body}\n{attached}" if attached else prepared.content.body,
        published_at=prepared.published_at,
        url=prepared.entry.url,
        source_id=source_id,
    )
