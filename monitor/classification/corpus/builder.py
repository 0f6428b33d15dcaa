"""A document under construction whose gold facts are recorded as its text is written.

Frames call ``doc.org(...)``, ``doc.amount(...)``, ``doc.date(...)`` and so on: each returns the
text to insert and records the fact, so the annotation can never disagree with the text.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from monitor.facts import FACT_FIELDS
from monitor.jpdates import ERA_STARTS

_FULL_WIDTH = str.maketrans("0123456789", "０１２３４５６７８９")
_KANJI_DIGITS = "〇一二三四五六七八九"


def era_text(day: date) -> str:
    era = max((name for name, start in ERA_STARTS.items() if start <= day), key=lambda name: ERA_STARTS[name])
    year = day.year - ERA_STARTS[era].year + 1
    return f"{era}{'元' if year == 1 else year}年{day.month}月{day.day}日"


def kanji_number(value: int) -> str:
    """Kanji numerals below 10,000 (三百五十, 千二百)."""
    parts = []
    for unit_value, unit in ((1000, "千"), (100, "百"), (10, "十")):
        digit, value = divmod(value, unit_value)
        if digit:
            parts.append(("" if digit == 1 else _KANJI_DIGITS[digit]) + unit)
    if value:
        parts.append(_KANJI_DIGITS[value])
    return "".join(parts)


@dataclass
class Doc:
    rng: random.Random
    published: date
    era_dates: bool
    facts: dict[str, list[Any]] = field(default_factory=lambda: {name: [] for name in FACT_FIELDS})

    def _add(self, key: str, value: Any) -> None:
        if value not in self.facts[key]:
            self.facts[key].append(value)

    def org(self, name: str) -> str:
        self._add("organizations", name)
        return name

    def person(self, name: str, title: str | None = None, *, written: str | None = None) -> str:
        self._add("people", {"name": name.replace(" ", ""), "title": title})
        return written or name

    def district(self, name: str) -> str:
        self._add("districts", name)
        return name

    def corporate(self, number: str) -> str:
        self._add("corporate_numbers", number)
        return number

    def figure(self, label: str, count: int) -> int:
        self._add("figures", {"label": label, "count": count})
        return count

    def amount(self, yen: int, *, approximate: bool = False) -> str:
        self._add("amounts_jpy", yen)
        return ("約" if approximate else "") + self.yen_text(yen)

    def yen_text(self, yen: int) -> str:
        cho, rest = divmod(yen, 10**12)
        oku, rest = divmod(rest, 10**8)
        man, ones = divmod(rest, 10**4)
        style = self.rng.random()
        if not (ones or oku or cho) and man and style < 0.15:
            return f"{kanji_number(man)}万円"
        if not (ones or oku or cho) and man and style < 0.3:
            return f"{man:,}万円"
        parts = [(cho, "兆"), (oku, "億"), (man, "万"), (ones, "")]
        return "".join(f"{value}{unit}" for value, unit in parts if value) + "円"

    def date(self, day: date, *, era: bool | None = None) -> str:
        self._add("dates", day.isoformat())
        return era_text(day) if (self.era_dates if era is None else era) else f"{day.year}年{day.month}月{day.day}日"

    def month_day(self, day: date) -> str:
        """A date written without its year (continuing a full date, or resolved against publication)."""
        return f"{day.month}月{day.day}日"

    def relative(self, phrase: str, resolved: str) -> str:
        self._add("resolved_dates", {"phrase": phrase, "date": resolved})
        return phrase

    def pick(self, *options: str) -> str:
        return self.rng.choice(options)

    def month_offset(self, months: int) -> str:
        """YYYY-MM of the month ``months`` away from publication (先月 = -1)."""
        index = self.published.year * 12 + self.published.month - 1 + months
        return f"{index // 12:04d}-{index % 12 + 1:02d}"

    def days_before(self, days: int) -> date:
        return self.published - timedelta(days=days)


def full_width(text: str) -> str:
    return text.translate(_FULL_WIDTH)
