"""Fact extraction: the facts a reader wants first, from an item's normalized title and body.

amounts_jpy (yen amounts as integers), dates (full dates), resolved_dates (relative and year-less
dates resolved against the publication date, with their phrases), corporate_numbers (法人番号 with
a valid check digit; the rejected ones apart; each with the organization named next to it, when
one is), organizations (and which of them are businesses), people (with their titles), deadlines
(the dates by which the addressee must act), districts (electoral districts) and figures (counts,
with what is counted and the total they are part of).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Any

from monitor.facts.amounts import extract_amounts
from monitor.facts.dates import ResolvedDate, date_mentions, dates_of
from monitor.facts.deadlines import Deadline, extract_deadlines
from monitor.facts.figures import Figure, extract_figures
from monitor.facts.identifiers import RejectedNumber, corporate_number_owners, extract_corporate_numbers, extract_districts
from monitor.facts.names import Person, Token, businesses, extract_organizations, extract_people, tokenize
from monitor.items import Document
from monitor.jpdates import JST

# Facts are read from the first characters of a title and a body: far more than any release holds
# (the seed's longest is 4,000), and a page padded with a megabyte of text costs seconds, not minutes.
TITLE_LIMIT = 2_000
BODY_LIMIT = 100_000

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
    businesses: list[str]  # of the organizations
    people: list[Person]
    deadlines: list[Deadline]
    districts: list[str]
    figures: list[Figure]

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


def extract_facts(document: Document, tokens: Sequence[Token] | None = None) -> Facts:
    """The facts of ``document``; ``tokens``: its title and body tokenized already (by the classifier)."""
    text = f"{document.title[:TITLE_LIMIT]}\n{document.body[:BODY_LIMIT]}"
    if len(text) < len(document.title) + 1 + len(document.body):
        tokens = None  # the caller's tokens are of the whole text
    published = document.published_at.astimezone(JST).date() if document.published_at else None
    mentions = date_mentions(text, published)  # read once: dates and deadlines are both made of them
    dates, resolved = dates_of(mentions)
    valid_numbers, rejected_numbers = extract_corporate_numbers(text)
    tokens = tokenize(text) if tokens is None else tokens
    organizations = extract_organizations(text, tokens)
    owners = corporate_number_owners(text, valid_numbers, organizations)
    return Facts(
        amounts_jpy=extract_amounts(text),
        dates=dates,
        resolved_dates=resolved,
        corporate_numbers=valid_numbers,
        corporate_numbers_rejected=rejected_numbers,
        corporate_number_owners=owners,
        organizations=organizations,
        businesses=businesses(organizations, owners.values()),
        people=extract_people(tokens),
        deadlines=extract_deadlines(text, published, mentions),
        districts=extract_districts(text),
        figures=extract_figures(text),
    )
