"""The facts of an alert as short lines a reader scans: the same text on every channel."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

_MAX_LISTED = 6
_WEEKDAYS = "月火水木金土日"


def yen(value: int) -> str:
    """3000000 → 300万円, 150000000 → 1億5000万円, 1100 → 1,100円."""
    return _japanese_number(value) + "円"


def figure(value: Mapping[str, Any]) -> str:
    """{"what": "CIOを任命している都道府県", "value": 38, "unit": "団体", "of": 47} → CIOを任命している
    都道府県 38団体（47のうち）; 約928万件 when approximate."""
    count = ("約" if value.get("approximate") else "") + _japanese_number(value["value"]) + value["unit"]
    total = f"（{_japanese_number(value['of'])}のうち）" if value.get("of") else ""
    what = value.get("what") or ""
    return f"{what} {count}{total}" if what and what != value["unit"] else count + total


def _japanese_number(value: int) -> str:
    """9280000 → 928万, 124352000 → 1億2435万2000, 1279 → 1,279."""
    cho, rest = divmod(value, 10**12)
    oku, rest = divmod(rest, 10**8)
    man, ones = divmod(rest, 10**4)
    if not (cho or oku or man):
        return f"{ones:,}"
    parts = [f"{cho}兆" if cho else "", f"{oku}億" if oku else "", f"{man}万" if man else "", str(ones) if ones else ""]
    return "".join(parts)


def day_text(day: date) -> str:
    """2024年2月9日(金)"""
    return f"{day.year}年{day.month}月{day.day}日({_WEEKDAYS[day.weekday()]})"


def fact_lines(facts: Mapping[str, Any], published: date | None = None) -> list[tuple[str, str]]:
    """(label, text) pairs for the facts present, most useful first; ``published``: the item's
    publication day, which the meta line shows already and the date list leaves out."""
    lines: list[tuple[str, str]] = []
    deadlines = facts.get("deadlines") or []
    if deadlines:
        lines.append(("期限", _listed(_deadline(deadline) for deadline in deadlines)))
    if facts.get("amounts_jpy"):
        lines.append(("金額", _listed(yen(value) for value in facts["amounts_jpy"])))
    owners = facts.get("corporate_number_owners") or {}
    numbered = {organization: number for number, organization in owners.items()}
    organizations = facts.get("organizations") or []
    # Facts stored before businesses were told apart: a name with its 法人番号 is one.
    businesses = set(facts["businesses"] if "businesses" in facts else numbered)
    named = [f"{name}（法人番号 {numbered[name]}）" if name in numbered else name for name in organizations if name in businesses]
    if named:
        lines.append(("事業者", _listed(named)))
    unowned = [number for number in facts.get("corporate_numbers") or [] if number not in owners]
    if unowned:
        lines.append(("法人番号", _listed(unowned)))
    people = [
        f"{person['name']}（{person['title']}）" if person.get("title") else person["name"]
        for person in facts.get("people") or []
    ]
    if people:
        lines.append(("人物", _listed(people)))
    others = [name for name in organizations if name not in businesses]
    if others:
        lines.append(("組織", _listed(others)))
    figures = facts.get("figures") or []
    for label, chosen in (
        ("調査の数値", [f for f in figures if _surveyed(f)]),
        ("件数", [f for f in figures if not _surveyed(f)]),
    ):
        if chosen:
            lines.append((label, _listed(figure(value) for value in chosen)))
    dates = _other_dates(facts, published, {deadline.get("date") for deadline in deadlines})
    if dates:
        lines.append(("日付", _listed(dates)))
    if facts.get("districts"):
        lines.append(("選挙区", _listed(facts["districts"])))
    return lines


def _deadline(deadline: Mapping[str, Any]) -> str:
    """報告期限 2024年3月8日(金); a period as written beside the day it ends on, when known."""
    if not deadline.get("date"):
        return f"{deadline['label']} {deadline['phrase']}"
    day = day_text(date.fromisoformat(deadline["date"]))
    written_as_period = "以内" in deadline["phrase"]
    return f"{deadline['label']} {day}" + (f"（公表から{deadline['phrase']}）" if written_as_period else "")


def _surveyed(value: Mapping[str, Any]) -> bool:
    """A survey's figure: a share of a whole (38 of 47 prefectures) or a table's count of bodies."""
    return bool(value.get("of")) or value.get("unit") == "団体"


def _other_dates(facts: Mapping[str, Any], published: date | None, deadline_days: set[str | None]) -> list[str]:
    """The full dates that are neither a deadline nor the publication day, each once; a relative
    date with the words it was written as (2024年2月14日(水)（きのう）)."""
    skipped = deadline_days | ({published.isoformat()} if published else set())
    shown: dict[str, str] = {}
    for value in facts.get("dates") or []:
        if len(value) == 10 and value not in skipped:
            shown.setdefault(value, day_text(date.fromisoformat(value)))
    for resolved in facts.get("resolved_dates") or []:
        value = resolved["date"]
        if len(value) == 10 and value not in skipped and value not in shown:
            shown[value] = f"{day_text(date.fromisoformat(value))}（{resolved['phrase']}）"
    return list(shown.values())


def _listed(values) -> str:
    values = list(values)
    shown = "、".join(str(value) for value in values[:_MAX_LISTED])
    return shown + (f" ほか{len(values) - _MAX_LISTED}件" if len(values) > _MAX_LISTED else "")
