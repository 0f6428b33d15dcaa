"""Runs: maximal sequences of adjacent noun-like tokens, the compounds that names are read from
(総務省|総合|通信|基盤|局, 西田|昭二|総務大臣|政務官, 電力|・|ガス|取引|監視|等|委員会)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from monitor.facts.tokens import Token


@dataclass(frozen=True)
class Run:
    tokens: tuple[Token, ...]
    index: int  # position of the first token in the item's token list
    stop: int  # position of the token after the run

    @property
    def start(self) -> int:
        return self.tokens[0].start

    @property
    def end(self) -> int:
        return self.tokens[-1].end

    @property
    def text(self) -> str:
        return "".join(token.surface for token in self.tokens)

    def span_text(self, first: int, last: int) -> str:
        """The text of tokens ``first`` to ``last`` (inclusive) of this run."""
        return "".join(token.surface for token in self.tokens[first : last + 1])

    def token_at(self, offset: int) -> int:
        """The index of the token of this run that covers character ``offset`` of the item."""
        return next(i for i, token in enumerate(self.tokens) if token.start <= offset < token.end)


def noun_runs(tokens: Sequence[Token]) -> list[Run]:
    runs: list[Run] = []
    current: list[Token] = []
    first = 0
    for index, token in enumerate(tokens):
        if current and _continues(current[-1], token, tokens[index + 1] if index + 1 < len(tokens) else None):
            current.append(token)
            continue
        if current:
            runs.append(Run(tuple(current), first, index))
        current, first = ([token], index) if _name_material(token) else ([], index + 1)
    if current:
        runs.append(Run(tuple(current), first, len(tokens)))
    return runs


def _name_material(token: Token) -> bool:
    # 形状詞 stays for 特別委員会, サイバー警察局 and ビッグモーター; 代名詞 (これ, 同) never names anything.
    return token.pos[0] in ("名詞", "接頭辞", "接尾辞", "形状詞") and token.pos[1] != "代名詞"


def _continues(previous: Token, token: Token, following: Token | None) -> bool:
    if token.start != previous.end:
        return False
    if token.surface == "・":
        # 電力・ガス取引監視等委員会 is one name; 一審・大阪地裁 and 宍戸常寿・東京大学教授 are two things.
        return previous.common_noun and following is not None and following.start == token.end and following.common_noun
    if previous.surface == "・":
        return True
    return _name_material(token)
