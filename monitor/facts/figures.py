"""Figures: counts of things, each with what is counted, the count, its counter, whether it is
approximate, and the total it is part of when the text gives or implies one.

    約928万件の顧客情報          → Figure("顧客情報", 9280000, "件", approximate=True)
    47都道府県のうち35都道府県    → Figure(…, 47, "都道府県"), Figure(…, 35, "都道府県", of=47)
    都道府県:任命している 38      → Figure("任命している都道府県", 38, "団体", of=47)

Counts in running text are read by ``counts``, survey tables by ``tables``. Money, dates, ages,
durations, percentages, measures, ordinals and per-unit bases are not figures.
"""

from __future__ import annotations

from monitor.facts import counts, tables
from monitor.facts.figure import Figure

__all__ = ["Figure", "extract_figures"]


def extract_figures(text: str) -> list[Figure]:
    """Every figure of ``text`` (NFKC-normalized), once per count and counter, in order of first
    mention; of several mentions (a headline's and the body's), the one that gives a total."""
    table_figures, table_spans = tables.table_figures(text)
    found = sorted(table_figures + counts.running_counts(text, table_spans), key=lambda item: item[0])
    headline_end = text.find("\n")
    figures: dict[tuple[int, str], tuple[int, Figure]] = {}
    for position, figure in found:
        key = (figure.value, figure.unit)
        if key not in figures or _better(figure, position, *figures[key], headline_end):
            figures[key] = (position, figure)
    return [figure for _, figure in figures.values()]


def _better(figure: Figure, position: int, known_position: int, known: Figure, headline_end: int) -> bool:
    """A later mention of the same count replaces one that gave no total, or a headline's."""
    if known.of is None and figure.of is not None:
        return True
    return known_position < headline_end <= position and (figure.of is not None or known.of is None)
