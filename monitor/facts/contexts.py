"""Companies named without any word that says so, known from what surrounds the name:

- a description before it: 中古車販売大手ビッグモーター, IT大手ネイバー, 暗号資産交換業者のDMMビットコイン;
- a word only a company has after it: ネイバークラウドの委託先, USスチールの買収;
- a list with other companies: NTTドコモやKDDI、ソフトバンク、楽天モバイルの.

The name must look like one (kana, Latin letters or a proper noun), not a place or a person.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from monitor.facts.bodies import Found
from monitor.facts.runs import Run
from monitor.facts.tokens import Token

_DESCRIPTION = re.compile(r"(?:大手|メーカー|業者|(?<!株式|有限|合同|合資|合名)会社|ゼネコン|新電力)$")
_COMPANY_WORD_AFTER = re.compile(
    r"^(?:の(?:子会社|親会社|委託先|社長|会長|副社長|取締役|株式|株価|買収|従業員|社員|決算|本社|傘下|株主)|"
    r"(?:への|との(?:間の)?)(?:業務委託|資本関係|資本提携|業務提携|提携|経営統合|合併))"
)
_JOINER = re.compile(r"^(?:と|や|、|および|及び)$")
_LIST_GOES_ON = re.compile(r"^(?:と|や|、|の|など|も|が|は|を|に)")
_LATIN_OR_KANA = re.compile(r"[A-Za-z0-9&.\-]+|[\u3041-\u309f]+|[\u30a1-\u30ffー]+")


def companies(text: str, runs: Sequence[Run], found: Sequence[Found]) -> list[Found]:
    known = {(name.start, name.end) for name in found}
    companies_found: list[Found] = []
    for position, run in enumerate(runs):
        described = _after_description(run)
        if described is not None:
            companies_found.append(described)
            continue
        if (run.start, run.end) in known or not _looks_like_a_company(run.tokens):
            continue
        previous = runs[position - 1] if position > 0 else None
        if (
            _COMPANY_WORD_AFTER.match(text[run.end :])
            or previous is not None
            and _DESCRIPTION.search(previous.text)
            and re.fullmatch(r"の|、", text[previous.end : run.start])
            or _listed_with(text, run, runs, found)
        ):
            companies_found.append(Found(run.text, run.start, run.end))
    return companies_found


def _after_description(run: Run) -> Found | None:
    """IT大手ネイバー: the name after a description in the same run."""
    tokens = run.tokens
    last = max((i for i, token in enumerate(tokens[:-1]) if _DESCRIPTION.search(token.surface)), default=None)
    if last is None or not _looks_like_a_company(tokens[last + 1 :]):
        return None
    name = tokens[last + 1 :]
    return Found("".join(token.surface for token in name), name[0].start, name[-1].end)


def _looks_like_a_company(tokens: Sequence[Token]) -> bool:
    """ネイバークラウド, DMMビットコイン, 楽天モバイル; not うち, ら, or a place or a person."""
    return (
        any(_LATIN_OR_KANA.fullmatch(token.surface) and token.pos[2] != "副詞可能" or token.named_entity for token in tokens)
        and not any(token.place or token.person_name or token.numeral for token in tokens)
        and tokens[0].pos[0] != "接尾辞"
        and len("".join(token.surface for token in tokens)) >= 2
        and not _DESCRIPTION.search(tokens[-1].surface)
    )


def _listed_with(text: str, run: Run, runs: Sequence[Run], found: Sequence[Found]) -> bool:
    """楽天モバイル in NTTドコモやKDDI、ソフトバンク、楽天モバイルの: next to a company in a list.
    A headline's comma (NHK、ネット配信の新サービス) sets its subject apart and lists nothing."""
    if not _LIST_GOES_ON.match(text[run.end :]):
        return False
    companies = {(name.start, name.end) for name in found} & {
        (other.start, other.end) for other in runs if _looks_like_a_company(other.tokens)
    }
    for start, end in companies:
        joiner = text[end : run.start] if end <= run.start else text[run.end : start]
        first = min(start, run.start)
        if _JOINER.match(joiner) and not (joiner == "、" and (first == 0 or text[first - 1] == "\n")):
            return True
    return False
