"""Fact extraction: the facts a reader wants first, from an item's normalized title and body.

amounts_jpy (yen amounts as integers), dates (full dates), resolved_dates (relative and year-less
dates resolved against the publication date, with their phrases), corporate_numbers (法人番号 with
a valid check digit; the rejected ones apart; each with the organization named next to it, when
one is), organizations, people (with their titles),
districts (electoral districts) and figures (survey labels with their counts).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Any

from monitor.facts.amounts import extract_amounts
from monitor.facts.dates import ResolvedDate, extract_dates
from monitor.facts.figures import Figure, extract_figures
from monitor.facts.identifiers import RejectedNumber, corporate_number_owners, extract_corporate_numbers, extract_districts
from monitor.facts.names import Person, Token, extract_organizations, extract_people, tokenize
from monitor.items import Document
from monitor.jpdates import JST

FACT_FIELDS = ("amounts_jpy", "dates", "resolved_dates", "corporate_numbers", "organizations", "people", "districts", "figures")


@dataclass(frozen=True)
class Facts:
    amounts_jpy: list[int]
    dates: list[str]
    resolved_dates: list[ResolvedDate]
    corporate_numbers: list[str]
    corporate_numbers_rejected: list[RejectedNumber]
    corporate_number_owners: dict[str, str]  # number → organization
    organizations: list[str]
    people: list[Person]
    districts: list[str]
    figures: list[Figure]

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


def extract_facts(document: Document, tokens: Sequence[Token] | None = None) -> Facts:
    """The facts of ``document``; ``tokens``: its title and body tokenized already (by the classifier)."""
    text = f"{document.title}\n{document.body}"
    published = document.published_at.astimezone(JST).date() if document.published_at else None
    dates, resolved = extract_dates(text, published)
    valid_numbers, rejected_numbers = extract_corporate_numbers(text)
    tokens = tokenize(text) if tokens is None else tokens
    organizations = extract_organizations(text, tokens)
    return Facts(
        amounts_jpy=extract_amounts(text),
        dates=dates,
        resolved_dates=resolved,
        corporate_numbers=valid_numbers,
        corporate_numbers_rejected=rejected_numbers,
        corporate_number_owners=corporate_number_owners(text, valid_numbers, organizations),
        organizations=organizations,
        people=extract_people(tokens),
        districts=extract_districts(text),
        figures=extract_figures(text),
    )
