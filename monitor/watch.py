"""Watchlists (pure): which ``[[watch]]`` entries an item mentions, and the ``watch`` category they give it.

Text is matched in its normalized form (NFKC: ＮＴＴ is NTT, ㈱ and （株） are (株), ｶﾀｶﾅ is カタカナ).
A company matches by its name without its legal form, with 株式会社 or (株) before or after it
where written so (東和精機株式会社, 株式会社東和精機, (株)東和精機, 東和精機), and by its other names:
the entry's ``aliases`` and, for a few well-known companies, the table of monitor.companies (NTT西日本 =
西日本電信電話). Nothing else is inferred: 日本電信電話 alone is the holding company, not NTT西日本,
and 西日本鉄道 is a railway. A 法人番号 matches with or without hyphens or blanks between its
digits; a person with or without a blank between family and given name; a term as written.
Latin letters and digits at a name's ends must not continue into a longer word (NTT is not NTTX).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, replace
from functools import lru_cache
from typing import TYPE_CHECKING

from monitor.companies import company_names
from monitor.config import WATCH_CATEGORY, WatchConfig
from monitor.items import Classification, Document
from monitor.text import normalize_line

if TYPE_CHECKING:
    from monitor.classification import Classifier

_LEGAL_FORMS = ("株式会社", "有限会社", "合同会社", "(株)", "(有)", "(同)")
_LEGAL = "|".join(re.escape(form) for form in _LEGAL_FORMS)
_KIND_LABELS = {"company": "社名", "corporate_number": "法人番号", "person": "人物", "term": "用語"}


@dataclass(frozen=True)
class WatchHit:
    entry: str  # the entry's name
    kind: str  # company, corporate_number, person, term
    term: str  # the name or term as configured (or built in)
    found: str  # the text that matched, normalized

    @property
    def evidence(self) -> str:
        """西日本電信電話株式会社（NTT西日本の社名）"""
        return f"{self.found}（{self.entry}の{_KIND_LABELS[self.kind]}）"


@dataclass(frozen=True)
class _Pattern:
    entry: str
    kind: str
    term: str
    regex: re.Pattern[str]


class Watchlist:
    def __init__(self, entries: Sequence[WatchConfig]) -> None:
        self.patterns = [pattern for entry in entries for pattern in _patterns(entry)]

    def __bool__(self) -> bool:
        return bool(self.patterns)

    def hits(self, text: str) -> list[WatchHit]:
        """Each entry's terms found in ``text``, each term once (its first occurrence)."""
        normalized = normalize_line(text)
        found: dict[tuple[str, str, str], WatchHit] = {}
        for pattern in self.patterns:
            match = pattern.regex.search(normalized)
            if match:
                key = (pattern.entry, pattern.kind, pattern.term)
                found.setdefault(key, WatchHit(pattern.entry, pattern.kind, pattern.term, match.group(0)))
        return list(found.values())


@lru_cache(maxsize=8)
def _compiled(entries: tuple[WatchConfig, ...]) -> Watchlist:
    return Watchlist(entries)


def watchlist(entries: Sequence[WatchConfig]) -> Watchlist:
    """The compiled watchlist of a config's entries (compiled once per config)."""
    return _compiled(tuple(entries))


def classify_watched(classifier: Classifier, watch: Watchlist, documents: Sequence[Document]) -> list[Classification]:
    """What a poll (and ``regwatch sources test``) decides of each document: its categories, plus
    ``watch`` where it names a watched entry."""
    results = classifier.classify_many(documents)
    return [watched(watch, document, result) for document, result in zip(documents, results, strict=True)]


def watched(watch: Watchlist, document: Document, result: Classification) -> Classification:
    """``result`` with the ``watch`` category, when ``document`` mentions an entry: score 1, the
    matched text as evidence, and the hits among the facts."""
    if not watch:
        return result
    hits = watch.hits(f"{document.title}\n{document.body}")
    if not hits:
        return result
    return replace(
        result,
        labels=(*result.labels, WATCH_CATEGORY),
        scores={**result.scores, WATCH_CATEGORY: 1.0},
        evidence={**result.evidence, WATCH_CATEGORY: tuple(hit.evidence for hit in hits)},
        facts={**result.facts, "watch": [{"entry": h.entry, "kind": h.kind, "term": h.term, "found": h.found} for h in hits]},
    )


def _patterns(entry: WatchConfig) -> list[_Pattern]:
    patterns = [_Pattern(entry.name, "company", name, _company(name)) for name in _company_names(entry)]
    patterns += [
        _Pattern(entry.name, "corporate_number", number, _corporate_number(number)) for number in entry.corporate_numbers
    ]
    patterns += [_Pattern(entry.name, "person", person, _person(person)) for person in entry.people]
    patterns += [_Pattern(entry.name, "term", term, _bounded(re.escape(normalize_line(term)), term)) for term in entry.terms]
    return patterns


def core_name(name: str) -> str:
    """A company's name without its legal form: (株)東和精機 → 東和精機."""
    return re.sub(rf"^(?:{_LEGAL})\s*|\s*(?:{_LEGAL})$", "", normalize_line(name)).strip()


def _company_names(entry: WatchConfig) -> list[str]:
    """The entry's companies and aliases, and the known other names of each, without legal forms."""
    names = [core_name(name) for name in [*entry.companies, *entry.aliases]]
    names += [other for name in names for other in company_names(name)]
    return [name for name in dict.fromkeys(names) if name]


def _company(name: str) -> re.Pattern[str]:
    """東和精機, with 株式会社 or (株) before or after it where written so."""
    core = r"\s*".join(re.escape(part) for part in name.split())
    return _bounded(rf"(?:(?:{_LEGAL})\s*)?{core}(?:\s*(?:{_LEGAL}))?", name)


def _corporate_number(number: str) -> re.Pattern[str]:
    return re.compile(r"(?<![0-9])" + r"[-\s]?".join(number) + r"(?![0-9])")


def _person(name: str) -> re.Pattern[str]:
    """山田太郎 and 山田 太郎 alike: blanks between any two characters of the name are allowed."""
    characters = [character for character in normalize_line(name) if not character.isspace()]
    return _bounded(r"\s?".join(re.escape(character) for character in characters), name)


def _bounded(pattern: str, name: str) -> re.Pattern[str]:
    """Latin letters and digits at the name's ends may not continue into a longer word."""
    name = normalize_line(name)
    start = r"(?<![A-Za-z0-9])" if name[:1].isascii() and name[:1].isalnum() else ""
    end = r"(?![A-Za-z0-9])" if name[-1:].isascii() and name[-1:].isalnum() else ""
    return re.compile(f"{start}{pattern}{end}", re.IGNORECASE)
