"""Normalize Japanese text for comparison, classification and extraction.

The raw text is always kept next to the normalized one; normalization is lossy on purpose.
Rules (STACK.md): strip superscript footnote marks (NFKC would glue them to the word as
digits), NFKC, dash-like characters between digits become ``-``, wave dashes become ``~``,
runs of blanks collapse (a tab, which separates table cells, stays a tab). neologdn and jaconv are not used: they delete 〜 and turn
03－5253 into 03ー5253.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from functools import lru_cache

_FOOTNOTE_MARKS = re.compile("[\u00b9\u00b2\u00b3\u2070-\u2079]")
_DASH_BETWEEN_DIGITS = re.compile(
    "([0-9])[\u2010-\u2015\u2212\uff0d\u30fc\u2500\u2501-](?=[0-9])"
)  # the digit first: a quick scan
_WAVE_DASHES = re.compile("[\u301c\uff5e\u223c]")
_BLANKS = re.compile(r"[ \r\f\v\u00a0\u200b]+")
_TABS = re.compile(r"[ ]*\t[\t ]*")  # tabs separate table cells: kept, one per cell boundary
_BLANK_LINES = re.compile(r"\n{3,}")


# The C0 controls but tab and line feed, and DEL: what ``without_controls`` removes.
CONTROL_CODEPOINTS = (*range(0x09), *range(0x0B, 0x20), 0x7F)
_CONTROLS = re.compile("[" + "".join(map(chr, CONTROL_CODEPOINTS)) + "]")
_CONTROL_SPACES = str.maketrans({"\x0b": " ", "\x0c": " "})


def without_controls(text: str) -> str:
    """``text`` without NUL and the other C0 controls but tab and line feed (CR ends a line).

    Scraped text is stored and sent on: PostgreSQL rejects NUL in text and JSON, and Slack and
    mail clients show the rest as garbage.
    """
    if not _CONTROLS.search(text):
        return text
    text = text.replace("\r\n", "\n").replace("\r", "\n").translate(_CONTROL_SPACES)
    return _CONTROLS.sub("", text)


# NFKC where it changes something. A character of _STABLE is its own NFKC form and nothing before
# it composes with it, so NFKC changes nothing across it: only the runs of other characters are
# normalized, each with the character before it unless the run starts with one that composes with
# nothing before it either (_FRESH: full-width ASCII, the ideographic space, half-width katakana).
# A Japanese text is mostly kana and kanji: NFKC of the whole text costs three times this.
# tests/test_text.py checks both classes against unicodedata, and the result on generated text.
_STABLE = (
    "\x00-\x7f\u2010\u2012-\u2016\u2018-\u2023\u203b\u2190-\u222b\u25a0-\u25ff"
    "\u3001-\u3029\u3041-\u3096\u309d\u309e\u30a0-\u30fe\u4e00-\u9fff"
)
_FRESH = "\u3000\uff01-\uff5e\uff61-\uff9d"
_UNSTABLE_RUN = re.compile(f"[^{_STABLE}]+")
_STARTS_FRESH = re.compile(f"[{_FRESH}]")


def nfkc(text: str) -> str:
    """``unicodedata.normalize("NFKC", text)``, normalizing only what it may change."""
    if unicodedata.is_normalized("NFKC", text):
        return text
    pieces = []
    done = 0
    for run in _UNSTABLE_RUN.finditer(text):
        start = run.start()
        if start > done and not _STARTS_FRESH.match(text, start):  # runs are apart: text[start - 1] is stable
            start -= 1
        pieces.append(text[done:start])
        pieces.append(unicodedata.normalize("NFKC", text[start : run.end()]))
        done = run.end()
    pieces.append(text[done:])
    return "".join(pieces)


def normalize(text: str) -> str:
    """NFKC plus the dash, wave-dash and blank rules; keeps paragraph breaks."""
    if not text:  # a list entry's summary, mostly: the rules would cost µs to find nothing
        return text
    text = _FOOTNOTE_MARKS.sub("", text)
    text = nfkc(text)
    text = _DASH_BETWEEN_DIGITS.sub(r"\1-", text)
    text = _WAVE_DASHES.sub("~", text)
    text = _BLANKS.sub(" ", text)  # within lines: the pattern has no line break
    if "\t" in text:
        text = _TABS.sub("\t", text)
    text = "\n".join(line.strip(" \t") for line in text.split("\n"))
    return _BLANK_LINES.sub("\n\n", text).strip()


@lru_cache(maxsize=1 << 16)
def normalize_line(text: str) -> str:
    """``normalize`` for one-line fields such as titles: every break becomes a space (cached: the
    same short texts recur, a list row's date, the title of an item listed in every poll and read
    again from its detail page, a watchlist's names)."""
    return " ".join(normalize(text).split())


def content_hash(*parts: str) -> str:
    """A stable fingerprint of normalized text, so layout-only changes are not updates."""
    digest = hashlib.blake2b(digest_size=16)
    for part in parts:
        digest.update(part.encode("utf-8"))
        digest.update(b"\x00")
    return digest.hexdigest()


def shorten(text: str, limit: int) -> str:
    """``text`` cut to at most ``limit`` characters, an ellipsis marking the cut."""
    return text if len(text) <= limit else text[: limit - 1] + "…"
