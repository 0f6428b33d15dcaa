"""The dashboard's users and the label corrections they make."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Connection, select

from monitor.models import DashboardUserRow, LabelCorrectionRow
from monitor.store.database import CLASSIFICATION, ITEM, insert_for

USER = DashboardUserRow.__table__
CORRECTION = LabelCorrectionRow.__table__


def save_user(connection: Connection, name: str, password_hash: str, role: str, now: datetime) -> None:
    """Add a user, or give an existing one a new password and role."""
    statement = insert_for(connection, USER).values(name=name, password_hash=password_hash, role=role, created_at=now)
    connection.execute(
        statement.on_conflict_do_update(index_elements=["name"], set_={"password_hash": password_hash, "role": role})
    )


def find_user(connection: Connection, name: str) -> DashboardUserRow | None:
    row = connection.execute(select(USER).where(USER.c.name == name)).first()
    return DashboardUserRow.model_validate(row._mapping) if row else None


def add_correction(connection: Connection, item_id: int, category: str, present: bool, author: str, now: datetime) -> None:
    connection.execute(
        CORRECTION.insert().values(item_id=item_id, category=category, present=present, author=author, created_at=now)
    )


def corrections_of(connection: Connection, item_id: int) -> list[LabelCorrectionRow]:
    """An item's corrections, oldest first."""
    query = select(CORRECTION).where(CORRECTION.c.item_id == item_id).order_by(CORRECTION.c.id)
    return [LabelCorrectionRow.model_validate(row._mapping) for row in connection.execute(query)]


def corrected_items(connection: Connection) -> list[dict[str, Any]]:
    """Every corrected item: its text, the labels the classifier gave, and the corrections in the
    order they were made (a later one overrides an earlier one of the same category)."""
    query = (
        select(ITEM.c.id, ITEM.c.url, ITEM.c.source_id, ITEM.c.title, ITEM.c.body, ITEM.c.published_at,
               CLASSIFICATION.c.labels, CORRECTION.c.category, CORRECTION.c.present, CORRECTION.c.author,
               CORRECTION.c.created_at)
        .select_from(CORRECTION.join(ITEM, ITEM.c.id == CORRECTION.c.item_id)
                     .outerjoin(CLASSIFICATION, CLASSIFICATION.c.item_id == ITEM.c.id))
        .order_by(ITEM.c.id, CORRECTION.c.id)
    )  # fmt: skip
    items: dict[int, dict[str, Any]] = {}
    for row in connection.execute(query):
        item = items.setdefault(
            row.id,
            {"id": row.id, "url": row.url, "source": row.source_id, "title": row.title, "body": row.body,
             "published": row.published_at, "predicted": list(row.labels or []), "corrections": []},
        )  # fmt: skip
        item["corrections"].append({"category": row.category, "present": row.present, "author": row.author, "at": row.created_at})
    return list(items.values())


def corrected_labels(predicted: list[str], corrections: list[dict[str, Any]]) -> list[str]:
    """The labels an item has once its corrections are applied, in order."""
    labels = list(predicted)
    for correction in corrections:
        if correction["present"] and correction["category"] not in labels:
            labels.append(correction["category"])
        elif not correction["present"] and correction["category"] in labels:
            labels.remove(correction["category"])
    return labels


def correction_record(item: dict[str, Any]) -> dict[str, Any]:
    """A corrected item as a line of ``regwatch labels export``: the classify format (title, body,
    published, labels as corrected) that ``regwatch train`` and ``regwatch eval`` read, with the
    classifier's own labels and who corrected what, when."""
    return {
        "id": f"item-{item['id']}", "url": item["url"], "source": item["source"], "title": item["title"], "body": item["body"],
        "published": item["published"].isoformat() if item["published"] else None,
        "labels": corrected_labels(item["predicted"], item["corrections"]), "predicted": item["predicted"],
        "corrections": [{**c, "at": c["at"].isoformat()} for c in item["corrections"]],
    }  # fmt: skip
