"""Liveness and readiness of a running service, as /healthz and /readyz answer them.

- Live: the scheduler ticked within 3 × ``[service] tick`` plus a grace. A tick happens whether or
  not the database answers, so a database outage is not a reason to restart the process.
- Ready: the database answers and its migrations are at head (a process whose schema is behind
  its code must not take work).
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from sqlalchemy.exc import SQLAlchemyError

from monitor.errors import StoreError
from monitor.metrics import HEARTBEAT, Heartbeat
from monitor.store import Store

# Beyond 3 ticks: a tick may wait for SQLite's write lock, and the clock that stamps it may be
# read a moment late. An operator wants "the scheduler stopped", not "one tick was slow".
GRACE_SECONDS = 30.0


@dataclass(frozen=True)
class Verdict:
    ok: bool
    reason: str


def liveness(last_tick: float | None, *, started: float, tick: float, now: float, ticker: str = "the scheduler") -> Verdict:
    """``last_tick`` and ``started`` in Unix time; before the first tick the service is starting
    (loading its model, checking its channels), which Docker's start_period allows for. ``ticker``:
    what ticks, as the reason names it."""
    allowed = 3 * tick + GRACE_SECONDS
    if last_tick is None:
        return Verdict(False, f"starting: {ticker} has not ticked yet (started {now - started:.0f}s ago)")
    age = now - last_tick
    if age > allowed:
        return Verdict(False, f"{ticker} last ticked {age:.0f}s ago (allowed: {allowed:g}s = 3 ticks + {GRACE_SECONDS:g}s)")
    return Verdict(True, f"ok: {ticker} ticked {age:.1f}s ago")


def readiness(store: Store) -> Verdict:
    try:
        behind = store.pending_migrations()
    except (SQLAlchemyError, StoreError) as exc:
        return Verdict(False, f"the database does not answer: {_first_line(exc)}")
    if behind:
        return Verdict(False, "the database's migrations are not at head: run `regwatch db upgrade`")
    return Verdict(True, "ok: the database answers and its migrations are at head")


@dataclass
class ServiceProbes:
    """What /healthz and /readyz ask of one running service."""

    store: Store
    tick: float
    heartbeat: Heartbeat = HEARTBEAT
    started: float = 0.0
    ticker: str = "the scheduler"

    def __post_init__(self) -> None:
        self.started = self.started or time.time()

    def live(self) -> Verdict:
        return liveness(self.heartbeat.last, started=self.started, tick=self.tick, now=time.time(), ticker=self.ticker)

    def ready(self) -> Verdict:
        return readiness(self.store)


def _first_line(error: BaseException) -> str:
    # SQLAlchemy appends the statement and a link on further lines; the cause is the first.
    lines = str(getattr(error, "orig", None) or error).strip().splitlines()
    return lines[0][:300] if lines else error.__class__.__name__
