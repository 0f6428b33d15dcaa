"""Dates in a text.

``dates``: dates written with year, month and day in one expression (令和6年2月9日, 2024年2月9日,
2024/2/9, R6.2.9, 令和元年…), and the dates that continue one: a range or list (令和6年1月19日から
2月9日まで, 2024年1月19日~31日) and 同年 / 同月.

``resolved_dates``: dates of relative or year-less expressions (きのう, 本日, おととし, 3年前の10月4日,
先月26日, 2月13日) resolved against the item's publication date (JST), each with its phrase. A
year or a month alone resolves to ``YYYY`` or ``YYYY-MM``.
Input is NFKC-normalized text.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date, timedelta

from monitor.jpdates import ERA_LETTERS, FULL_DATE, full_date

_RELATIVE_YEAR = r"(?P<ago>[0-9]{1,2})年前の|(?P<ry>おととし|一昨年|去年|昨年|ことし|今年|本年|来年)の?"
_RELATIVE_MONTH = r"(?P<rm>先月|今月|来月)"
_PARTIAL = (
    rf"(?P<same_year>同年)?(?:{_RELATIVE_YEAR})?(?P<m>[0-9]{{1,2}})\s*月(?:\s*(?P<d>[0-9]{{1,2}})\s*日)?"
    rf"|(?P<same_month>同月)?(?:{_RELATIVE_MONTH})?(?P<dd>[0-9]{{1,2}})\s*日(?![間本])"
)
_DAY_WORDS = {
    "おととい": -2,
    "一昨日": -2,
    "きのう": -1,
    "昨日": -1,
    "きょう": 0,
    "今日": 0,
    "本日": 0,
    "けさ": 0,
    "あす": 1,
    "あした": 1,
    "明日": 1,
    "あさって": 2,
    "明後日": 2,
}
_MONTH_WORDS = {"先月": -1, "今月": 0, "来月": 1}
_YEAR_WORDS = {"おととし": -2, "一昨年": -2, "去年": -1, "昨年": -1, "ことし": 0, "今年": 0, "本年": 0, "来年": 1}
_RELATIVE_WORDS = "|".join(sorted([*_DAY_WORDS, *_YEAR_WORDS], key=len, reverse=True))
_AGO = r"(?P<n>[0-9]{1,3})(?P<unit>日|年)前(?!の?[0-9])|(?P<month_word>先月|今月|来月)(?![0-9])"
# The lookahead lets the scan skip, in one step, every position where no date can start.
_FIRST_CHARS = "0-9" + "".join(
    sorted(
        {era[0] for era in ERA_LETTERS.values()} | set("MTSHR同先今来") | {w[0] for w in _DAY_WORDS} | {w[0] for w in _YEAR_WORDS}
    )
)
_TOKEN = re.compile(
    rf"(?=[{_FIRST_CHARS}])(?:(?P<full>{FULL_DATE})|(?P<partial>{_PARTIAL})|(?P<word>{_RELATIVE_WORDS})|(?P<ago_only>{_AGO}))"
)
# Between a date and the one that continues it (a range or a list).
_CONTINUES = re.compile(r"^\s*(?:から|~|-|・|、|,|及び|および|並びに|と|または|又は|ないし|より)\s*$")
# A year word that is part of a longer expression, not a date of its own.
_NOT_A_YEAR = re.compile(r"^(?:度|内|中|以降|以来|末|初め|前半|後半|[0-9])")


@dataclass(frozen=True)
class ResolvedDate:
    phrase: str
    date: str  # YYYY-MM-DD, YYYY-MM or YYYY


@dataclass(frozen=True)
class DateMention:
    """A date in the text: where it is written, and its value."""

    start: int
    end: int
    phrase: str
    value: str  # YYYY-MM-DD, YYYY-MM or YYYY
    written: bool  # a full date, or one that continues it (a range, 同年); False: resolved against the publication date


def dates_of(mentions: list[DateMention]) -> tuple[list[str], list[ResolvedDate]]:
    """(dates, resolved_dates) of the mentions ``date_mentions`` found, each once."""
    dates = [mention.value for mention in mentions if mention.written]
    resolved = [ResolvedDate(mention.phrase, mention.value) for mention in mentions if not mention.written]
    return list(dict.fromkeys(dates)), list(dict.fromkeys(resolved))


def date_mentions(text: str, published: date | None = None) -> list[DateMention]:
    """Every date of ``text`` in order; without ``published`` nothing relative is resolved."""
    mentions: list[DateMention] = []
    anchor: date | None = None  # the last date read: what 同年, 同月 and a range continue
    anchor_end = -1
    anchor_resolved = False
    for match in _TOKEN.finditer(text):
        linked = anchor is not None and bool(_CONTINUES.match(text[anchor_end : match.start()]))
        if match["full"]:
            day = full_date(match)
            if day is not None:
                mentions.append(DateMention(match.start(), match.end(), match.group(0), day.isoformat(), True))
                anchor, anchor_end, anchor_resolved = day, match.end(), False
            continue
        if match["word"] or match["ago_only"]:
            found = _relative_word(match, text, published)
            if found is not None:
                mentions.append(DateMention(match.start(), match.end(), found.phrase, found.date, False))
            continue
        continues = linked or bool(match["same_year"] or match["same_month"])
        if continues and anchor is None:
            continue  # 同年 with no year before it refers to nothing we can read
        day, precision = _partial(match, anchor if continues else None, published)
        if day is None:
            continue
        written = continues and not anchor_resolved and precision == 10
        mentions.append(DateMention(match.start(), match.end(), match.group(0), day.isoformat()[:precision], written))
        anchor_resolved = anchor_resolved or not written
        anchor, anchor_end = day, match.end()
    return mentions


def _partial(match: re.Match[str], anchor: date | None, published: date | None) -> tuple[date | None, int]:
    """A year-less expression continuing ``anchor`` (同年, 同月, a range) or resolved against ``published``."""
    if match["m"]:
        month, day = int(match["m"]), int(match["d"]) if match["d"] else None
        if anchor is not None and not (match["ago"] or match["ry"]):
            year = anchor.year
        elif published is None:
            return None, 0
        elif match["ago"]:
            year = published.year - int(match["ago"])
        elif match["ry"]:
            year = published.year + _YEAR_WORDS[match["ry"]]
        else:
            year = _nearest_year(published, month, day or 1)
        return _make(year, month, day)
    day = int(match["dd"])
    if match["rm"] and published is not None:
        month_start = add_months(published.replace(day=1), _MONTH_WORDS[match["rm"]])
        return _make(month_start.year, month_start.month, day)
    if anchor is not None:
        return _make(anchor.year, anchor.month, day)
    return None, 0  # a bare 26日: no month to resolve it with


def _relative_word(match: re.Match[str], text: str, published: date | None) -> ResolvedDate | None:
    if published is None:
        return None
    if match["month_word"]:
        return ResolvedDate(
            match["month_word"], add_months(published.replace(day=1), _MONTH_WORDS[match["month_word"]]).isoformat()[:7]
        )
    if match["ago_only"]:
        count = int(match["n"])
        if match["unit"] == "日":
            return ResolvedDate(match.group(0), (published - timedelta(days=count)).isoformat())
        return ResolvedDate(match.group(0), str(published.year - count))
    word = match["word"]
    if word in _DAY_WORDS:
        return ResolvedDate(word, (published + timedelta(days=_DAY_WORDS[word])).isoformat())
    if _NOT_A_YEAR.match(text[match.end() : match.end() + 2]):
        return None  # 今年度, 昨年末: a period, not a year
    return ResolvedDate(word, str(published.year + _YEAR_WORDS[word]))


def _nearest_year(published: date, month: int, day: int) -> int:
    """A year-less date is in the publication year, unless that puts it more than half a year ahead."""
    try:
        candidate = date(published.year, month, min(day, 28))
    except ValueError:
        return published.year
    return published.year - 1 if (candidate - published).days > 183 else published.year


def _make(year: int, month: int, day: int | None) -> tuple[date | None, int]:
    try:
        return (date(year, month, day), 10) if day else (date(year, month, 1), 7)
    except ValueError:
        return None, 0


def add_months(day: date, months: int) -> date:
    """``day`` ``months`` later (or earlier), on the same day of the month or the month's last."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    return date(year, month + 1, min(day.day, calendar.monthrange(year, month + 1)[1]))
