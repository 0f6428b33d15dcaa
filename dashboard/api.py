"""The JSON API (/api/…, schema at /api/openapi.json): items, one item, sources, categories, and
an editor's label corrections."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from pydantic import BaseModel, Field

from dashboard.access import RowId, api_editor, api_user
from dashboard.auth import Session
from dashboard.item_pages import item_with_corrections, save_correction
from dashboard.search import item_filter

router = APIRouter(prefix="/api", tags=["api"])
Reader = Annotated[Session, Depends(api_user)]
Editor = Annotated[Session, Depends(api_editor)]


class ItemSummary(BaseModel):
    id: int
    link: str
    source_id: str
    title: str
    lead: str
    published_at: datetime | None
    first_seen_at: datetime
    updated_at: datetime | None
    labels: list[str]
    scores: dict[str, float]


class ItemPage(BaseModel):
    items: list[ItemSummary]
    page: int
    next_page: int | None


class Correction(BaseModel):
    category: str
    present: bool
    author: str
    created_at: datetime


class ItemDetail(ItemSummary):
    url: str
    body: str
    evidence: dict[str, list[str]]
    facts: dict[str, Any]
    corrected_labels: list[str]
    corrections: list[Correction]
    events: list[dict[str, Any]]


class Source(BaseModel):
    id: str
    kind: str
    url: str
    enabled: bool
    health: str
    last_success_at: datetime | None
    last_attempt_at: datetime | None
    last_error: str | None
    consecutive_failures: int
    items_seen: int


class Category(BaseModel):
    name: str
    label: str


class CorrectionRequest(BaseModel):
    category: str = Field(max_length=64)
    present: bool = Field(description="false: the label is wrong; true: the label is missing")


@router.get("/items", response_model=ItemPage)
def list_items(
    request: Request,
    _reader: Reader,
    q: Annotated[str, Query(max_length=200)] = "",
    category: Annotated[str, Query(max_length=64)] = "",
    source: Annotated[str, Query(max_length=64)] = "",
    since: date | None = None,
    until: date | None = None,
    page: Annotated[int, Query(ge=1, le=10_000)] = 1,
) -> dict[str, Any]:
    """Items newest first (best match first with ``q``), filtered like the items page."""
    from monitor.store.search import find_items

    settings = request.app.state.settings
    size = settings.config.dashboard.page_size
    with settings.store.read() as connection:
        items, more = find_items(connection, item_filter(q, category, source, since, until), offset=(page - 1) * size, limit=size)
    return {"items": items, "page": page, "next_page": page + 1 if more else None}


@router.get("/items/{item_id}", response_model=ItemDetail, responses={404: {"description": "No such item"}})
def get_item(request: Request, item_id: RowId, _reader: Reader) -> dict[str, Any]:
    item = item_with_corrections(request, item_id)
    return {**item, "corrections": [correction.model_dump() for correction in item["corrections"]]}


@router.post(
    "/items/{item_id}/corrections",
    status_code=201,
    response_model=ItemDetail,
    responses={401: {"description": "Not signed in"}, 403: {"description": "Not an editor, or no CSRF token"},
               404: {"description": "No such item"}},
)  # fmt: skip
def correct_item(request: Request, item_id: RowId, correction: CorrectionRequest, editor: Editor) -> dict[str, Any]:
    """Mark a label wrong (present false) or add a missing one (present true). Signed-in browsers
    send the session's CSRF token in X-CSRF-Token."""
    save_correction(request, item_id, correction.category, correction.present, editor.user or "")
    return get_item(request, item_id, editor)


@router.get("/sources", response_model=list[Source])
def list_sources(request: Request, _reader: Reader) -> list[Any]:
    from monitor.store import source_rows

    with request.app.state.settings.store.read() as connection:
        return [row.model_dump() for row in source_rows(connection)]


@router.get("/categories", response_model=list[Category])
def list_categories(request: Request, _reader: Reader) -> list[dict[str, str]]:
    from alerts.render import category_label

    return [{"name": name, "label": category_label(name)} for name in request.app.state.settings.config.category_names]
