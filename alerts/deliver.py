"""The deliverer: drains due outbox rows into their channels, one commit per alert.

A row is marked sent only after the channel accepted it. An error schedules a retry with
backoff (or the server's Retry-After); a channel misconfiguration (bad token, unknown channel)
puts that channel on hold with one clear log line, keeping its alerts for when it is fixed.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass, field
from datetime import timedelta

from alerts import outbox
from alerts.channels import Channel
from monitor.config import DeliveryConfig
from monitor.errors import ChannelConfigError, DeliveryError
from monitor.items import Alert
from monitor.jpdates import utcnow
from monitor.models import OutboxRow
from monitor.store import Store

logger = logging.getLogger(__name__)

# A row claimed longer ago than this was left by a deliverer that died mid-send.
STALE_CLAIM = timedelta(minutes=5)
CHANNEL_HOLD = timedelta(hours=1)


@dataclass
class DeliveryReport:
    sent: int = 0
    failed: int = 0
    dead: int = 0
    held: int = 0
    errors: list[str] = field(default_factory=list)


class Deliverer:
    def __init__(self, store: Store, channels: dict[str, Channel], config: DeliveryConfig) -> None:
        self._store = store
        self._channels = channels
        self._config = config
        self._held: dict[str, str] = {}

    def deliver_due(self, *, ignore_backoff: bool = False, stop: threading.Event | None = None) -> DeliveryReport:
        """Send every due alert (all waiting ones with ``ignore_backoff``); returns what happened."""
        report = DeliveryReport()
        pass_started = utcnow()
        due_by = pass_started + timedelta(days=36500) if ignore_backoff else pass_started
        if ignore_backoff:
            self._held.clear()
        while not (stop and stop.is_set()):
            now = utcnow()
            active = [name for name in self._channels if name not in self._held]
            if not active:
                break
            with self._store.begin() as connection:
                rows = outbox.claim_due(
                    connection,
                    now,
                    due_by=due_by,
                    pass_started=pass_started,
                    limit=self._config.batch,
                    stale_before=now - STALE_CLAIM,
                    channels=active,
                )
            if not rows:
                break
            for row in rows:
                self._deliver(row, report)
        return report

    def _deliver(self, row: OutboxRow, report: DeliveryReport) -> None:
        assert row.id is not None
        if row.channel in self._held:
            self._release(row, self._held[row.channel])
            report.held += 1
            return
        channel = self._channels[row.channel]
        try:
            remote_ref = channel.send(Alert.from_json(row.payload))
        except ChannelConfigError as exc:
            self._hold(row.channel, str(exc))
            self._release(row, str(exc))
            report.held += 1
            report.errors.append(str(exc))
            return
        except DeliveryError as exc:
            self._fail(row, str(exc), exc.retry_after, report)
            return
        with self._store.begin() as connection:
            outbox.mark_sent(connection, row.id, utcnow(), remote_ref)
        report.sent += 1

    def _fail(self, row: OutboxRow, error: str, retry_after: float | None, report: DeliveryReport) -> None:
        with self._store.begin() as connection:
            state = outbox.mark_failed(
                connection,
                row,
                utcnow(),
                error,
                max_attempts=self._config.max_attempts,
                backoff=self._config.backoff,
                max_backoff=self._config.max_backoff,
                retry_after=retry_after,
            )
        if state == outbox.DEAD:
            report.dead += 1
            logger.error("alert %s to %s dead-lettered after %d attempts: %s", row.key, row.channel, row.attempts, error)
        else:
            report.failed += 1
            logger.warning("alert %s to %s failed (attempt %d): %s", row.key, row.channel, row.attempts, error)
        report.errors.append(error)

    def _hold(self, channel: str, reason: str) -> None:
        self._held[channel] = reason
        logger.error(
            "channel %s is on hold: %s. Its alerts are kept; fix the channel or token, then restart "
            "or run `regwatch deliver --now`.",
            channel,
            reason,
        )

    def _release(self, row: OutboxRow, reason: str) -> None:
        with self._store.begin() as connection:
            outbox.release(connection, row, reason, utcnow() + CHANNEL_HOLD)
