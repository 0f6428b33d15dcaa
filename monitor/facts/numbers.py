"""Japanese numerals: arabic digits (with thousands separators), kanji digits and the myriad units
万 (10^4), 億 (10^8), 兆 (10^12), mixed as the press writes them (1億5000万, 百万, 三百五十万, 1.5億).
Input is NFKC-normalized text (full-width digits already half-width)."""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

_KANJI_DIGITS = {
    "〇": 0,
    "零": 0,
    "一": 1,
    "二": 2,
    "三": 3,
    "四": 4,
    "五": 5,
    "六": 6,
    "七": 7,
    "八": 8,
    "九": 9,
    "壱": 1,
    "弐": 2,
}
_SMALL_UNITS = {"十": 10, "百": 100, "千": 1000}
_LARGE_UNITS = {"万": 10**4, "億": 10**8, "兆": 10**12}
DIGIT_CHARS = "0-9,.〇零一二三四五六七八九壱弐十百千"
# A numeral: groups of digits or kanji, each closed by 万/億/兆 but the last. Written so that a long
# run of digits has one way to match: (?:[0-9]+万?)+ would backtrack exponentially where it fails.
NUMERAL = rf"(?:[{DIGIT_CHARS}]+[兆億万])*[{DIGIT_CHARS}]+[兆億万]?"
_NUMERAL_GROUP = re.compile(rf"([{DIGIT_CHARS}]*)([兆億万]?)")


def parse_numeral(text: str) -> int | None:
    """The value of a numeral such as ``1億5000万``, ``百万``, ``1,279`` or ``1.5億``; None if malformed."""
    total = Decimal(0)
    seen_large: list[int] = []
    for digits, unit in _NUMERAL_GROUP.findall(text):
        if not digits and not unit:
            continue
        value = _small_number(digits) if digits else Decimal(1)
        if value is None:
            return None
        multiplier = _LARGE_UNITS.get(unit, 1)
        if seen_large and multiplier >= seen_large[-1]:
            return None  # 5万3億: units must descend
        if unit:
            seen_large.append(multiplier)
        total += value * multiplier
    return int(total) if total == total.to_integral_value() else int(total)


def _small_number(digits: str) -> Decimal | None:
    """A number below 10,000: arabic (1,279 / 12.5) or kanji (三百五十, 千二百)."""
    if re.fullmatch(r"[0-9][0-9,]*(\.[0-9]+)?|\.[0-9]+", digits):
        if "," in digits and not re.fullmatch(r"[0-9]{1,3}(,[0-9]{3})*(\.[0-9]+)?", digits):
            return None
        try:
            return Decimal(digits.replace(",", ""))
        except InvalidOperation:
            return None
    value, current = 0, 0
    for char in digits:
        if char in _KANJI_DIGITS:
            current = current * 10 + _KANJI_DIGITS[char]
        elif char in _SMALL_UNITS:
            value += (current or 1) * _SMALL_UNITS[char]
            current = 0
        elif char.isdigit():
            current = current * 10 + int(char)
        else:
            return None
    return Decimal(value + current)
