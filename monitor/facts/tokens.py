"""Sudachi tokens of NFKC text (split mode C keeps 総務省, 個人情報保護委員会, 西日本電信電話 and
政務官 whole), with the parts of speech the name extractors read."""

from __future__ import annotations

import re
from functools import lru_cache

from sudachipy import Dictionary, SplitMode

_MAX_SUDACHI_BYTES = 40_000  # Sudachi refuses inputs over 49,149 bytes
_SENTENCE_END = re.compile(r"(?<=[。\n])")


class Token:
    """A Sudachi morpheme: surface, part of speech, dictionary form (返しました → 返す), offset."""

    __slots__ = ("surface", "pos", "lemma", "start", "end")

    def __init__(self, surface: str, pos: tuple[str, ...], start: int, lemma: str = "") -> None:
        self.surface = surface
        self.pos = pos
        self.lemma = lemma or surface
        self.start = start
        self.end = start + len(surface)

    def __repr__(self) -> str:
        return f"Token({self.surface!r}, {'/'.join(self.pos)}, {self.start})"

    @property
    def noun(self) -> bool:
        return self.pos[0] == "名詞"

    @property
    def proper(self) -> bool:
        """A proper noun of any kind (関西電力, 石川, 岸田)."""
        return self.pos[1] == "固有名詞"

    @property
    def common_noun(self) -> bool:
        return self.pos[1] == "普通名詞"

    @property
    def numeral(self) -> bool:
        return self.pos[1] == "数詞"

    @property
    def surname(self) -> bool:
        return self.pos[1] == "固有名詞" and self.pos[2] == "人名" and self.pos[3] in ("姓", "一般")

    @property
    def given_name(self) -> bool:
        return self.pos[1] == "固有名詞" and self.pos[2] == "人名" and self.pos[3] == "名"

    @property
    def person_name(self) -> bool:
        return self.pos[1] == "固有名詞" and self.pos[2] == "人名"

    @property
    def place(self) -> bool:
        return self.pos[1] == "固有名詞" and self.pos[2] == "地名"

    @property
    def named_entity(self) -> bool:
        """A proper noun that is neither a person nor a place: Sudachi's organizations, products, events."""
        return self.pos[1] == "固有名詞" and self.pos[2] == "一般"


@lru_cache(maxsize=1)
def _sudachi() -> tuple[Dictionary, object, dict[int, tuple[str, ...]]]:
    dictionary = Dictionary(dict="core")
    return dictionary, dictionary.tokenizer(), {}


def tokenize(text: str) -> list[Token]:
    """Sudachi split mode C tokens of NFKC text, fed in chunks that Sudachi accepts."""
    dictionary, tokenizer, pos_cache = _sudachi()
    tokens: list[Token] = []
    offset = 0
    for chunk in _chunks(text):
        for morpheme in tokenizer.tokenize(chunk, SplitMode.C):
            pos_id = morpheme.part_of_speech_id()
            pos = pos_cache.get(pos_id)
            if pos is None:  # a few hundred distinct parts of speech: look each up once
                pos = pos_cache[pos_id] = tuple(dictionary.pos_of(pos_id)[:4])
            tokens.append(Token(morpheme.surface(), pos, offset + morpheme.begin(), morpheme.dictionary_form()))
        offset += len(chunk)
    return tokens


def _chunks(text: str) -> list[str]:
    """Pieces under Sudachi's byte limit, cut at sentence ends (a lone giant sentence by length)."""
    chunks: list[str] = []
    current: list[str] = []
    size = 0
    for sentence in _SENTENCE_END.split(text):
        while len(sentence.encode("utf-8")) > _MAX_SUDACHI_BYTES:
            cut = _MAX_SUDACHI_BYTES // 4  # at most 4 bytes a character
            _flush(chunks, current)
            current, size = [], 0
            chunks.append(sentence[:cut])
            sentence = sentence[cut:]
        sentence_bytes = len(sentence.encode("utf-8"))
        if size + sentence_bytes > _MAX_SUDACHI_BYTES:
            _flush(chunks, current)
            current, size = [], 0
        current.append(sentence)
        size += sentence_bytes
    _flush(chunks, current)
    return chunks


def _flush(chunks: list[str], parts: list[str]) -> None:
    if parts:
        chunks.append("".join(parts))
