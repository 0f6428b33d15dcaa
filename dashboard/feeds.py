"""Atom feeds of the newest items, one per category and one per source (RFC 4287).

An entry's id is a tag URI made of the item's number, so it stays the same whatever host or path
serves it; its updated time is the item's last change; the feed's, its newest entry's.
"""

from __future__ import annotations

import re
from datetime import datetime, timezone
from typing import Annotated, Any
from xml.etree import ElementTree

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import Response

from alerts.render import category_label, web_link
from dashboard.access import api_user
from dashboard.auth import Session
from monitor.store.search import ItemFilter

router = APIRouter(prefix="/feeds", tags=["feeds"])
ATOM = "http://www.w3.org/2005/Atom"
TAG = "tag:regwatch,2026:"
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)
_ATOM_RESPONSE = {
    200: {"content": {"application/atom+xml": {}}, "description": "An Atom feed"},
    404: {"description": "No such category or source"},
}


@router.get("/category/{name}.atom", response_class=Response, responses=_ATOM_RESPONSE)
def category_feed(request: Request, name: str, _reader: Annotated[Session, Depends(api_user)]) -> Response:
    if name not in request.app.state.settings.config.category_names:
        raise HTTPException(404, "no such category")
    return _feed(request, ItemFilter(category=name), f"category/{name}", f"regwatch: {category_label(name)}")


@router.get("/source/{source_id}.atom", response_class=Response, responses=_ATOM_RESPONSE)
def source_feed(request: Request, source_id: str, _reader: Annotated[Session, Depends(api_user)]) -> Response:
    names = request.app.state.settings.config.source_names
    if source_id not in names:
        raise HTTPException(404, "no such source")
    return _feed(request, ItemFilter(source_id=source_id), f"source/{source_id}", f"regwatch: {names[source_id]}")


def _feed(request: Request, wanted: ItemFilter, key: str, title: str) -> Response:
    from monitor.store.search import find_items

    settings = request.app.state.settings
    with settings.store.read() as connection:
        items, _more = find_items(connection, wanted, limit=settings.config.dashboard.page_size)
    base = str(request.base_url).rstrip("/")
    return Response(atom(items, f"{TAG}{key}", title, f"{base}/feeds/{key}.atom", base), media_type="application/atom+xml")


def atom(items: list[dict[str, Any]], feed_id: str, title: str, self_url: str, base: str) -> bytes:
    ElementTree.register_namespace("", ATOM)
    feed = ElementTree.Element(f"{{{ATOM}}}feed")
    _text(feed, "id", feed_id)
    _text(feed, "title", title)
    _text(feed, "updated", _stamp(max((_updated(item) for item in items), default=_EPOCH)))
    ElementTree.SubElement(feed, f"{{{ATOM}}}link", rel="self", href=self_url, type="application/atom+xml")
    author = ElementTree.SubElement(feed, f"{{{ATOM}}}author")
    _text(author, "name", "regwatch")
    for item in items:
        entry = ElementTree.SubElement(feed, f"{{{ATOM}}}entry")
        _text(entry, "id", f"{TAG}item/{item['id']}")
        _text(entry, "title", item["title"])
        _text(entry, "updated", _stamp(_updated(item)))
        if item["published_at"]:
            _text(entry, "published", _stamp(item["published_at"]))
        page = f"{base}/items/{item['id']}"
        link = web_link(item["link"])
        # An entry without content needs an alternate link: the item's page here when its own is not http(s).
        ElementTree.SubElement(entry, f"{{{ATOM}}}link", rel="alternate", href=link or page)
        if link:
            ElementTree.SubElement(entry, f"{{{ATOM}}}link", rel="related", href=page, type="text/html")
        for label in item["labels"]:
            ElementTree.SubElement(entry, f"{{{ATOM}}}category", term=label, label=category_label(label))
        if item["lead"]:
            _text(entry, "summary", item["lead"])
    return ElementTree.tostring(feed, encoding="utf-8", xml_declaration=True)


def _text(parent: ElementTree.Element, tag: str, text: str) -> None:
    # Scraped text may hold control characters, which XML cannot carry at all.
    ElementTree.SubElement(parent, f"{{{ATOM}}}{tag}").text = _NOT_XML.sub("", text)


def _updated(item: dict[str, Any]) -> datetime:
    return item["updated_at"] or item["first_seen_at"]


def _stamp(moment: datetime) -> str:
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
