"""Regular expressions from the config, run with a time budget.

A pattern such as ``(a|aa)+$`` backtracks for minutes on a long link, and Python's ``re`` cannot
be interrupted: one careless ``include_links`` froze the whole service at 100% CPU. Configured
patterns therefore run on the ``regex`` engine (the syntax of ``re``, plus a ``timeout``), and a
pattern that exceeds its budget raises PatternTimeoutError, which fails the poll of the source
whose text triggered it (a link, or an item a category pattern read) and names the pattern. The
budget grows with the text: a sane pattern reads a megabyte in about 10 ms. The built-in cues
are the project's own and use ``re``.
"""

from __future__ import annotations

from dataclasses import dataclass

import regex

from monitor.errors import PatternTimeoutError

BUDGET_SECONDS = 0.05  # per search, plus as much per megabyte of text


def check_syntax(source: str) -> None:
    """Raise ValueError naming the problem when ``source`` does not compile."""
    try:
        regex.compile(source)
    except regex.error as exc:
        raise ValueError(f"invalid regular expression {source!r}: {exc}") from None


@dataclass(frozen=True)
class Pattern:
    """A configured pattern; ``where`` says where it is configured (``sources[2].include_links``)."""

    pattern: str
    where: str
    compiled: regex.Pattern[str]

    @classmethod
    def compile(cls, source: str, where: str) -> Pattern:
        check_syntax(source)
        return cls(source, where, regex.compile(source))

    def search(self, text: str) -> regex.Match[str] | None:
        budget = BUDGET_SECONDS * (1 + len(text) / 1_000_000)
        try:
            return self.compiled.search(text, timeout=budget)
        except TimeoutError:
            raise PatternTimeoutError(
                f"{self.where}: the pattern {self.pattern!r} ran longer than {budget * 1000:.0f} ms on a text of "
                f"{len(text)} characters; simplify it (nested repetition such as (a+)+ or (a|aa)+ backtracks without end)"
            ) from None
