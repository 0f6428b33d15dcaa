"""Logging for operators: one line per event they can act on, times in ISO 8601 with their zone,
as text or as JSON lines for machines.

Verbosity: by default regwatch says what went wrong (and, under ``run``, what each poll did);
``-v`` adds each fetch (URL, status, bytes, milliseconds) and each alert sent; ``-vv`` everything,
third-party libraries included. APScheduler's two lines per tick and slack-sdk's ERROR for an
answer regwatch handles itself (a lost answer, a rate limit) are noise until then.

Secrets (the Slack token, the SMTP and database passwords) are masked in every line, whoever wrote
it: a library's debug line or an exception's text may quote them, so the finished line is checked.
"""

from __future__ import annotations

import json
import logging
import sys
from collections.abc import Iterable
from datetime import datetime
from typing import Any, Literal

LogFormat = Literal["text", "json"]
# Loggers that speak of each request or each alert: shown from -v on.
DETAIL_LOGGERS = ("monitor.fetch", "alerts.deliver.sent")
_THIRD_PARTY = ("apscheduler", "slack_sdk", "httpx", "httpcore", "alembic", "sqlalchemy", "urllib3", "asyncio")
_STANDARD = frozenset(vars(logging.LogRecord("", 0, "", 0, "", (), None))) | {"message", "asctime", "taskName"}
MASK = "***"
_hidden: tuple[str, ...] = ()  # secrets and their JSON-escaped forms, longest first
_handler: logging.Handler | None = None


def hide(secrets: Iterable[str]) -> None:
    """Mask these values in every line from now on (empty ones are not secrets: nothing is set)."""
    global _hidden
    forms = {
        form
        for secret in secrets
        if secret
        for form in (secret, json.dumps(secret)[1:-1], json.dumps(secret, ensure_ascii=False)[1:-1])
    }
    _hidden = tuple(sorted(forms, key=len, reverse=True))


def _masked(line: str) -> str:
    for secret in _hidden:
        if secret in line:
            line = line.replace(secret, MASK)
    return line


def _timestamp(record: logging.LogRecord) -> str:
    return datetime.fromtimestamp(record.created).astimezone().isoformat(timespec="milliseconds")


class TextFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        line = f"{_timestamp(record)} {record.levelname} {record.name}: {record.getMessage()}"
        if record.exc_info:
            line += "\n" + self.formatException(record.exc_info)
        return _masked(line)


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message, and the record's extra fields."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": _timestamp(record),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        entry.update({key: value for key, value in vars(record).items() if key not in _STANDARD and not key.startswith("_")})
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return _masked(json.dumps(entry, ensure_ascii=False, default=str))


def _formatter(log_format: LogFormat) -> logging.Formatter:
    return JsonFormatter() if log_format == "json" else TextFormatter()


def use_format(log_format: LogFormat) -> None:
    """Switch the lines regwatch writes to ``log_format`` (the config's, once it is read)."""
    if _handler is not None:
        _handler.setFormatter(_formatter(log_format))


def configure(verbosity: int, log_format: LogFormat = "text", *, service: bool = False) -> None:
    """``service``: the long-running ``run``, which reports every poll at INFO."""
    global _handler
    handler = _handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(_formatter(log_format))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    if verbosity >= 2:
        root.setLevel(logging.DEBUG)
        return
    root.setLevel(logging.INFO if verbosity or service else logging.WARNING)
    for name in _THIRD_PARTY:
        logging.getLogger(name).setLevel(logging.WARNING)
    logging.getLogger("slack_sdk").setLevel(logging.CRITICAL)  # regwatch reports what it does about each error
    for name in DETAIL_LOGGERS:
        logging.getLogger(name).setLevel(logging.DEBUG if verbosity else logging.WARNING)
