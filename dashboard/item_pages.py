"""One item's page (facts, evidence, its versions with what changed between them, deliveries,
label corrections), one version's full text, and the form an editor corrects a label with."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from dashboard.access import RowId, editor_form, render, signed_in
from dashboard.auth import Session
from dashboard.views import version_history
from monitor.jpdates import utcnow
from monitor.store import ItemVersion

router = APIRouter(include_in_schema=False)


def item_with_corrections(request: Request, item_id: int) -> dict[str, Any]:
    """The item whole, its versions (oldest first), deliveries and corrections, and its labels
    once corrected; 404 when absent."""
    from sqlalchemy import select

    from alerts.outbox import OUTBOX
    from monitor.store.people import corrected_labels, corrections_of
    from monitor.store.search import item_detail
    from monitor.store.versions import item_versions

    with request.app.state.settings.store.read() as connection:
        item = item_detail(connection, item_id)
        if item is None:
            raise HTTPException(404, "no such item")
        item["corrections"] = corrections_of(connection, item_id)
        item["versions"] = item_versions(connection, item_id)
        deliveries = connection.execute(
            select(OUTBOX.c.id, OUTBOX.c.channel, OUTBOX.c.route, OUTBOX.c.state, OUTBOX.c.sent_at, OUTBOX.c.attempts,
                   OUTBOX.c.last_error, OUTBOX.c.created_at, OUTBOX.c.event_id)
            .where(OUTBOX.c.item_id == item_id).order_by(OUTBOX.c.id)
        )  # fmt: skip
        item["deliveries"] = [dict(row._mapping) for row in deliveries]
    item["corrected_labels"] = corrected_labels(
        item["labels"], [{"category": c.category, "present": c.present} for c in item["corrections"]]
    )
    return item


def stored_version(request: Request, item_id: int, number: int) -> ItemVersion:
    """One version of an item; 404 when the item or that version of it is not stored."""
    from monitor.store.versions import item_version

    with request.app.state.settings.store.read() as connection:
        version = item_version(connection, item_id, number)
    if version is None:
        raise HTTPException(404, "no such version")
    return version


@router.get("/items/{item_id}", response_class=HTMLResponse)
def item_page(request: Request, item_id: RowId, _viewer: Annotated[Session, Depends(signed_in)]) -> Response:
    item = item_with_corrections(request, item_id)
    history, earlier_events = version_history(item["versions"], item["events"])
    return render(request, "item.html", item=item, history=history, earlier_events=earlier_events)


@router.get("/items/{item_id}/versions/{number}", response_class=HTMLResponse)
def version_page(request: Request, item_id: RowId, number: RowId, _viewer: Annotated[Session, Depends(signed_in)]) -> Response:
    return render(request, "version.html", version=stored_version(request, item_id, number))


@router.post("/items/{item_id}/corrections")
def correct_label(request: Request, item_id: RowId, fields: Annotated[dict[str, str], Depends(editor_form)]) -> Response:
    save_correction(request, item_id, fields.get("category", ""), fields.get("present") == "1", request.state.session.user)
    return RedirectResponse(f"/items/{item_id}#labels", status_code=303)


def save_correction(request: Request, item_id: int, category: str, present: bool, author: str) -> None:
    """Store an editor's correction (422 for a category the config does not know, 404 for an unknown item)."""
    from monitor.store.people import add_correction
    from monitor.store.search import item_detail

    settings = request.app.state.settings
    if category not in settings.config.category_names:
        raise HTTPException(422, f"unknown category {category!r}")
    with settings.store.begin() as connection:
        if item_detail(connection, item_id) is None:
            raise HTTPException(404, "no such item")
        add_correction(connection, item_id, category, present, author, utcnow())
