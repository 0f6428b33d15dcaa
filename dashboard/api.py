"""The JSON API (/api/…, schema at /api/openapi.json): items, one item, one version of an item,
sources, categories, and an editor's label corrections."""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import date, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, FastAPI, Query, Request
from fastapi.exceptions import RequestValidationError
from pydantic import BaseModel, BeforeValidator, Field

from dashboard.access import RowId, api_editor, api_user
from dashboard.auth import Session
from dashboard.item_pages import item_with_corrections, save_correction, stored_version
from dashboard.search import item_filter

router = APIRouter(prefix="/api", tags=["api"])


def _calendar_date(value: object) -> object:
    """A day as the schema writes it, YYYY-MM-DD: pydantic alone takes 0 or 1700000000 too (a Unix time)."""
    if isinstance(value, str) and not re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", value):
        raise ValueError("a day is written YYYY-MM-DD")
    return value


Day = Annotated[date, BeforeValidator(_calendar_date)]
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


class VersionSummary(BaseModel):
    number: int = Field(description="1 for the first version fetched; its text at /api/items/{item_id}/versions/{number}")
    fetched_at: datetime
    fingerprint: str = Field(description="of the normalized title and body: equal for versions that differ only in layout")


class ItemVersion(VersionSummary):
    """One version of an item as it was fetched, its text as written."""

    title: str
    lead: str
    body: str
    from_detail: bool = Field(description="the body is the detail page's; false: the list entry's summary")
    attachments: list[dict[str, str]] = Field(description="label, url and sha256 of each file the page linked")


class ItemDetail(ItemSummary):
    url: str
    body: str
    evidence: dict[str, list[str]]
    facts: dict[str, Any]
    corrected_labels: list[str]
    corrections: list[Correction]
    events: list[dict[str, Any]]
    versions: list[VersionSummary] = Field(description="the versions kept ([store] versions_per_item), oldest first")


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
    state: str = Field(description="new, never-ok, ok, degraded, failing, broken or disabled (as `regwatch sources` says)")
    problem: str = Field(description="what to look at when the state is not ok; empty when there is nothing")


class Category(BaseModel):
    name: str
    label: str


class CorrectionRequest(BaseModel):
    category: str = Field(max_length=64, description="one of /api/categories")
    # strict: JSON's true or false, not 0 or "yes" (which pydantic would take and the schema refuses)
    present: bool = Field(strict=True, description="false: the label is wrong; true: the label is missing")


@router.get("/items", response_model=ItemPage)
def list_items(
    request: Request,
    _reader: Reader,
    q: Annotated[str, Query(max_length=200)] = "",
    category: Annotated[str, Query(max_length=64)] = "",
    source: Annotated[str, Query(max_length=64)] = "",
    since: Annotated[Day | None, Query()] = None,
    until: Annotated[Day | None, Query()] = None,
    page: Annotated[int, Query(ge=1, le=10_000)] = 1,
) -> dict[str, Any]:
    """Items newest first (best match first with ``q``), filtered like the items page."""
    from monitor.store.search import find_items

    settings = request.app.state.settings
    size = settings.config.dashboard.page_size
    with settings.store.read() as connection:
        wanted = item_filter(q, category, source, since, until, request.app.state.companies)
        items, more = find_items(connection, wanted, offset=(page - 1) * size, limit=size)
    return {"items": items, "page": page, "next_page": page + 1 if more else None}


@router.get("/items/{item_id}", response_model=ItemDetail, responses={404: {"description": "No such item"}})
def get_item(request: Request, item_id: RowId, _reader: Reader) -> dict[str, Any]:
    item = item_with_corrections(request, item_id)
    return {
        **item,
        "corrections": [correction.model_dump() for correction in item["corrections"]],
        "versions": [version._asdict() for version in item["versions"]],
    }


@router.get(
    "/items/{item_id}/versions/{number}",
    response_model=ItemVersion,
    responses={404: {"description": "No such item, or no such version of it kept"}},
)
def get_version(request: Request, item_id: RowId, number: RowId, _reader: Reader) -> dict[str, Any]:
    version = stored_version(request, item_id, number)
    return {**version._asdict(), "title": version.title_raw, "body": version.body_raw}


@router.post(
    "/items/{item_id}/corrections",
    status_code=201,
    response_model=ItemDetail,
    responses={400: {"description": "A body that cannot be read"}, 401: {"description": "Not signed in"},
               403: {"description": "Not an editor, or no CSRF token"}, 404: {"description": "No such item"},
               415: {"description": "Basic credentials without a JSON body"}},
)  # fmt: skip
def correct_item(request: Request, item_id: RowId, correction: CorrectionRequest, editor: Editor) -> dict[str, Any]:
    """Mark a label wrong (present false) or add a missing one (present true). Signed-in browsers
    send the session's CSRF token in X-CSRF-Token."""
    if correction.category not in request.app.state.settings.config.category_names:
        # As FastAPI reports a value its schema refuses: the schema names the categories (document_categories).
        error = {
            "type": "enum",
            "loc": ("body", "category"),
            "msg": "not a category of /api/categories",
            "input": correction.category,
        }
        raise RequestValidationError([error])
    save_correction(request, item_id, correction.category, correction.present, editor.user or "")
    return get_item(request, item_id, editor)


@router.get("/sources", response_model=list[Source])
def list_sources(request: Request, _reader: Reader) -> list[Any]:
    from monitor.store.source_states import source_states

    with request.app.state.settings.store.read() as connection:
        sources = source_states(connection)
    return [{**source.row.model_dump(), "state": source.state, "problem": source.problem} for source in sources]


@router.get("/categories", response_model=list[Category])
def list_categories(request: Request, _reader: Reader) -> list[dict[str, str]]:
    from alerts.render import category_label

    return [{"name": name, "label": category_label(name)} for name in request.app.state.settings.config.category_names]


def document_categories(app: FastAPI, names: Sequence[str]) -> None:
    """The schema names the categories a correction may be of, this config's: the model alone,
    written before any config is read, would promise that any text is one."""
    generate = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            schema = generate()
            schema["components"]["schemas"]["CorrectionRequest"]["properties"]["category"]["enum"] = list(names)
        return app.openapi_schema or {}

    app.openapi = openapi  # type: ignore[method-assign]
