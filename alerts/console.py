"""The console channel: alerts printed to stdout, the default when Slack is not configured."""

from __future__ import annotations

import sys
from typing import TextIO

from alerts.channels import category_label
from alerts.facts_text import fact_lines
from monitor.items import Alert
from monitor.jpdates import format_jst


class ConsoleChannel:
    def __init__(self, name: str, stream: TextIO | None = None) -> None:
        self.name = name
        self._stream = stream

    def send(self, alert: Alert) -> str | None:
        stream = self._stream or sys.stdout
        stream.write(render_text(alert) + "\n\n")
        stream.flush()
        return None


def render_text(alert: Alert) -> str:
    """A plain-text alert: the console's form and Slack's notification fallback."""
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
