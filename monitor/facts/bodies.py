"""The body a run of noun tokens names, if any: its last head decides the kind, descriptors before
the name are left out (中古車販売大手|ビッグモーター), and a run that goes on into something else
(自衛隊員, JR吉田駅, NTT法) names no body."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from monitor.facts import heads
from monitor.facts.runs import Run
from monitor.facts.tokens import Token

_LEGAL_PREFIXES = re.compile(
    r"^(?:株式会社|有限会社|合同会社|\(株\)|\(有\)|(?:一般|公益)?(?:社団|財団)法人|"
    r"(?:独立行政|国立大学|地方独立行政|学校|医療|社会福祉|宗教|特定非営利活動)法人)$"
)
# Words before a name that describe the body and are not part of its name (中古車販売大手|ビッグモーター).
_DESCRIPTORS = frozenset(
    {"大手", "中堅", "子会社", "親会社", "新会社", "傘下", "系列", "元", "現", "メーカー", "業者", "会社", "運営"}
)


@dataclass(frozen=True)
class Found:
    """An organization's name and where it is written."""

    name: str
    start: int
    end: int


def body_in_run(run: Run) -> Found | None:
    """The body a run of tokens names (総務省|総合|通信|基盤|局), or None."""
    tokens = run.tokens
    if _LEGAL_PREFIXES.match(tokens[0].surface) and len(tokens) > 1:
        return Found(run.text, run.start, run.end)
    head = _last_head(tokens)
    if head is None:
        return _assembly_before_sitting(run)
    last, kind, head_start = head
    first = _name_start(tokens, last)
    if kind is heads.Kind.NAMED and first != last:
        return None  # 金沢|泉丘|高生: a proper noun inside a longer compound names something else
    offset = tokens[first].start - tokens[0].start
    name_tokens = tokens[first : last + 1]
    named = heads.named_entity(name_tokens) or heads.names_a_body(name_tokens, kind, head_start - offset)
    tail = "".join(token.surface for token in tokens[last + 1 :])
    # A word that ends company names also ends words for trades (トラック運送|事業): only at the end.
    if not named or tail and (heads.derived(tail) or kind is heads.Kind.COMPANY and not heads.named_entity(name_tokens)):
        return None
    return Found("".join(token.surface for token in name_tokens), name_tokens[0].start, name_tokens[-1].end)


def _assembly_before_sitting(run: Run) -> Found | None:
    """参議院本会議, which Sudachi splits 参議|院本|会議: the chamber before the sitting."""
    sitting = heads.head_kind(run.text)
    if sitting is None or sitting[0] is not heads.Kind.SITTING or sitting[1] == 0:
        return None
    chamber = heads.head_kind(run.text[: sitting[1]])
    if chamber is None or chamber[0] is not heads.Kind.ASSEMBLY or chamber[1] != 0:
        return None
    return Found(run.text[: sitting[1]], run.start, run.start + sitting[1])


# Heads are read in the last characters of a run only: the longest (第217回通常国会) is far shorter,
# and reading the whole run at every token made a run of 100,000 nouns take minutes.
_HEAD_REACH = 48


def _last_head(tokens: Sequence[Token]) -> tuple[int, heads.Kind, int] | None:
    """The last token that ends a body's head, its kind and where the head starts in the run's text.
    A sitting (参院|本会議) leaves the body before it; a proper noun is a head of its own (NHK|調査)."""
    text = ""
    candidates: list[tuple[int, heads.Kind, int]] = []
    for index, token in enumerate(tokens):
        text += token.surface
        window_start = max(0, len(text) - _HEAD_REACH)
        found = heads.head_kind(text[window_start:])
        if found is not None:
            found = (found[0], found[1] + window_start)
        if found is not None and found[0] is heads.Kind.SITTING:
            candidates = [head for head in candidates if tokens[head[0]].end - tokens[0].start <= found[1]]
        elif found is not None:
            candidates.append((index, found[0], found[1]))
        elif heads.named_entity([token]):
            candidates.append((index, heads.Kind.NAMED, len(text) - len(token.surface)))
    return candidates[-1] if candidates else None


def _name_start(tokens: Sequence[Token], last: int) -> int:
    """The first token of the name: after any descriptor (中古車販売大手|ビッグモーター) and any
    adverbial word (このうち|復興基金)."""
    start = 0
    for index in range(last):
        token = tokens[index]
        if (
            token.surface in _DESCRIPTORS
            or token.surface == "新"
            and token.pos[0] == "接頭辞"
            or index == start
            and token.pos[2] == "副詞可能"
            and re.fullmatch(r"[\u3041-\u309f]+", token.surface)
        ):
            start = index + 1
    return start
