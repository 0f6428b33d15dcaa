"""What a poll does with an item whose detail page failed (pure).

A new item waits for its detail page for ``fetch.detail_attempts`` polls (its alert then carries
the body and its facts); a failure no wait can fix (the address guard, a 404, a page that does
not parse) does not wait. Then the item is settled from its list entry and alerted, and its
detail page is tried again later, the pause doubling from an hour up to a day, until
``LATER_RETRIES`` more attempts have failed: when it finally comes, what it adds is an
``updated`` event. Only a request that was sent counts as an attempt. Nothing waits silently:
every failure is on the item (``detail_error``) and makes its source show as degraded.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from monitor.errors import HTTPStatusError, TransportError
from monitor.items import Article, AttachmentText

LATER_RETRIES = 6
_FIRST_LATER_DELAY = timedelta(hours=1)
_MAX_LATER_DELAY = timedelta(hours=24)
_GONE = frozenset({404, 410, 451})


@dataclass(frozen=True)
class DetailResult:
    """One item's detail page in this poll: the article, the failure, or not tried (over budget)."""

    article: Article | None = None
    error: Exception | None = None
    attachments: tuple[AttachmentText, ...] = ()  # the article's attachments, as read (monitor.attachments)

    @property
    def tried(self) -> bool:
        return self.article is not None or self.error is not None

    @property
    def retryable(self) -> bool:
        """Whether the next poll may fare better: a timeout, a refused connection, a 5xx or 429."""
        if isinstance(self.error, HTTPStatusError):
            return self.error.status not in _GONE
        return isinstance(self.error, TransportError)


@dataclass(frozen=True)
class DetailState:
    """Where an item stands with its detail page after this poll (columns of the item row)."""

    awaiting: bool  # no event yet: the item waits for its detail page
    attempts: int
    error: str | None
    retry_at: datetime | None

    def columns(self) -> dict[str, object]:
        return {
            "awaiting_detail": self.awaiting,
            "detail_attempts": self.attempts,
            "detail_error": self.error,
            "detail_retry_at": self.retry_at,
        }


SETTLED = DetailState(False, 0, None, None)


def next_state(result: DetailResult, *, attempts: int, waiting: bool, allowed: int, now: datetime) -> DetailState:
    """The state after ``result``, for an item tried ``attempts`` times before.

    ``waiting``: the item has had no event yet (new, or still awaiting its detail page).
    """
    if result.article is not None:
        return SETTLED
    if not result.tried:  # over this poll's budget: the next poll tries it, no attempt spent
        return DetailState(waiting, attempts, None, now)
    attempts += 1
    error = str(result.error)[:2000]
    if waiting and result.retryable and attempts < allowed:
        return DetailState(True, attempts, error, now)
    if attempts >= allowed + LATER_RETRIES:
        return DetailState(False, attempts, error, None)  # given up: the list entry stands
    return DetailState(False, attempts, error, now + min(_MAX_LATER_DELAY, _FIRST_LATER_DELAY * 2 ** (attempts - 1)))
