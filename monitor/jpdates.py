"""Japanese dates and times: era years (和暦), JST wall-clock times, and feed timestamps.

Times are stored in UTC and shown in Asia/Tokyo. Sources write JST without an offset (NHK's
``<time datetime>``, MIC's list dates), so a naive time read from a page is JST.
"""

from __future__ import annotations

import re
from datetime import date, datetime, timezone
from email.utils import parsedate_to_datetime
from functools import lru_cache
from zoneinfo import ZoneInfo

JST = ZoneInfo("Asia/Tokyo")

# First day of each era; year n of an era is start.year + n - 1 (元年 = 1).
ERA_STARTS: dict[str, date] = {
    "明治": date(1868, 10, 23),
    "大正": date(1912, 7, 30),
    "昭和": date(1926, 12, 25),
    "平成": date(1989, 1, 8),
    "令和": date(2019, 5, 1),
}
ERA_LETTERS = {"M": "明治", "T": "大正", "S": "昭和", "H": "平成", "R": "令和"}
_ERA_ORDER = list(ERA_STARTS)

ERA_PATTERN = "|".join(ERA_STARTS)
_ERA_DATE = re.compile(rf"({ERA_PATTERN})\s*([0-9]{{1,2}}|元)\s*年\s*([0-9]{{1,2}})\s*月\s*([0-9]{{1,2}})\s*日")
_WESTERN_DATE = re.compile(r"((?:19|20)[0-9]{2})\s*年\s*([0-9]{1,2})\s*月\s*([0-9]{1,2})\s*日")
_NUMERIC_DATE = re.compile(r"(?<![0-9])((?:19|20)[0-9]{2})[/.-]([0-9]{1,2})[/.-]([0-9]{1,2})(?![0-9])")
_LETTER_DATE = re.compile(r"(?<![A-Za-z])([MTSHR])\s*([0-9]{1,2})\.([0-9]{1,2})\.([0-9]{1,2})(?![0-9])")
_TIME = re.compile(r"([0-9]{1,2})\s*(?:時|:)\s*([0-9]{1,2})\s*分?")


def era_year(era: str, year_in_era: int) -> int:
    """Western year of ``year_in_era`` of ``era`` (no range check)."""
    return ERA_STARTS[era].year + year_in_era - 1


def era_date(era: str, year_in_era: int, month: int, day: int) -> date:
    """The date of an era date; ValueError when it does not exist (平成31年5月1日, 令和元年4月30日)."""
    if year_in_era < 1:
        raise ValueError(f"{era}{year_in_era}年 does not exist")
    result = date(era_year(era, year_in_era), month, day)
    following = _ERA_ORDER.index(era) + 1
    end = ERA_STARTS[_ERA_ORDER[following]] if following < len(_ERA_ORDER) else None
    if result < ERA_STARTS[era] or (end is not None and result >= end):
        raise ValueError(f"{era}{year_in_era}年{month}月{day}日 is outside the {era} era")
    return result


def era_number(text: str) -> int:
    return 1 if text == "元" else int(text)


@lru_cache(maxsize=4096)
def parse_jp_date(text: str) -> date | None:
    """The first complete date in ``text`` (era, western, numeric or R6.12.3 form); NFKC-normalized input.

    Cached: list pages repeat the same date cells."""
    found: list[tuple[int, date]] = []
    for match in _ERA_DATE.finditer(text):
        try:
            found.append((match.start(), era_date(match[1], era_number(match[2]), int(match[3]), int(match[4]))))
        except ValueError:
            continue
    for pattern in (_WESTERN_DATE, _NUMERIC_DATE):
        for match in pattern.finditer(text):
            try:
                found.append((match.start(), date(int(match[1]), int(match[2]), int(match[3]))))
            except ValueError:
                continue
    for match in _LETTER_DATE.finditer(text):
        try:
            era = ERA_LETTERS[match[1]]
            found.append((match.start(), era_date(era, int(match[2]), int(match[3]), int(match[4]))))
        except ValueError:
            continue
    return min(found, key=lambda pair: pair[0])[1] if found else None


def parse_jp_datetime(text: str) -> datetime | None:
    """A JST date with an optional time after it (``2026年7月8日6:23``, ``2024年12月5日 16時00分``), as UTC."""
    day = parse_jp_date(text)
    if day is None:
        return None
    time_match = _TIME.search(text.split("日", 1)[-1])
    hour, minute = (int(time_match[1]), int(time_match[2])) if time_match else (0, 0)
    if hour > 23 or minute > 59:
        hour, minute = 0, 0
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=JST).astimezone(timezone.utc)


_BROKEN_ISO_ZULU = re.compile(r"^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}):Z$")


def parse_timestamp(text: str | None) -> datetime | None:
    """A feed or page timestamp as UTC: ISO 8601 (tolerating e-Gov's ``…T15:00:Z``), RFC 822, or a JST date."""
    if not text:
        return None
    value = _BROKEN_ISO_ZULU.sub(r"\1Z", text.strip())
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        parsed = None
    if parsed is None:
        try:
            parsed = parsedate_to_datetime(value)
        except (TypeError, ValueError, IndexError):
            return parse_jp_datetime(value)
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=JST)
    return parsed.astimezone(timezone.utc)


@lru_cache(maxsize=4096)
def jst_date_start(day: date) -> datetime:
    """Midnight JST of ``day``, as UTC."""
    return datetime(day.year, day.month, day.day, tzinfo=JST).astimezone(timezone.utc)


def format_jst(moment: datetime | None) -> str:
    return moment.astimezone(JST).strftime("%Y-%m-%d %H:%M JST") if moment else "-"


def utcnow() -> datetime:
    return datetime.now(timezone.utc)
