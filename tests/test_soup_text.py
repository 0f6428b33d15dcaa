"""The text scrapers read from a soup (scrapers.soup): what bs4's own walks give, put on lines."""

import re

from bs4 import Tag
from hypothesis import given, settings
from hypothesis import strategies as st

from scrapers.soup import block_text, inline_text, tags
from scrapers.tree_soup import tree_soup

# Fragments of markup, put together at random: inline and block tags, scripts, ruby, comments,
# and every blank markup has.
PIECES = ["<a href='/x'>", "</a>", "<span>", "</span>", "<b>", "</b>", "<p>", "</p>", "<br>", "<div>", "</div>"]
PIECES += ["<script>s()</script>", "<ruby>漢<rt>かん</rt></ruby>", "<!-- c -->", "<![CDATA[d]]>", "&amp;", "&nbsp;"]
PIECES += ["語", "a", " ", "  ", "\t", "\n", "\r\n", "\f", "\v", "\u3000"]


def _markup(pieces: list[str]) -> str:
    return f"<html><body><div id='n'>{''.join(pieces)}</div></body></html>"


def _node(pieces: list[str]) -> Tag:
    node = tree_soup(_markup(pieces)).find(id="n")
    assert isinstance(node, Tag)
    return node


@settings(derandomize=True, database=None, deadline=None, max_examples=1500)
@given(st.lists(st.sampled_from(PIECES), max_size=14))
def test_inline_text_is_get_text_on_one_line_unless_blocks_are_inside(pieces: list[str]):
    node = _node(pieces)
    structure = {"p", "div", "br", "script", "rt"} & {tag.name for tag in node.find_all(True)}
    expected = (
        block_text(node).replace("\n", " ")
        if structure
        else re.sub("[ \t\r\f\v]+", " ", node.get_text().replace("\n", " ")).strip(" \t\r\f\v")
    )
    assert inline_text(node) == expected


@settings(derandomize=True, database=None, deadline=None, max_examples=1500)
@given(st.lists(st.sampled_from(PIECES), max_size=14))
def test_tags_walks_what_descendants_walks(pieces: list[str]):
    node = _node(pieces)
    assert list(tags(node)) == [d for d in node.descendants if isinstance(d, Tag)]
    assert list(tags(node, "a", "p")) == node.find_all(["a", "p"])
