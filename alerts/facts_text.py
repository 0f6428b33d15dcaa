"""The facts of an alert as short lines a reader scans: the same text on every channel."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

_MAX_LISTED = 6


def yen(value: int) -> str:
    """3000000 → 300万円, 150000000 → 1億5000万円, 1100 → 1,100円."""
    cho, rest = divmod(value, 10**12)
    oku, rest = divmod(rest, 10**8)
    man, ones = divmod(rest, 10**4)
    if not (cho or oku or man):
        return f"{ones:,}円"
    parts = [f"{cho}兆" if cho else "", f"{oku}億" if oku else "", f"{man}万" if man else "", str(ones) if ones else ""]
    return "".join(parts) + "円"


def fact_lines(facts: Mapping[str, Any]) -> list[tuple[str, str]]:
    """(label, text) pairs for the facts present, most useful first."""
    lines: list[tuple[str, str]] = []
    if facts.get("amounts_jpy"):
        lines.append(("金額", _listed(yen(value) for value in facts["amounts_jpy"])))
    owners = facts.get("corporate_number_owners") or {}
    numbered = {organization: number for number, organization in owners.items()}
    organizations = [
        f"{name}（法人番号 {numbered[name]}）" if name in numbered else name for name in facts.get("organizations") or []
    ]
    if organizations:
        lines.append(("組織", _listed(organizations)))
    unowned = [number for number in facts.get("corporate_numbers") or [] if number not in owners]
    if unowned:
        lines.append(("法人番号", _listed(unowned)))
    people = [
        f"{person['name']}（{person['title']}）" if person.get("title") else person["name"]
        for person in facts.get("people") or []
    ]
    if people:
        lines.append(("人物", _listed(people)))
    dates = list(facts.get("dates") or []) + [f"{item['date']}（{item['phrase']}）" for item in facts.get("resolved_dates") or []]
    if dates:
        lines.append(("日付", _listed(dates)))
    if facts.get("districts"):
        lines.append(("選挙区", _listed(facts["districts"])))
    if facts.get("figures"):
        lines.append(("数値", _listed(f"{figure['label']} {figure['count']:,}" for figure in facts["figures"])))
    return lines


def _listed(values) -> str:
    values = list(values)
    shown = "、".join(str(value) for value in values[:_MAX_LISTED])
    return shown + (f" ほか{len(values) - _MAX_LISTED}件" if len(values) > _MAX_LISTED else "")
