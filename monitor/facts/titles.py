"""Titles of people as the press writes them, read from the end of a run of tokens.

A title is a head (知事, 社長, 総務相, 衆院議員, 裁判長, 米大統領…) with the qualifiers written
before it: 元/前/副, the portfolio (文部科学相, 消費者担当相), the place (石川県知事, 豊田市長,
元石川県小松市議) or the body (東京大学教授, 日本製鉄名誉会長). Honorifics and legal roles (氏,
さん, 容疑者, 被告) end a name with no title.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from monitor.facts.tokens import Token

# 長 closes a title after the unit it heads: 市長, 社長, 会長, 局長, 本部長, 委員長, 学長.
_TITLE_HEAD = re.compile(
    r"(?:大臣|政務官|長官|首相|総理|相|知事|議員|[県市町村都府道区]議|議長|取締役|監査役|執行役員|専務|常務|頭取|会頭|"
    r"総裁|幹事長|書記長|代表|党首|理事|教授|裁判長|裁判官|判事|検事正|検事総長|大統領|国務長官|主席|座長|"
    r"CEO|COO|CFO|最高経営責任者|"
    r"(?:[市町村区社会局部課室署所院園校団館隊]|委員|本部|支部|事務局|議|学|組合)長)$"
)
# A title written right after a name that is unmistakably a person's (代表 or 監督 may follow a team,
# and a place before 市長 names the city, not a person).
_LOCAL_HEADS = re.compile(r"(?:知事|[市町村区]長|[県市町村都府道区]議)$")
_FOREIGN_HEADS = re.compile(r"(?:大統領|首相|外相|国務長官|主席)$")
_NO_TITLE = frozenset({"氏", "さん", "様", "君", "容疑者", "被告", "被告人", "受刑者", "死刑囚"})
_PLURAL = frozenset({"ら", "等"})
# One-character words that belong to the title before them: 元首相, 前市長, 副総裁, 米大統領.
_TITLE_PREFIXES = frozenset("元前現新副総故旧米中露韓英仏独朝") | frozenset("県市町村区都府道")
_UNITS = "県市町村区都府道"
_KANJI_WORD = re.compile(r"[\u4e00-\u9fff々]{2,}")  # 総務, 文部, 消費者 (katakana before a title is a name: トランプ)


def no_title(token: Token) -> bool:
    return token.surface in _NO_TITLE


def before_plural(tokens: Sequence[Token]) -> Sequence[Token]:
    """佐々木隆社長ら取締役7人 → 佐々木隆社長: ら closes the mention it follows."""
    end = next((i for i, token in enumerate(tokens) if i > 0 and token.surface in _PLURAL), len(tokens))
    return tokens[:end]


def split_title(word: str) -> tuple[str, str] | None:
    """トランプ大統領, a name and title Sudachi reads as one word → (トランプ, 大統領)."""
    head = _TITLE_HEAD.search(word)
    return (word[: head.start()], head.group(0)) if head and head.start() >= 2 else None


def title_start(tokens: Sequence[Token]) -> int | None:
    """Where the title closing ``tokens`` starts (an index), or None when they end in no title."""
    text = "".join(token.surface for token in tokens)
    head = _TITLE_HEAD.search(text)
    if head is None or head.start() == 0 and text in ("相", "長"):
        return None
    offset = tokens[0].start + head.start()
    start = next(i for i, token in enumerate(tokens) if token.start <= offset < token.end)
    while start > 0 and _qualifies_title(tokens, start - 1):
        start -= 1
    return start


def is_title(tokens: Sequence[Token]) -> bool:
    """The tokens are a title and nothing else (総支部長, 元社長, 代表取締役社長)."""
    return bool(tokens) and title_start(tokens) == 0


def personal(title: str) -> bool:
    """A title that can follow a surname alone (岸田総理大臣) where a place could not be meant."""
    return not _LOCAL_HEADS.search(title) and not title.endswith(("代表", "監督", "座長"))


def foreign(title: str) -> bool:
    return bool(_FOREIGN_HEADS.search(title))


def _qualifies_title(tokens: Sequence[Token], index: int) -> bool:
    """Whether token ``index`` belongs to the title that the next token starts (石川県|知事, 文部|科学|相)."""
    token, following = tokens[index], tokens[index + 1]
    if token.person_name:
        return False
    if token.surface in _TITLE_PREFIXES:
        return True
    if token.place:  # 石川県知事, 豊田市長, 小松市議: a place is part of a title it governs
        return token.surface[-1] in _UNITS or following.surface[0] in _UNITS
    if token.named_entity:  # 東京大学教授, 日本製鉄名誉会長; but 宍戸|常寿 is a misread given name
        return not (index > 0 and tokens[index - 1].surname)
    return token.common_noun and _KANJI_WORD.fullmatch(token.surface) is not None
