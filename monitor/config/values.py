"""The kinds of value a setting holds: durations (``30s``, ``1h30m``, ``1d``) with their bounds,
identifiers, and lists of regular expressions checked when the config loads."""

from __future__ import annotations

import math
import re
from typing import Annotated, Any

from pydantic import (
    AfterValidator,
    BeforeValidator,
    Field,
)

from monitor.patterns import check_syntax

_DURATION = re.compile(r"^(?:(\d+(?:\.\d+)?)d)?(?:(\d+(?:\.\d+)?)h)?(?:(\d+(?:\.\d+)?)m)?(?:(\d+(?:\.\d+)?)s)?$")
_SECONDS_PER_UNIT = (86400, 3600, 60, 1)


def parse_duration(value: Any) -> float:
    """Seconds from ``30``, ``"90s"``, ``"10m"``, ``"1h30m"`` or ``"1d"``."""
    if isinstance(value, bool):
        raise ValueError("a duration is a number of seconds or a string such as '30s', '10m', '1h'")
    if isinstance(value, (int, float)):
        if not math.isfinite(value):
            raise ValueError(f"{value!r} is not a duration (use e.g. 30s, 10m, 1h)")
        return float(value)
    match = _DURATION.match(str(value).strip().lower()) if isinstance(value, str) and value.strip() else None
    if not match or not any(match.groups()):
        raise ValueError(f"invalid duration {value!r} (use e.g. 30s, 10m, 1h)")
    return sum(float(part) * unit for part, unit in zip(match.groups(), _SECONDS_PER_UNIT, strict=True) if part)


def _compile_all(patterns: list[str]) -> list[str]:
    for pattern in patterns:
        check_syntax(pattern)
    return patterns


def format_duration(seconds: float) -> str:
    """``90`` → ``1m30s``: how durations read in messages."""
    if seconds < 60 or seconds > 1000 * 86400:
        return f"{seconds:g}s"
    parts = []
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60), ("s", 1)):
        count, seconds = divmod(seconds, size)
        if count:
            parts.append(f"{count:g}{unit}")
    return "".join(parts)


def within(minimum: float, maximum: float) -> AfterValidator:
    """Bounds of a duration field. Every duration has some: an interval of 1e300 seconds would
    overflow the clock at the first poll."""

    def check(seconds: float) -> float:
        if seconds < minimum:
            raise ValueError(f"{format_duration(seconds)} is too short: at least {format_duration(minimum)}")
        if seconds > maximum:
            raise ValueError(f"{format_duration(seconds)} is too long: at most {format_duration(maximum)}")
        return seconds

    return AfterValidator(check)


def _user_agent_safe(text: str) -> str:
    """A text sent in the User-Agent header: a control character would end the line."""
    if text:
        from monitor.http11 import UNSAFE_VALUE  # only then: it brings the HTTP stack

        if UNSAFE_VALUE.search(text.encode()):
            raise ValueError("has control characters: it is sent in the User-Agent header")
    return text


DAY = 86400.0
Seconds = Annotated[float, BeforeValidator(parse_duration)]
RegexList = Annotated[list[str], AfterValidator(_compile_all)]
UserAgentText = Annotated[str, AfterValidator(_user_agent_safe)]
Identifier = Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9_.-]*$", max_length=64)]
