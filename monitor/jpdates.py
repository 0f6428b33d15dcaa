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
# A complete date in one of the forms the press writes: 令和6年2月9日 (元年 too), 2024年2月9日,
# 2024/2/9 and R6.2.9. Named groups, so a larger pattern can embed it (monitor.facts.dates).
FULL_DATE = (
    rf"(?P<era>{ERA_PATTERN})\s*(?P<ey>[0-9]{{1,2}}|元)\s*年\s*(?P<em>[0-9]{{1,2}})\s*月\s*(?P<ed>[0-9]{{1,2}})\s*日"
    r"|(?P<wy>(?:19|20)[0-9]{2})\s*年\s*(?P<wm>[0-9]{1,2})\s*月\s*(?P<wd>[0-9]{1,2})\s*日"
    r"|(?<![0-9])(?P<ny>(?:19|20)[0-9]{2})[/.-](?P<nm>[0-9]{1,2})[/.-](?P<nd>[0-9]{1,2})(?![0-9])"
    r"|(?<![A-Za-z])(?P<le>[MTSHR])\s*(?P<ly>[0-9]{1,2})\.(?P<lm>[0-9]{1,2})\.(?P<ld>[0-9]{1,2})(?![0-9])"
)
_FULL_DATE = re.compile(FULL_DATE)
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
    for match in _FULL_DATE.finditer(text):
        day = full_date(match)
        if day is not None:
            return day
    return None


def full_date(match: re.Match[str]) -> date | None:
    """The date a FULL_DATE match names; None when it does not exist (平成31年5月1日, 2月30日)."""
    try:
        if match["era"]:
            return era_date(match["era"], era_number(match["ey"]), int(match["em"]), int(match["ed"]))
        if match["wy"]:
            return date(int(match["wy"]), int(match["wm"]), int(match["wd"]))
        if match["ny"]:
            return date(int(match["ny"]), int(match["nm"]), int(match["nd"]))
        return era_date(ERA_LETTERS[match["le"]], int(match["ly"]), int(match["lm"]), int(match["ld"]))
    except ValueError:
        return None


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
