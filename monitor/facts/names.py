"""Names in a text: organizations and people. The classifier reads ``Token`` and ``tokenize`` from here."""

from monitor.facts.organizations import businesses, extract_organizations
from monitor.facts.people import Person, extract_people
from monitor.facts.tokens import Token, tokenize

__all__ = ["Person", "businesses", "Token", "extract_organizations", "extract_people", "tokenize"]
