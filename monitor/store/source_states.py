"""Each source's state as an operator reads it: what ``regwatch sources``, the dashboard's sources
page and ``/api/sources`` say of it."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Connection

from monitor.models import SourceRow
from monitor.store.items import detail_failures
from monitor.store.sources import source_rows


@dataclass(frozen=True)
class SourceState:
    row: SourceRow
    state: str
    problem: str  # what to show beside the state; empty when there is none


def source_states(connection: Connection) -> list[SourceState]:
    """Every source, by id, with its state and problem."""
    failing = detail_failures(connection)
    return [SourceState(row, *source_state(row, *failing.get(row.id, (0, None)))) for row in source_rows(connection)]


def source_state(row: SourceRow, failing_details: int, detail_error: str | None) -> tuple[str, str]:
    """A source's state and its problem.

    ``new``: no poll has finished yet; ``never-ok``: every poll so far failed (most often a wrong
    URL or a host the guard refuses); ``failing``: its last poll failed after earlier successes (it
    is retried with backoff); ``broken``: it failed or listed nothing often enough to alert the operators;
    ``degraded``: it works, but some items' detail pages keep failing (they are alerted from their
    list entries).
    """
    if not row.enabled:
        return "disabled", ""
    if row.health == "broken":
        return "broken", row.broken_reason or row.last_error or ""
    if row.consecutive_failures:
        return ("failing" if row.last_success_at else "never-ok"), row.last_error or ""
    if row.last_success_at is None:
        return "new", "first poll under way" if row.last_attempt_at else "not polled yet"
    if failing_details:
        return "degraded", f"{failing_details} detail page(s) failing, e.g. {detail_error}"
    return "ok", ""
