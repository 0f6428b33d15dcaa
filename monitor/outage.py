"""Reporting a dependency that is away (the database), once, not on every retry.

A loop that retries every half second would otherwise write two tracebacks a second for as long
as the database is down. The first failure is logged with its cause, then a reminder every few
minutes with how long it has lasted, and one line when it works again. Callers also back off.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field

REMINDER_SECONDS = 300.0


@dataclass
class Outage:
    """What is away (``"the database"``), the logger to tell, and what stops while it is."""

    what: str
    logger: logging.Logger
    consequence: str
    since: float | None = None
    _reminded: float = field(default=0.0, repr=False)
    failures: int = 0

    def failed(self, error: BaseException) -> None:
        now = time.monotonic()
        self.failures += 1
        if self.since is None:
            self.since = self._reminded = now
            self.logger.error("%s is unavailable: %s; %s until it is back", self.what, _first_line(error), self.consequence)
        elif now - self._reminded >= REMINDER_SECONDS:
            self._reminded = now
            self.logger.error(
                "%s is still unavailable after %.0f s (%d failed attempts): %s", self.what, now - self.since, self.failures,
                _first_line(error),
            )  # fmt: skip

    def succeeded(self) -> None:
        if self.since is not None:
            self.logger.warning("%s is available again after %.0f s", self.what, time.monotonic() - self.since)
        self.since = None
        self.failures = 0

    def backoff(self, base: float, ceiling: float) -> float:
        """Seconds to wait before the next attempt: ``base``, doubling with each failure up to ``ceiling``."""
        return min(ceiling, base * 2 ** max(0, self.failures - 1)) if self.failures else base


def _first_line(error: BaseException) -> str:
    text = str(error).strip().splitlines()
    return text[0][:300] if text else error.__class__.__name__
