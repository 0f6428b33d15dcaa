"""Free text as the store searches it: NFKC, split at spaces, each word with the other names of
the company it names (西日本電信電話 finds NTT西日本's items, and the reverse): the known companies
of monitor.companies, and each ``[[watch]]`` entry's companies and aliases."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date, timedelta

from monitor.companies import KNOWN_COMPANIES, company_names
from monitor.config import WatchConfig
from monitor.jpdates import jst_date_start
from monitor.store.search import ItemFilter, Term
from monitor.text import normalize
from monitor.watch import core_name


def companies(watch: Sequence[WatchConfig]) -> tuple[frozenset[str], ...]:
    """The known companies and the config's watched ones, each entry's names one company."""
    watched = (frozenset(filter(None, (core_name(name) for name in (*entry.companies, *entry.aliases)))) for entry in watch)
    return KNOWN_COMPANIES + tuple(group for group in watched if group)


def terms(text: str, known: Iterable[frozenset[str]] = KNOWN_COMPANIES) -> tuple[Term, ...]:
    """``NTT西日本 行政指導`` → (("NTT西日本", "エヌ・ティ・ティ西日本", "西日本電信電話"), ("行政指導",));
    a company's name with its legal form (株式会社東和精機) finds its other names too."""
    known = tuple(known)
    words = dict.fromkeys(normalize(text).split())
    return tuple(tuple(dict.fromkeys([word, *company_names(core_name(word), known)])) for word in words)


def item_filter(
    text: str | None,
    category: str | None,
    source: str | None,
    since: date | None,
    until: date | None,
    known: Iterable[frozenset[str]] = KNOWN_COMPANIES,
) -> ItemFilter:
    """``until`` includes its whole day."""
    return ItemFilter(
        text=terms(text or "", known),
        category=category or None,
        source_id=source or None,
        since=jst_date_start(since) if since else None,
        until=jst_date_start(until + timedelta(days=1)) if until else None,
    )
