"""Yen amounts: every amount in the text as an integer, deduplicated, in order of appearance.

300万円, 1億5000万円, 百万円, 約120万円 (at face value), ¥1,000, and both ends of a range
(300万～500万円, 300万円から500万円) where the first end borrows the second's 円. Counts such as
約120万件 or 3万人 are not yen: only a numeral followed by 円 (or after ¥) is.
"""

from __future__ import annotations

import re

from monitor.facts.numbers import NUMERAL, parse_numeral

# Read backwards from each 円 (or forwards from ¥): only those places are tried.
_YEN_MARK = re.compile(r"円|[¥￥]")
_BEFORE_YEN = re.compile(rf"(?<![0-9A-Za-z.])({NUMERAL})\s*$")
_AFTER_YEN_SIGN = re.compile(r"\s*([0-9][0-9,]*)")
_RANGE_START = re.compile(rf"({NUMERAL})\s*(?:~|-|から|ないし|以上)\s*$")
_VAGUE = re.compile(r"[数何]$")
_LOOKBEHIND = 40


def extract_amounts(text: str) -> list[int]:
    found: list[int] = []
    for mark in _YEN_MARK.finditer(text):
        if mark.group(0) == "円":
            window = text[max(0, mark.start() - _LOOKBEHIND) : mark.start()]
            match = _BEFORE_YEN.search(window)
            if match is None or _VAGUE.search(window[: match.start()]):
                continue  # no numeral, or 数百万円: no amount to report
            numeral, before = match.group(1), window[: match.start()]
        else:
            match = _AFTER_YEN_SIGN.match(text, mark.end())
            if match is None:
                continue
            numeral, before = match.group(1), ""
        value = parse_numeral(numeral)
        if value is None or value == 0:
            continue
        start = _RANGE_START.search(before)
        if start:
            low = parse_numeral(start.group(1))
            if low is not None and low > 0:
                found.append(_scaled_like(low, start.group(1), numeral))
        found.append(value)
    return list(dict.fromkeys(found))


def _scaled_like(low: int, low_text: str, high_text: str) -> int:
    """300～500万円: the first end has no unit of its own, so it takes the second's (万)."""
    if low_text[-1].isdigit() and high_text[-1] in "万億兆":
        return parse_numeral(low_text + high_text[-1]) or low
    return low
