"""The console channel: notices printed to stdout, the default when Slack is not configured."""

from __future__ import annotations

import sys
from datetime import datetime
from typing import TextIO

from alerts.channels import HEALTH_LABELS, category_label
from alerts.facts_text import fact_lines
from monitor.items import Alert, HealthNotice, Notice
from monitor.jpdates import format_jst


class ConsoleChannel:
    min_interval = 0.0

    def __init__(self, name: str, stream: TextIO | None = None) -> None:
        self.name = name
        self._stream = stream

    def send(self, notice: Notice, *, thread: str | None = None) -> str | None:
        stream = self._stream or sys.stdout
        stream.write(render_text(notice) + "\n\n")
        stream.flush()
        return None

    def find(self, key: str, since: datetime) -> str | None:
        return None  # a terminal keeps no record to look in


def render_text(notice: Notice) -> str:
    """A plain-text notice: the console's form and Slack's notification fallback."""
    if isinstance(notice, HealthNotice):
        return render_health_text(notice)
    return render_alert_text(notice)


def render_alert_text(alert: Alert) -> str:
    categories = ", ".join(f"{category_label(c)} ({c})" for c in alert.categories)
    lines = [
        f"[regwatch] {categories} · {'更新' if alert.event == 'updated' else '新着'}",
        alert.title,
        alert.url,
        f"{alert.source_name} · {format_jst(alert.published_at)}",
    ]
    lines += [f"{label}: {text}" for label, text in fact_lines(alert.facts)]
    for category in alert.categories:
        phrases = alert.evidence.get(category, ())
        if phrases:
            lines.append(f"根拠 ({category}): " + " / ".join(phrases))
    for change in alert.changes:
        lines.append(f"変更 ({change.field}): {change.before[:80]} → {change.after[:80]}")
    return "\n".join(lines)


def render_health_text(notice: HealthNotice) -> str:
    since = f" ({format_jst(notice.since)} から)" if notice.since and notice.kind == "source_broken" else ""
    return f"[regwatch] {HEALTH_LABELS[notice.kind]} ({notice.kind}): {notice.source_name} [{notice.source_id}]{since}\n{notice.reason}"
