"""The console channel: notices printed to stdout, the default when Slack is not configured."""

from __future__ import annotations

import sys
from datetime import datetime
from typing import TextIO

from alerts.render import notice_text
from monitor.items import Notice


class ConsoleChannel:
    min_interval = 0.0

    def __init__(self, name: str, stream: TextIO | None = None) -> None:
        self.name = name
        self._stream = stream

    def send(self, notice: Notice, *, thread: str | None = None) -> str | None:
        stream = self._stream or sys.stdout
        stream.write(notice_text(notice) + "\n\n")
        stream.flush()
        return None

    def find(self, key: str, since: datetime) -> str | None:
        return None  # a terminal keeps no record to look in

    def check(self) -> list[str]:
        return []  # a terminal is always there
