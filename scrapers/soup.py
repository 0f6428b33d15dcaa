"""Parsing HTML into BeautifulSoup (on the lxml parser) and reading text out of it.

A changed page is parsed once, and only the parts its scraper reads: ``Keep`` lists those parts
as simple selectors, and the parser builds no Python object for anything else (menus, footers,
inline scripts), which is most of a ministry page. Measured in docs/parsing.md.
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Callable, Iterator
from functools import lru_cache
from typing import Any

import soupsieve
from bs4 import (
    BeautifulSoup,
    Comment,
    Declaration,
    Doctype,
    MarkupResemblesLocatorWarning,
    NavigableString,
    ProcessingInstruction,
    Tag,
    XMLParsedAsHTMLWarning,
)
from bs4.builder import LXMLTreeBuilder
from bs4.exceptions import ParserRejectedMarkup
from lxml import etree

from monitor.errors import ParseError
from monitor.items import Page

# bs4's advice to a person at a prompt; a server's answer is parsed as what the source says it is,
# and a page that is not what it should be shows up as no items or a ParseError, not a warning.
warnings.filterwarnings("ignore", category=XMLParsedAsHTMLWarning)
warnings.filterwarnings("ignore", category=MarkupResemblesLocatorWarning)

_XML_DECLARATION = re.compile(r"^\s*<\?xml[^>]*\?>")
# Only markup's own blanks collapse; an ideographic space (U+3000) is part of the raw text.
_ASCII_BLANK_CHARS = " \t\r\f\v"
_ASCII_BLANKS = re.compile("[ \t\r\f\v]+")
_SKIPPED_TAGS = frozenset({"script", "style", "rt", "rp", "noscript", "template", "button"})
_BLOCK_TAGS = frozenset(
    "p div li tr h1 h2 h3 h4 h5 h6 section article table dd dt ul ol br header footer figure figcaption blockquote pre".split()
)
_STRUCTURE_TAGS = _BLOCK_TAGS | _SKIPPED_TAGS
_NOT_TEXT = (Comment, Declaration, Doctype, ProcessingInstruction)
_SIMPLE_SELECTOR = re.compile(r"(?P<tag>[a-z][a-z0-9]*)?(?P<parts>(?:[.#][\w-]+|\[[\w-]+(?:\*?=[^\]]+)?\])*)")
_PART = re.compile(r"([.#])([\w-]+)|\[([\w-]+)(?:(\*?=)([^\]]+))?\]")


class Keep:
    """The elements to parse: ``Keep("title", "div.contentsBody", "script[type=application/ld+json]")``.

    Each entry is one simple selector (a tag, ``.class``, ``#id``, ``[attr]``, ``[attr=value]``,
    ``[attr*=value]``, combined, no combinators). A kept element is parsed whole, with all its
    descendants; what matches no entry and lies in no kept element is skipped by the parser.
    """

    def __init__(self, *selectors: str) -> None:
        self._rules = [_simple_rule(selector) for selector in selectors]

    def matches(self, name: str, attrs: dict[str, str]) -> bool:
        return any(rule(name, attrs) for rule in self._rules)


class _KeptPartsBuilder(LXMLTreeBuilder):
    """The lxml tree builder, with the parser's events outside every kept part dropped before bs4
    handles them: a skipped tag then costs a dict lookup, not a bs4 tag event (a ministry page is
    mostly menus and footers). Events are balanced (lxml closes what the page leaves open), so a
    stack of flags pairs each end with its start."""

    def __init__(self, keep: Keep) -> None:
        super().__init__()
        self._keep = keep
        self._passed: list[bool] = []
        self._inside = 0  # open elements passed on: a kept one and its descendants

    def start(self, tag: Any, attrib: Any, nsmap: Any = None) -> None:
        if self._inside or self._keep.matches(tag, attrib):
            self._inside += 1
            self._passed.append(True)
            super().start(tag, attrib, nsmap or {})
        else:
            self._passed.append(False)

    def end(self, tag: Any) -> None:
        if self._passed.pop():
            self._inside -= 1
            super().end(tag)

    def data(self, data: Any) -> None:
        if self._inside:
            super().data(data)

    def comment(self, text: Any) -> None:
        if self._inside:
            super().comment(text)

    def pi(self, target: Any, data: Any) -> None:
        if self._inside:
            super().pi(target, data)

    def doctype(self, name: Any, pubid: Any, system: Any) -> None:
        pass  # outside every part by definition


def _simple_rule(selector: str) -> Callable[[str, dict[str, str]], bool]:
    match = _SIMPLE_SELECTOR.fullmatch(selector.strip())
    if not match or not selector.strip():
        raise ValueError(f"{selector!r} is not a simple selector (tag, .class, #id, [attr], [attr=value], [attr*=value])")
    tag = match.group("tag")
    tests = [_part_test(*part) for part in _PART.findall(match.group("parts"))]
    return lambda name, attrs: (tag is None or name == tag) and all(test(attrs) for test in tests)


def _part_test(dot_or_hash: str, word: str, attribute: str, operator: str, quoted: str) -> Callable[[dict[str, str]], bool]:
    value = quoted.strip("'\"")
    if dot_or_hash == ".":
        return lambda attrs: word in _classes(attrs.get("class"))
    if dot_or_hash == "#":
        return lambda attrs: attrs.get("id") == word
    if not operator:
        return lambda attrs: attribute in attrs
    if operator == "=":
        return lambda attrs: attrs.get(attribute) == value
    return lambda attrs: value in attrs.get(attribute, "")


def _classes(value: str | list[str] | None) -> list[str]:
    return value.split() if isinstance(value, str) else value or []


def without_xml_declaration(text: str) -> str:
    """Decoded text must not claim a byte encoding any more: parsers obey it, and lxml rejects it."""
    return _XML_DECLARATION.sub("", text, count=1)


def parse_html(page: Page, keep: Keep | None = None) -> BeautifulSoup:
    """The page's decoded text (never raw bytes: the parser would guess the charset) as a soup,
    only the ``keep`` parts of it when given."""
    text = without_xml_declaration(page.text)
    if not text.strip():
        raise ParseError(f"{page.url}: empty page")
    try:
        return BeautifulSoup(text, builder=_KeptPartsBuilder(keep)) if keep else BeautifulSoup(text, "lxml")
    except (ParserRejectedMarkup, etree.ParserError, ValueError) as exc:
        raise ParseError(f"{page.url}: not an HTML document ({exc})") from None


def fragment_text(markup: str) -> str:
    """Plain text of an HTML fragment such as a feed description."""
    if "<" not in markup and "&" not in markup:
        return markup.strip()
    try:
        return block_text(BeautifulSoup(markup, "lxml"))
    except (ParserRejectedMarkup, etree.ParserError, ValueError):  # text the parser refuses: no text
        return ""


def block_text(node: Tag) -> str:
    """Text of ``node`` with one line per block element and ``<br>``; scripts and ruby readings dropped."""
    parts: list[str] = []
    _collect_text(node, parts)
    lines = (_ASCII_BLANKS.sub(" ", line).strip(_ASCII_BLANK_CHARS) for line in "".join(parts).split("\n"))
    return "\n".join(line for line in lines if line)


def _collect_text(tag: Tag, parts: list[str]) -> None:
    is_block = tag.name in _BLOCK_TAGS
    if is_block:
        parts.append("\n")
    if tag.name not in _SKIPPED_TAGS:
        for child in tag.children:
            if isinstance(child, Tag):
                _collect_text(child, parts)
            elif isinstance(child, NavigableString) and not isinstance(child, _NOT_TEXT):
                parts.append(child)
    if is_block:
        parts.append("\n")


def inline_text(node: Tag | None) -> str:
    """Text of a small inline node (a link, a table cell) on one line."""
    if node is None:
        return ""
    if next(tags(node, *_STRUCTURE_TAGS), None) is None:
        return _ASCII_BLANKS.sub(" ", node.get_text().replace("\n", " ")).strip(_ASCII_BLANK_CHARS)
    return block_text(node).replace("\n", " ")


# Walks rather than find_all(): bs4 4.13+ builds a filter object per call, which costs more than
# the walk over a list row or a paragraph.
def tags(node: Tag, *names: str) -> Iterator[Tag]:
    """The descendants of ``node`` named ``names`` (any tag when none), in document order."""
    for descendant in node.descendants:
        if isinstance(descendant, Tag) and (not names or descendant.name in names):
            yield descendant


def child_tags(node: Tag, *names: str) -> list[Tag]:
    """The children of ``node`` named ``names`` (any tag when none)."""
    return [child for child in node.children if isinstance(child, Tag) and (not names or child.name in names)]


@lru_cache(maxsize=256)
def css(selector: str) -> soupsieve.SoupSieve:
    """A compiled CSS selector; raises soupsieve.SelectorSyntaxError on bad syntax."""
    return soupsieve.compile(selector)


def select(node: Tag, selector: str) -> list[Tag]:
    return css(selector).select(node)


def select_one(node: Tag, selector: str) -> Tag | None:
    return css(selector).select_one(node)


def first_match(node: Tag, *selectors: str) -> Tag | None:
    """The first element matching the first selector that matches anything (layout fallbacks)."""
    for selector in selectors:
        found = select_one(node, selector)
        if found is not None:
            return found
    return None
