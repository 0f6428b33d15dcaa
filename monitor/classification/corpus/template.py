"""Rendering a frame (frames/*.toml) into a labelled item, with its gold facts.

A frame's title and body are text with slots such as ``{p.name}``, ``{c.name}`` or ``{amount}``.
Each slot draws its value once per item (``{p.surname}`` in the title and ``{p.name}`` in the body
are the same politician; ``{p2.name}`` is another one) and records the fact it writes, so the
annotation never disagrees with the text. The slots are listed in frames/README.md.
"""

from __future__ import annotations

import random
import string
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import cache
from pathlib import Path
from typing import Any

from monitor.facts import FACT_FIELDS
from monitor.facts.identifiers import check_digit
from monitor.jpdates import ERA_STARTS

HERE = Path(__file__).parent
_FULL_WIDTH = str.maketrans("0123456789", "０１２３４５６７８９")
_KANJI_DIGITS = "〇一二三四五六七八九"


class FrameError(ValueError):
    """A frame uses a slot that does not exist."""


@cache
def pools() -> Mapping[str, Any]:
    with (HERE / "pools.toml").open("rb") as handle:
        return tomllib.load(handle)


def full_width(text: str) -> str:
    return text.translate(_FULL_WIDTH)


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


def era_text(day: date) -> str:
    era = max((name for name, start in ERA_STARTS.items() if start <= day), key=lambda name: ERA_STARTS[name])
    year = day.year - ERA_STARTS[era].year + 1
    return f"{era}{'元' if year == 1 else year}年{day.month}月{day.day}日"


@dataclass
class Facts:
    """The gold facts of one item, recorded as its slots are written."""

    values: dict[str, list[Any]] = field(default_factory=lambda: {name: [] for name in FACT_FIELDS})

    def add(self, key: str, value: Any) -> None:
        if value not in self.values[key]:
            self.values[key].append(value)


@dataclass
class Item:
    """One item being written: its random draws, publication date and facts."""

    rng: random.Random
    published: date
    era_dates: bool
    facts: Facts = field(default_factory=Facts)
    drawn: dict[str, Any] = field(default_factory=dict)
    _taken: dict[str, set[int]] = field(default_factory=dict)

    def draw(self, root: str, pool: str) -> Any:
        """The value of slot ``root`` (``p``, ``p2``...) for this item, drawn once from ``pool``;
        ``p`` and ``p2`` are never the same entry."""
        if root not in self.drawn:
            taken = self._taken.setdefault(pool, set())
            index = self.rng.choice([i for i in range(len(pools()[pool])) if i not in taken])
            taken.add(index)
            self.drawn[root] = pools()[pool][index]
        return self.drawn[root]

    def org(self, name: str) -> str:
        self.facts.add("organizations", name)
        return name

    def person(self, name: str, title: str | None) -> str:
        self.facts.add("people", {"name": name, "title": title})
        return name

    def yen(self, amount: int, *, record: bool = True) -> str:
        if record:
            self.facts.add("amounts_jpy", amount)
        cho, rest = divmod(amount, 10**12)
        oku, rest = divmod(rest, 10**8)
        man, ones = divmod(rest, 10**4)
        style = self.rng.random()
        if not (ones or oku or cho) and man < 10000 and style < 0.15:
            return f"{kanji_number(man)}万円"
        if not (ones or oku or cho) and style < 0.3:
            return f"{man:,}万円"
        if style > 0.9 and amount < 10**8:
            return f"{amount:,}円"
        parts = [(cho, "兆"), (oku, "億"), (man, "万"), (ones, "")]
        return "".join(f"{value}{unit}" for value, unit in parts if value) + "円"

    def day(self, value: date, *, record: bool = True) -> str:
        if record:
            self.facts.add("dates", value.isoformat())
        return era_text(value) if self.era_dates else f"{value.year}年{value.month}月{value.day}日"


def corporate_number(rng: random.Random) -> str:
    body = "".join(str(rng.randint(0, 9)) for _ in range(12))
    return f"{check_digit(body)}{body}"


class _Slots(string.Formatter):
    """``{root.attribute}`` → text, via the renderers below."""

    def __init__(self, item: Item) -> None:
        self.item = item

    def get_field(self, field_name: str, args: Any, kwargs: Any) -> tuple[str, str]:
        root, _, attribute = field_name.partition(".")
        base = root.rstrip("0123456789")
        renderer = _RENDERERS.get(base)
        if renderer is None:
            raise FrameError(f"unknown slot {{{field_name}}}; slots: {', '.join(sorted(_RENDERERS))}")
        return renderer(self.item, root, attribute or "text"), field_name


def render(text: str, item: Item) -> str:
    return _Slots(item).format(text)


def _politician(item: Item, root: str, attribute: str) -> str:
    surname, given, prefecture, district, party = item.draw(root, "politicians")
    title = item.drawn.setdefault(f"{root}:title", item.rng.choice(pools()["politician_titles"]))
    name = surname + given
    number = district
    values = {
        "name": lambda: item.person(name, None),
        "name_title": lambda: item.person(name, title) + title,
        "surname": lambda: surname,
        "title": lambda: title,
        "party": lambda: item.org(party),
        "branch": lambda: item.org(f"{party}{_prefecture_name(prefecture)}第{number}選挙区支部"),
        "support": lambda: item.org(f"{name}後援会"),
        "fund": lambda: item.org(f"{surname}政経研究会"),
        "district": lambda: _district(item, f"{prefecture}{number}区"),
        "prefecture": lambda: prefecture,
    }
    return _attribute(values, root, attribute)


def _prefecture_name(short: str) -> str:
    """石川 → 石川県, 北海道 stays, 京都 → 京都府, 東京 → 東京都."""
    return {"北海道": "北海道", "東京": "東京都", "京都": "京都府", "大阪": "大阪府"}.get(short, f"{short}県")


def _local_politician(item: Item, root: str, attribute: str) -> str:
    surname, given, place, level = item.draw(root, "local_politicians")
    title = {"県": "県議会議員", "市": "市議会議員", "町": "町議会議員"}[level]
    assembly = f"{place}{level}議会"
    values = {
        "name": lambda: item.person(surname + given, None),
        "name_title": lambda: item.person(surname + given, title) + title,
        "surname": lambda: surname,
        "title": lambda: title,
        "assembly": lambda: item.org(assembly),
        "place": lambda: place + level,
        "support": lambda: item.org(f"{surname}{given}後援会"),
    }
    return _attribute(values, root, attribute)


def _district(item: Item, name: str) -> str:
    item.facts.add("districts", name)
    return name


def _company(item: Item, root: str, attribute: str, pool: str = "companies") -> str:
    name, short, sector = item.draw(root, pool)
    ceo = item.drawn.setdefault(f"{root}:ceo", item.rng.choice(pools()["executives"]))
    number = item.drawn.setdefault(f"{root}:number", corporate_number(item.rng))
    values = {
        "name": lambda: item.org(name),
        "short": lambda: item.org(short),
        "plain": lambda: short,  # as a reader says it in passing: not recorded as a fact
        "sector": lambda: sector,
        "ceo": lambda: item.person(ceo, "代表取締役社長"),
        "number": lambda: _corporate(item, number),
        "city": lambda: item.drawn.setdefault(f"{root}:city", item.rng.choice(pools()["head_offices"])),
    }
    return _attribute(values, root, attribute)


def _corporate(item: Item, number: str) -> str:
    item.facts.add("corporate_numbers", number)
    return number


def _regulator(item: Item, root: str, attribute: str) -> str:
    name, law, minister, bureau = item.draw(root, "regulators")
    values = {
        "name": lambda: item.org(name),
        "law": lambda: law,
        "minister": lambda: minister,
        "bureau": lambda: item.org(bureau) if bureau else item.org(name),
    }
    return _attribute(values, root, attribute)


def _donor(item: Item, root: str, attribute: str) -> str:
    name = item.draw(root, "builders")
    return _attribute({"text": lambda: item.org(name), "plain": lambda: name}, root, attribute)


def _amount(item: Item, root: str, attribute: str) -> str:
    yen = item.drawn.setdefault(root, item.rng.choice(pools()["amounts"]) * 10**4)
    return _attribute({"text": lambda: item.yen(yen), "count_man": lambda: f"{yen // 10**4:,}"}, root, attribute)


def _date(item: Item, root: str, attribute: str) -> str:
    value = item.drawn.setdefault(root, item.published - timedelta(days=item.rng.randint(0, 120)))
    values = {
        "text": lambda: item.day(value),
        "month_day": lambda: f"{value.month}月{value.day}日",
        "year": lambda: f"{value.year}年" if not item.era_dates else era_text(value).split("年")[0] + "年",
    }
    return _attribute(values, root, attribute)


def _today(item: Item, root: str, attribute: str) -> str:
    return _attribute({"text": lambda: item.day(item.published)}, root, attribute)


def _number(item: Item, root: str, attribute: str) -> str:
    low, high = {"count": (2, 40), "percent": (12, 96), "share": (2, 9)}[root.rstrip("0123456789")]
    value = item.drawn.setdefault(root, item.rng.randint(low, high))
    return _attribute({"text": lambda: str(value)}, root, attribute)


def _survey(item: Item, root: str, attribute: str) -> str:
    """Figures of a survey of local governments: 47 prefectures and 1,741 municipalities."""
    drawn = item.drawn.setdefault(root, (item.rng.randint(28, 46), item.rng.randint(900, 1600), item.rng.randint(400, 1300)))
    prefectures, municipalities, assistants = drawn
    values = {
        "prefectures": lambda: str(prefectures),
        "prefectures_not": lambda: str(47 - prefectures),
        "municipalities": lambda: f"{municipalities:,}",
        "municipalities_not": lambda: f"{1741 - municipalities:,}",
        "assistants": lambda: f"{assistants:,}",
        "rate": lambda: f"{municipalities / 1741 * 100:.1f}",
        "rate_prefectures": lambda: f"{prefectures / 47 * 100:.1f}",
    }
    return _attribute(values, root, attribute)


def _place(pool: str, record: bool = False) -> Any:
    def renderer(item: Item, root: str, attribute: str) -> str:
        name = item.draw(root, pool)
        return _attribute({"text": lambda: item.org(name) if record else name}, root, attribute)

    return renderer


def _named_org(item: Item, root: str, attribute: str) -> str:
    """``{org.総務省}``: a fixed name the frame needs, recorded as an organization."""
    if attribute == "text":
        raise FrameError("{org} needs a name: {org.総務省}")
    return item.org(attribute)


def _attribute(values: Mapping[str, Any], root: str, attribute: str) -> str:
    if attribute not in values:
        raise FrameError(f"unknown slot {{{root}.{attribute}}}; {root} has {', '.join(sorted(values))}")
    return str(values[attribute]())


_RENDERERS = {
    "p": _politician,
    "lp": _local_politician,
    "c": _company,
    "bank": lambda item, root, attribute: _company(item, root, attribute, "banks"),
    "reg": _regulator,
    "donor": _donor,
    "amount": _amount,
    "date": _date,
    "today": _today,
    "count": _number,
    "percent": _number,
    "share": _number,
    "survey": _survey,
    "city": _place("cities"),
    "pref": _place("prefectures"),
    "media": _place("media", record=True),
    "org": _named_org,
}
