"""Sending the daily digest of each email channel: one per channel and business day (Japanese
public holidays and weekends skipped), each sent once. A digest row is unique per channel and
day, claimed before sending and marked sent after the SMTP server accepted it; a failure is
retried with backoff. What a digest says is built in ``alerts.digest_view``.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

import jpholiday
from sqlalchemy import and_, select, update

from alerts.digest_view import Digest, build_digest
from alerts.email import digest_message, send_message
from alerts.outbox import backoff_delay
from monitor.config import Settings
from monitor.errors import DeliveryError
from monitor.jpdates import JST, utcnow
from monitor.models import DigestRow
from monitor.store import Store, events_between, insert_for, source_rows

logger = logging.getLogger(__name__)

DIGEST = DigestRow.__table__
_FIRST_WINDOW = timedelta(days=1)
_MAX_WINDOW = timedelta(days=7)


def is_business_day(day: date) -> bool:
    return day.weekday() < 5 and not jpholiday.is_holiday(day)


@dataclass(frozen=True)
class DigestAttempt:
    sent: bool
    line: str  # what happened, for the operator


class Digests:
    """Schedules and sends the digests of every email channel."""

    def __init__(self, store: Store, settings: Settings) -> None:
        self._store = store
        self._settings = settings
        self._config = settings.config
        self.channels = {name: channel for name, channel in self._config.channels.items() if channel.kind == "email"}
        self._names = self._config.source_names

    def build(self, name: str, window: tuple[datetime, datetime], day: date) -> Digest:
        with self._store.read() as connection:
            events = events_between(connection, *window)
            sources = source_rows(connection)
        return build_digest(name, self.channels[name], self._config.routes, events, sources, self._names, window, day)

    def next_window(self, name: str, end: datetime) -> tuple[datetime, datetime]:
        """From the end of the channel's last digest (at most a week back) to ``end``. A digest still
        being retried counts: its events are in it, and the next one must not repeat them."""
        with self._store.read() as connection:
            last = connection.execute(
                select(DIGEST.c.window_end).where(DIGEST.c.channel == name).order_by(DIGEST.c.window_end.desc()).limit(1)
            ).scalar()
        start = last if last is not None else end - _FIRST_WINDOW
        return max(start, end - _MAX_WINDOW), end

    def schedule(self, name: str, now: datetime, *, business_days_only: bool | None = None) -> bool:
        """Create today's (JST) digest of channel ``name`` unless it exists or today is not a business day."""
        day = now.astimezone(JST).date()
        only_business = self.channels[name].business_days_only if business_days_only is None else business_days_only
        if only_business and not is_business_day(day):
            logger.info("digest %s: %s is not a business day; no digest", name, day)
            return False
        start, end = self.next_window(name, now)
        row = {
            "channel": name, "day": day.isoformat(), "state": "pending", "attempts": 0, "next_attempt_at": now,
            "window_start": start, "window_end": end, "items": 0,
        }  # fmt: skip
        with self._store.begin() as connection:
            statement = (
                insert_for(connection, DIGEST).on_conflict_do_nothing(index_elements=["channel", "day"]).returning(DIGEST.c.id)
            )
            return connection.execute(statement, row).first() is not None

    def send_due(self, now: datetime | None = None) -> list[DigestAttempt]:
        """Send every digest that is due; returns what happened to each one tried."""
        now = now or utcnow()
        results: list[DigestAttempt] = []
        for row in self._claim(now):
            digest = self.build(row.channel, (row.window_start, row.window_end), date.fromisoformat(row.day))
            message = digest_message(digest, self.channels[row.channel], self._config.smtp.sender)
            try:
                send_message(message, self._config.smtp, self._settings.smtp_user, self._settings.smtp_password)
            except DeliveryError as exc:
                self._failed(row, str(exc), now)
                results.append(DigestAttempt(False, f"digest {row.channel} {row.day}: failed ({exc}); retrying later"))
                continue
            with self._store.begin() as connection:
                connection.execute(
                    update(DIGEST)
                    .where(DIGEST.c.id == row.id)
                    .values(state="sent", sent_at=utcnow(), items=digest.count, message_id=message["Message-ID"], last_error=None)
                )
            results.append(
                DigestAttempt(
                    True,
                    f"digest {row.channel} {row.day}: sent to {', '.join(self.channels[row.channel].to)} ({digest.count} items)",
                )
            )
        return results

    def due_condition(self, now: datetime) -> Any:
        """Digests of this config's channels waiting to be sent, retried, or left ``sending`` by a
        dead process past their claim."""
        return and_(
            DIGEST.c.state.in_(("pending", "failed", "sending")),
            DIGEST.c.next_attempt_at <= now,
            DIGEST.c.channel.in_(list(self.channels)),
        )

    def _claim(self, now: datetime) -> list[DigestRow]:
        """Due digests, marked ``sending`` until ``now`` + the claim timeout: a digest a dead process
        left ``sending`` is due again after that."""
        claimable = self.due_condition(now)
        held_until = now + timedelta(seconds=self._config.delivery.claim_timeout)
        with self._store.begin() as connection:
            rows = connection.execute(
                update(DIGEST)
                .where(claimable)
                .values(state="sending", attempts=DIGEST.c.attempts + 1, next_attempt_at=held_until)
                .returning(*DIGEST.c)
            )
            return [DigestRow.model_validate(row._mapping) for row in rows]

    def _failed(self, row: DigestRow, error: str, now: datetime) -> None:
        delivery = self._config.delivery
        retry_at = now + timedelta(seconds=backoff_delay(row.attempts, delivery.backoff, delivery.max_backoff))
        logger.warning("digest %s %s failed (attempt %d): %s", row.channel, row.day, row.attempts, error)
        with self._store.begin() as connection:
            connection.execute(
                update(DIGEST)
                .where(DIGEST.c.id == row.id)
                .values(state="failed", next_attempt_at=retry_at, last_error=error[:2000])
            )
