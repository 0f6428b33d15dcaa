"""The deliverer: drains due outbox rows into their channels, one commit per notice.

- A row is marked sent only after the channel accepted it. An error schedules a retry with
  backoff (or the server's Retry-After); a channel misconfiguration (bad token, unknown channel)
  puts that channel on hold with one clear log line, keeping its alerts (``held``) for when it is
  fixed: a running deliverer tries the channel again after ``delivery.hold``, a new one (the next
  start) at its first pass, and ``deliver --now`` at once.
- Before a row is sent again (a retry, or a row left ``sending`` by a deliverer that died) its
  channel is asked whether the message is there already (Slack keeps the outbox key in the
  message metadata): a post whose answer was lost is recognised, not posted twice.
- An item's later alerts to a channel go in the thread of its first one there; they wait until
  that one is sent.
- Each channel is paced (Slack: about one message a second per channel) and sent to in order;
  the channels are served side by side, so one that waits or is slow does not hold up the others.
"""

from __future__ import annotations

import logging
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import timedelta
from itertools import repeat

from alerts import outbox
from alerts.channels import Channel
from monitor import metrics
from monitor.config import DeliveryConfig, format_duration
from monitor.errors import ChannelConfigError, DeliveryError, StoreError
from monitor.items import notice_from_row
from monitor.jpdates import format_jst, utcnow
from monitor.models import OutboxRow
from monitor.outage import Outage
from monitor.store import Store

logger = logging.getLogger(__name__)
sent_logger = logging.getLogger(f"{__name__}.sent")  # each alert sent: shown from -v on

THREAD_WAIT = timedelta(seconds=5)
MAX_PACING_WAIT_SECONDS = 5.0
MAX_PARALLEL_CHANNELS = 8
_IDLE_POLL_SECONDS = 0.5
_MAX_OUTAGE_WAIT_SECONDS = 30.0


@dataclass
class DeliveryReport:
    sent: int = 0
    failed: int = 0
    dead: int = 0
    held: int = 0
    recovered: int = 0  # found already posted after a crash: marked sent, not posted again
    deferred: int = 0  # waiting for their thread's first message
    errors: list[str] = field(default_factory=list)

    def merge(self, other: DeliveryReport) -> None:
        for name in ("sent", "failed", "dead", "held", "recovered", "deferred"):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        self.errors += other.errors


class Deliverer:
    def __init__(self, store: Store, channels: dict[str, Channel], config: DeliveryConfig) -> None:
        self._store = store
        self.channels = channels
        self._config = config
        self._held: dict[str, tuple[str, float]] = {}  # channel → (reason, monotonic time the hold ends)
        self._ready_at: dict[str, float] = {}
        self._first_pass = True

    @property
    def _hold_period(self) -> timedelta:
        return timedelta(seconds=self._config.hold)

    def deliver_due(self, *, ignore_backoff: bool = False, stop: threading.Event | None = None) -> DeliveryReport:
        """Send every due notice (all waiting ones with ``ignore_backoff``); returns what happened."""
        report = DeliveryReport()
        pass_started = utcnow()
        far = pass_started + timedelta(days=36500)
        due_by = far if ignore_backoff else pass_started
        # The first pass of a deliverer takes held alerts too: the channel may have been fixed meanwhile.
        held_due_by = far if ignore_backoff or self._first_pass else pass_started
        if ignore_backoff:
            self._held.clear()
        self._recover_stale(report, stop)
        while not (stop and stop.is_set()):
            active = self._active_channels()
            if not active:
                break
            with self._store.begin() as connection:
                rows = outbox.claim_due(
                    connection, utcnow(), due_by=due_by, pass_started=pass_started, limit=self._config.batch, channels=active,
                    held_due_by=held_due_by,
                )  # fmt: skip
            if not rows:
                break
            self._send_paced(rows, report, stop)
        self._first_pass = False
        return report

    def _active_channels(self) -> list[str]:
        """Channels neither on hold nor rate limited for long."""
        now = time.monotonic()
        for name in [name for name, (_, until) in self._held.items() if until <= now]:
            del self._held[name]  # the hold is over: the next alert tries the channel again
        return [
            name
            for name in self.channels
            if name not in self._held and self._ready_at.get(name, 0.0) - now <= MAX_PACING_WAIT_SECONDS
        ]

    def _recover_stale(self, report: DeliveryReport, stop: threading.Event | None) -> None:
        now = utcnow()
        with self._store.begin() as connection:
            rows = outbox.claim_stale(
                connection,
                now,
                stale_before=now - timedelta(seconds=self._config.claim_timeout),
                limit=self._config.batch,
                channels=self._active_channels(),
            )
        self._send_paced(rows, report, stop)

    def _send_paced(self, rows: list[OutboxRow], report: DeliveryReport, stop: threading.Event | None) -> None:
        """Each channel's rows in order and paced; the channels side by side, so a slow or
        rate-limited channel does not hold up the others."""
        pause = stop or threading.Event()
        by_channel: dict[str, list[OutboxRow]] = {}
        for row in rows:
            by_channel.setdefault(row.channel, []).append(row)
        if len(by_channel) <= 1:
            self._send_channel(rows, report, pause)
            return
        reports = [DeliveryReport() for _ in by_channel]
        with ThreadPoolExecutor(min(len(by_channel), MAX_PARALLEL_CHANNELS), thread_name_prefix="deliver") as pool:
            list(pool.map(self._send_channel, by_channel.values(), reports, repeat(pause)))
        for channel_report in reports:
            report.merge(channel_report)

    def _send_channel(self, rows: list[OutboxRow], report: DeliveryReport, pause: threading.Event) -> None:
        waiting = list(rows)
        while waiting:
            wait = self._ready_at.get(waiting[0].channel, 0.0) - time.monotonic()
            if pause.is_set() or wait > MAX_PACING_WAIT_SECONDS:
                # A long wait (Slack's Retry-After) gives the rows back for later instead of holding up the pass.
                reason = "the deliverer is stopping" if pause.is_set() else "rate limited"
                self._give_back(waiting, reason, retry_in=timedelta(seconds=max(0.0, wait)))
                return
            if wait > 0:
                pause.wait(wait)
                continue
            self._deliver(waiting.pop(0), report)

    def _deliver(self, row: OutboxRow, report: DeliveryReport) -> None:
        assert row.id is not None
        if row.channel in self._held:
            self._give_back([row], self._held[row.channel][0], retry_in=self._hold_period, state=outbox.HELD)
            report.held += 1
            metrics.delivered(row.channel, "held")
            return
        # Every attempt after the first (a retry, or the claim of a row a dead deliverer left
        # ``sending``) may follow a post that did happen.
        if row.attempts > 1 and self._already_posted(row, report):
            return
        thread = None
        # Only an update has an earlier alert of its item to reply to: an item has one `new` event.
        if row.kind == "alert" and row.payload.get("event") == "updated":
            with self._store.read() as connection:
                root = outbox.thread_root(connection, row)
            if root.waiting:
                self._give_back([row], "waiting for the first alert of its thread", retry_in=THREAD_WAIT)
                report.deferred += 1
                metrics.delivered(row.channel, "deferred")
                return
            thread = root.remote_ref
        channel = self.channels[row.channel]
        try:
            remote_ref = channel.send(notice_from_row(row.kind, row.payload), thread=thread)
        except ChannelConfigError as exc:
            self._put_on_hold(row, str(exc), report)
            return
        except DeliveryError as exc:
            self._fail(row, str(exc), exc.retry_after, report)
            self._ready_at[row.channel] = time.monotonic() + max(channel.min_interval, exc.retry_after or 0.0)
            return
        self._ready_at[row.channel] = time.monotonic() + channel.min_interval
        with self._store.begin() as connection:
            outbox.mark_sent(connection, row.id, utcnow(), remote_ref)
        report.sent += 1
        metrics.delivered(row.channel, "sent")
        sent_logger.debug("sent to %s: %s (%s)", row.channel, _described(row), remote_ref or "no reference", extra=_fields(row))

    def _already_posted(self, row: OutboxRow, report: DeliveryReport) -> bool:
        """Whether an earlier attempt did post (its answer lost, or its deliverer killed); then
        the row is marked sent. An error while checking counts as a failed attempt."""
        try:
            posted = self.channels[row.channel].find(row.key, row.created_at)
        except ChannelConfigError as exc:
            self._put_on_hold(row, str(exc), report)
            return True
        except DeliveryError as exc:
            self._fail(row, f"could not check whether it was posted: {exc}", exc.retry_after, report)
            return True
        if posted is None:
            return False
        with self._store.begin() as connection:
            outbox.mark_sent(connection, row.id or 0, utcnow(), posted)
        report.recovered += 1
        metrics.delivered(row.channel, "recovered")
        logger.info("already posted to %s (%s), not posted again: %s", row.channel, posted, _described(row), extra=_fields(row))
        return True

    def _fail(self, row: OutboxRow, error: str, retry_after: float | None, report: DeliveryReport) -> None:
        with self._store.begin() as connection:
            state, next_attempt = outbox.mark_failed(
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
            metrics.delivered(row.channel, "dead")
            logger.error(
                "alert to %s dead-lettered after %d attempts: %s: %s (see `regwatch outbox list`)",
                row.channel, row.attempts, _described(row), error, extra=_fields(row),
            )  # fmt: skip
        else:
            report.failed += 1
            metrics.delivered(row.channel, "failed")
            logger.warning(
                "alert to %s failed (attempt %d), next attempt %s: %s: %s",
                row.channel, row.attempts, format_jst(next_attempt), _described(row), error, extra=_fields(row),
            )  # fmt: skip
        report.errors.append(error)

    def _put_on_hold(self, row: OutboxRow, reason: str, report: DeliveryReport) -> None:
        if row.channel not in self._held:
            logger.error(
                "channel %s is on hold: %s. Its alerts are kept and it is tried again in %s; fix the channel "
                "or token, or run `regwatch deliver --now` once it is fixed.",
                row.channel,
                reason,
                format_duration(self._config.hold),
                extra=_fields(row),
            )
        self._held[row.channel] = (reason, time.monotonic() + self._config.hold)
        self._give_back([row], reason, retry_in=self._hold_period, state=outbox.HELD)
        report.held += 1
        metrics.delivered(row.channel, "held")
        report.errors.append(reason)

    def _give_back(
        self, rows: list[OutboxRow], reason: str, retry_in: timedelta = timedelta(0), state: str = outbox.PENDING
    ) -> None:
        with self._store.begin() as connection:
            for row in rows:
                outbox.release(connection, row, reason, utcnow() + retry_in, state=state)


def _fields(row: OutboxRow) -> dict[str, object]:
    """What a JSON log line about an outbox row carries: its key, its item and source, its channel."""
    return {"outbox_key": row.key, "item_id": row.item_id, "source_id": row.payload.get("source_id"), "channel": row.channel}


def _described(row: OutboxRow) -> str:
    """What an operator recognises an alert by: its title and link (a health notice: its source)."""
    payload = row.payload
    if row.kind == "alert":
        return f"「{' '.join(str(payload.get('title', '')).split())[:80]}」 {payload.get('url', '')}"
    return f"{row.kind} of source {payload.get('source_id', '')}"


class DeliveryWorker:
    """The deliverer in a thread of its own (slack-sdk is blocking): it runs a pass when woken
    (new alerts were recorded) or every half second (retries falling due, other processes' alerts)."""

    def __init__(self, deliverer: Deliverer) -> None:
        self._deliverer = deliverer
        self._stop = threading.Event()
        self._wake = threading.Event()
        self._thread = threading.Thread(target=self._run, name="deliverer", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def wake(self) -> None:
        self._wake.set()

    def stop(self) -> None:
        """Finish the message being sent, give the rest back, and stop."""
        self._stop.set()
        self._wake.set()
        self._thread.join()

    def _run(self) -> None:
        outage = Outage("the database", logger, "no alert is delivered")
        while not self._stop.is_set():
            self._wake.clear()
            try:
                self._deliverer.deliver_due(stop=self._stop)
            except StoreError as exc:  # an outage must not end delivery for good, nor flood the log
                outage.failed(exc)
                # A wake-up means alerts were just recorded: the database is back.
                self._wake.wait(outage.backoff(_IDLE_POLL_SECONDS, _MAX_OUTAGE_WAIT_SECONDS))
                continue
            except Exception:  # a bug in one pass: logged whole, and the next pass tries again
                logger.exception("delivery pass failed; retrying")
                self._stop.wait(_MAX_OUTAGE_WAIT_SECONDS)
                continue
            outage.succeeded()
            self._wake.wait(_IDLE_POLL_SECONDS)
