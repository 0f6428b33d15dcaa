"""Logging for operators: one line per event they can act on, times in ISO 8601 with their zone,
as text or as JSON lines for machines.

Verbosity: by default regwatch says what went wrong (and, under ``run``, what each poll did);
``-v`` adds each fetch (URL, status, bytes, milliseconds) and each alert sent; ``-vv`` everything,
third-party libraries included. APScheduler's two lines per tick and slack-sdk's ERROR for an
answer regwatch handles itself (a lost answer, a rate limit) are noise until then.
"""

from __future__ import annotations

import json
import logging
import sys
from datetime import datetime
from typing import Any, Literal

LogFormat = Literal["text", "json"]
# Loggers that speak of each request or each alert: shown from -v on.
DETAIL_LOGGERS = ("monitor.fetch", "alerts.deliver.sent")
_THIRD_PARTY = ("apscheduler", "slack_sdk", "httpx", "httpcore", "alembic", "sqlalchemy", "urllib3", "asyncio")
_STANDARD = frozenset(vars(logging.LogRecord("", 0, "", 0, "", (), None))) | {"message", "asctime", "taskName"}


def _timestamp(record: logging.LogRecord) -> str:
    return datetime.fromtimestamp(record.created).astimezone().isoformat(timespec="milliseconds")


class TextFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        line = f"{_timestamp(record)} {record.levelname} {record.name}: {record.getMessage()}"
        if record.exc_info:
            line += "\n" + self.formatException(record.exc_info)
        return line


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
        return json.dumps(entry, ensure_ascii=False, default=str)


def configure(verbosity: int, log_format: LogFormat = "text", *, service: bool = False) -> None:
    """``service``: the long-running ``run``, which reports every poll at INFO."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter() if log_format == "json" else TextFormatter())
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
