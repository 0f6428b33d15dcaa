"""Identifiers written in the text: 法人番号 (corporate numbers) and electoral districts."""

from __future__ import annotations

import re
from dataclasses import dataclass

_THIRTEEN_DIGITS = re.compile(r"(?<![0-9])([0-9]{13})(?![0-9])")
_PREFECTURES = (
    "北海道|青森|岩手|宮城|秋田|山形|福島|茨城|栃木|群馬|埼玉|千葉|東京|神奈川|新潟|富山|石川|福井|山梨|長野|岐阜|静岡|愛知|"
    "三重|滋賀|京都|大阪|兵庫|奈良|和歌山|鳥取|島根|岡山|広島|山口|徳島|香川|愛媛|高知|福岡|佐賀|長崎|熊本|大分|宮崎|鹿児島|沖縄"
)
_PR_BLOCKS = "北海道|東北|北関東|南関東|東京|北陸信越|東海|近畿|中国|四国|九州"
_DISTRICT = re.compile(rf"(?:{_PREFECTURES})[都道府県]?[0-9]{{1,2}}区|比例(?:代表)?(?:{_PR_BLOCKS})(?:ブロック)?")


@dataclass(frozen=True)
class RejectedNumber:
    number: str
    reason: str


def check_digit(twelve: str) -> int:
    """法人番号 check digit: 9 - (Σ P_n × Q_n mod 9), P_n the n-th digit from the right, Q_n 1 (odd n) or 2 (even n)."""
    total = sum(int(digit) * (1 if position % 2 else 2) for position, digit in enumerate(reversed(twelve), start=1))
    return 9 - total % 9


def extract_corporate_numbers(text: str) -> tuple[list[str], list[RejectedNumber]]:
    """Valid 13-digit 法人番号, and the 13-digit numbers rejected with the reason."""
    valid: list[str] = []
    rejected: list[RejectedNumber] = []
    for number in dict.fromkeys(_THIRTEEN_DIGITS.findall(text)):
        expected = check_digit(number[1:])
        if int(number[0]) == expected:
            valid.append(number)
        else:
            rejected.append(RejectedNumber(number, f"check digit {number[0]}, expected {expected}"))
    return valid, rejected


_OWNER_WINDOW = 40  # characters before a number in which its company's name is looked for


def corporate_number_owners(text: str, numbers: list[str], organizations: list[str]) -> dict[str, str]:
    """Number → the organization named just before it, as in 北陸通信サービス株式会社（法人番号 8220001012345）.

    A number with no organization ending within a short window before it has no owner: a list of
    numbers apart from the names is not guessed at.
    """
    owners: dict[str, str] = {}
    for number in numbers:
        position = text.find(number)
        window_start = max(0, position - _OWNER_WINDOW)
        window = text[window_start:position]
        candidates = [(window.rfind(name) + len(name), name) for name in organizations if name in window]
        if candidates:
            owners[number] = max(candidates)[1]
    return owners


def extract_districts(text: str) -> list[str]:
    """Electoral districts as written: 石川3区, 比例東海."""
    return list(
        dict.fromkeys(match.group(0).replace("比例代表", "比例").removesuffix("ブロック") for match in _DISTRICT.finditer(text))
    )
