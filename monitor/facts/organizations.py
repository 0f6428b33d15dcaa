"""Organizations named in a text, each written as in the text at its longest (総務省総合通信基盤局,
警視庁捜査2課, 自民党石川県連 are one name each).

Names are read from runs of noun tokens (``bodies`` says which runs name a body), from the places
that act as bodies (``local_bodies``), from quotes, parentheses and declared abbreviations
(``aliases``) and from what surrounds a company's bare name (``contexts``). Then what is not a
name of its own goes: anaphora (同社), a short form written after the full one (府警 after 大阪府警,
市教委 after 金沢市教育委員会) and names inside a person's title (宍戸常寿・東京大学教授).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

from monitor.facts import aliases, contexts, heads, local_bodies
from monitor.facts.bodies import body_in_run
from monitor.facts.people import person_mentions
from monitor.facts.runs import noun_runs
from monitor.facts.tokens import Token

_ANAPHORA = re.compile(r"^(?:同|当|両|各|本|貴|弊)(?:社|省|庁|党|局|署|行|会|校|院|団|機構|委員会|信金|支部|県|市|町|村)?$")
_LEGAL_FORM = re.compile(r"株式会社|有限会社|合同会社|合資会社|合名会社|\((?:株|有)\)")
_BUSINESS_KINDS = (heads.Kind.COMPANY_FORM, heads.Kind.COMPANY)
_LOCAL_GOVERNMENT = re.compile(r"[都道府県市区町村]$")
_GENERIC = frozenset({"政府", "国", "与党", "野党", "政党", "会社", "教団", "委員会", "大学", "自治体", "当局"})


def extract_organizations(text: str, tokens: Sequence[Token]) -> list[str]:
    titles = [(mention.start, mention.end) for mention in person_mentions(tokens)]
    quoted = aliases.term_quotes(text, tokens)
    runs = [run for run in noun_runs(tokens) if not _inside(run.start, run.end, quoted)]
    found = [name for run in runs if (name := body_in_run(run)) is not None]
    found += aliases.quoted_names(text, tokens, quoted)
    found += local_bodies.acting(text, runs, found)
    found += contexts.companies(text, runs, found)
    found += aliases.aliases(text, tokens, found)
    found = [name for name in found if not _inside(name.start, name.end, titles)]
    names = _without_short_forms([name.name for name in sorted(found, key=lambda name: name.start)])
    return [name for name in dict.fromkeys(names) if not _ANAPHORA.match(name) and name not in _GENERIC]


def businesses(organizations: Sequence[str], numbered: Iterable[str] = ()) -> list[str]:
    """The organizations of ``organizations`` that are businesses: a company by its legal form or
    its head (丸高建設, 株式会社NTTビジネスソリューションズ), one with a 法人番号 beside it, or a name
    no kind of public body ends with (NTT西日本, LINEヤフー: brands are companies' names)."""
    numbered = set(numbered)
    found = []
    for name in organizations:
        kind = heads.head_kind(name)
        public_place = kind is None and _LOCAL_GOVERNMENT.search(name)
        if name in numbered or _LEGAL_FORM.search(name) or kind and kind[0] in _BUSINESS_KINDS or not (kind or public_place):
            found.append(name)
    return found


def _inside(start: int, end: int, spans: Sequence[tuple[int, int]]) -> bool:
    return any(span_start <= start and end <= span_end for span_start, span_end in spans)


def _without_short_forms(names: list[str]) -> list[str]:
    """府警 after 大阪府警, 市教委 after 金沢市教委, 大法廷 after 最高裁判所大法廷, 委員会 after
    個人情報保護委員会: a common-noun short form ending a longer name written in the same item."""
    return [
        name
        for name in names
        if not any(other != name and other.endswith(name) and _common_short(name) for other in names)
        and not (heads.short_form(name) and any(other != name and name in other[1:] for other in names))
    ]


def _common_short(name: str) -> bool:
    return heads.short_form(name) or bool(re.fullmatch(r"大法廷|小法廷|委員会|委|審議会|議会|[都道府県]連|総?支部", name))
