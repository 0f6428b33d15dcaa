"""Parsing HTML into BeautifulSoup (on the lxml parser) and reading text out of it.

A changed page is parsed once, and only the parts its scraper reads become Python objects:
``Keep`` lists those parts as simple selectors; lxml parses the whole page in C, and
scrapers.tree_soup builds the soup from the kept parts of its tree alone (menus, footers and inline
scripts are most of a ministry page). Measured in docs/parsing.md.
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Collection, Iterator
from contextlib import AbstractContextManager, contextmanager
from functools import lru_cache

import soupsieve
from bs4 import (
    BeautifulSoup,
    Comment,
    Declaration,
    Doctype,
    MarkupResemblesLocatorWarning,
    NavigableString,
    PageElement,
    ProcessingInstruction,
    Tag,
    XMLParsedAsHTMLWarning,
)
from bs4.exceptions import ParserRejectedMarkup
from lxml import etree

from monitor.errors import ParseError
from monitor.items import Page
from scrapers.tree_soup import Keep, tree_soup

# bs4's advice to a person at a prompt; a server's answer is parsed as what the source says it is,
# and a page that is not what it should be shows up as no items or a ParseError, not a warning.
warnings.filterwarnings("ignore", category=XMLParsedAsHTMLWarning)
warnings.filterwarnings("ignore", category=MarkupResemblesLocatorWarning)

_XML_DECLARATION = re.compile(r"^\s*<\?xml[^>]*\?>")
# Only markup's own blanks collapse; an ideographic space (U+3000) is part of the raw text.
_ASCII_BLANKS = re.compile("[ \t\r\f\v]+")
# The blanks and breaks of a text read as one line, but a single space (nothing to replace).
_LINE_BLANKS = re.compile("[\t\n\r\f\v][ \t\n\r\f\v]*| [ \t\n\r\f\v]+")
_SKIPPED_TAGS = frozenset({"script", "style", "rt", "rp", "noscript", "template", "button"})
_BLOCK_TAGS = frozenset(
    "p div li tr h1 h2 h3 h4 h5 h6 section article table dd dt ul ol br header footer figure figcaption blockquote pre".split()
)
_STRUCTURE_TAGS = _BLOCK_TAGS | _SKIPPED_TAGS
_NOT_TEXT = (Comment, Declaration, Doctype, ProcessingInstruction)


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
        return tree_soup(text, keep)
    except (ParserRejectedMarkup, etree.ParserError, ValueError) as exc:
        raise ParseError(f"{page.url}: not an HTML document ({exc})") from None


def whole_page(page: Page) -> AbstractContextManager[BeautifulSoup]:
    """The whole page, parsed a second time, for a page whose kept parts lack its content (rare);
    taken apart once read, as the kept parts' soup is by scrapers.base."""
    return discarded(parse_html(page))


@contextmanager
def discarded(soup: BeautifulSoup) -> Iterator[BeautifulSoup]:
    """``soup``, taken apart (``discard``) once the block that reads it is done."""
    try:
        yield soup
    finally:
        discard(soup)


def discard(soup: BeautifulSoup) -> None:
    """Take a soup apart once it is read. Each node links to its parent and neighbours, so a soup
    dropped whole waits for the garbage collector, which traces it (twice, as a poll's soups
    outlive a young collection); taken apart, it is freed at once. Its nodes are emptied as
    ``decompose()`` empties them, without the unlinking from their neighbours that ``decompose()``
    does first (each is emptied, so no link survives), at a third of its cost."""
    nodes: list[PageElement] = [soup]
    for node in nodes:  # grows as it is read: every node once
        contents = node.__dict__.get("contents")
        if contents:
            nodes.extend(contents)
    for node in nodes:
        node.__dict__.clear()


def fragment_text(markup: str) -> str:
    """Plain text of an HTML fragment such as a feed description."""
    if "<" not in markup and "&" not in markup:
        return markup.strip()
    try:
        soup = tree_soup(markup)
        text = block_text(soup)
    except (ParserRejectedMarkup, etree.ParserError, ValueError):  # text the parser refuses: no text
        return ""
    discard(soup)
    return text


def block_text(node: Tag) -> str:
    """Text of ``node`` with one line per block element and ``<br>``; scripts and ruby readings dropped."""
    parts: list[str] = []
    _collect_text(node, parts)
    lines = (line.strip(" ") for line in _ASCII_BLANKS.sub(" ", "".join(parts)).split("\n"))  # blanks: one space
    return "\n".join(line for line in lines if line)


def _collect_text(tag: Tag, parts: list[str]) -> None:
    is_block = tag.name in _BLOCK_TAGS
    if is_block:
        parts.append("\n")
    if tag.name not in _SKIPPED_TAGS:
        for child in tag.contents:
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
    parts: list[str] = []
    types = node.interesting_string_types
    if not _inline_strings(node, Tag.MAIN_CONTENT_STRING_TYPES if types is None else types, parts):
        return block_text(node).replace("\n", " ")
    return _LINE_BLANKS.sub(" ", "".join(parts)).strip(" ")


def _inline_strings(tag: Tag, types: Collection[type], parts: list[str]) -> bool:
    """Collects the strings ``get_text()`` joins (those of ``types``); False, at once, on a block,
    a script or a ruby reading inside: such a node's text is block_text's."""
    for child in tag.contents:
        if isinstance(child, Tag):
            if child.name in _STRUCTURE_TAGS or not _inline_strings(child, types, parts):
                return False
        elif type(child) in types:
            parts.append(child)
    return True


# Walks rather than find_all(): bs4 4.13+ builds a filter object per call, which costs more than
# the walk over a list row or a paragraph.
def tags(node: Tag, *names: str) -> Iterator[Tag]:
    """The descendants of ``node`` named ``names`` (any tag when none), in document order: bs4's
    ``descendants`` walk (each element's ``next_element``, up to the one after the last
    descendant), at half its cost."""
    last = node
    while isinstance(last, Tag) and last.contents:
        last = last.contents[-1]
    end = last.next_element
    current = node.contents[0] if node.contents else end
    while current is not end and current is not None:
        successor = current.next_element
        if isinstance(current, Tag) and (not names or current.name in names):
            yield current
        current = successor


def child_tags(node: Tag, *names: str) -> list[Tag]:
    """The children of ``node`` named ``names`` (any tag when none)."""
    return [child for child in node.contents if isinstance(child, Tag) and (not names or child.name in names)]


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
