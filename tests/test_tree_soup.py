"""The soup scrapers receive is the one bs4's own lxml builder makes: scrapers.tree_soup builds it
from lxml's finished tree, and must give every tag and string the class, text, attributes and
links (parent, siblings, next and previous element) that ``BeautifulSoup(text, "lxml")`` gives
them, on every saved page, for the whole page and for the parts each scraper keeps."""

from __future__ import annotations

from pathlib import Path

import pytest
from bs4 import BeautifulSoup, NavigableString, PageElement, Tag
from bs4.filter import ElementFilter

from scrapers.mic import PressList
from scrapers.nhk import NhkArticle
from scrapers.soup import without_xml_declaration
from scrapers.tree_soup import Keep, tree_soup
from tests.conftest import PAGES, SHARED, page_from_bytes

SAVED_PAGES = sorted(PAGES.rglob("*.html")) + sorted((SHARED / "fixtures/real").rglob("*.html"))
KEEPS = [
    None,  # the whole page
    PressList.keep,
    ("div#contentsWrapper", "div.contentsBody", "table"),  # parts inside parts
    NhkArticle.keep,
    ("ul.p-newsList",),  # the gov-online preset
    ("a[href]", "p", "[id*=a]", ".title", "span"),  # nested and overlapping parts
]
LINKS = ("parent", "previous_element", "next_element", "previous_sibling", "next_sibling")
# The parser's working state and inputs, not the tree.
PARSER_STATE = {"builder", "markup", "parse_only", "current_data", "currentTag", "tagStack", "open_tag_counter"}
PARSER_STATE |= {"preserve_whitespace_tag_stack", "string_container_stack", "_most_recent_element"}

# htmlIsBooleanAttr in libxml2's HTMLparser.c
LIBXML2_BOOLEAN_ATTRIBUTES = set(
    "checked compact declare defer disabled ismap multiple nohref noresize noshade nowrap readonly selected".split()
)

EDGE_CASES = {
    "blanks": "<html><body>\n <p> a </p>\t<p>\r\n</p> <pre>\n  <b> </b>\n</pre><textarea>  </textarea>\f</body></html>",
    "comments": "<!-- before --><html><!----><body><!-- --><p>a<!--x-->b</p><pre><!----></pre></body></html><!-- after -->",
    "doctype": '<!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.0 Transitional//EN" "http://www.w3.org/TR/xhtml1/DTD/xhtml1-transitional.dtd">\n<p>x</p>',
    "html5 doctype": "<!DOCTYPE html><title>t</title><p>x",
    "string containers": "<style>p{}</style><script> var a = '<b>'; </script><template><p>t</p></template>"
    "<ruby>漢<rp>(</rp><rt>かん<b>じ</b></rt><rp>)</rp></ruby><noscript><p>n</p></noscript>",
    "entities and controls": "<p title='&quot;&amp;'>&nbsp;&copy;&unknown; &#x41; \x00 &lt;b&gt; 　</p>",
    "attributes": '<div class="a  b\u3000c" id=x data-k="a?b" hidden class="dup"><a href rel="nofollow noopener">l</a>'
    '<meta charset="Shift_JIS"><meta http-equiv="Content-Type" content="text/html; charset=Shift_JIS"></div>',
    "broken": '<div class="nav"><p>menu<div class="y" data-k="a?b"><a href="/t">t</a><p>after</div></div></span><a href="/u">u</a>'
    "<table><tr><td>1<td>2</table><li>x<li>y<p><p>",
    "boolean attributes": '<script defer src=x></script><td nowrap><input disabled checked=checked readonly="">'
    "<option selected>o</option><a href>l</a>",
    "namespaced": "<html xmlns:o='urn:o'><body><o:p>x</o:p><svg><circle r='1'/></svg><a xml:lang='ja'>j</a></body></html>",
    "text only": "hello",
    "bom": "\ufeff<p>bom</p>",
}


class _Kept(ElementFilter):
    """bs4's own filter for the parts ``keep`` names: a top-level tag is built (with all its
    descendants) when a rule matches it, and no string lies outside them."""

    def __init__(self, keep: Keep) -> None:
        super().__init__()
        self.keep = keep

    def allow_tag_creation(self, nsprefix, name, attrs) -> bool:
        return self.keep.matches(name, attrs or {})

    def allow_string_creation(self, string: str) -> bool:
        return False


def stock_soup(text: str, keep: Keep | None) -> BeautifulSoup:
    """bs4's soup, less the blanks after the root element: lxml's parser reports the newline after
    ``</html>`` to bs4's builder, and its tree has no place for it (nor a scraper a use)."""
    soup = BeautifulSoup(text, "lxml", parse_only=_Kept(keep) if keep else None)
    root = next((node for node in soup.contents if isinstance(node, Tag)), None)
    for blank in [node for node in (root.next_siblings if root else ()) if type(node) is NavigableString and not node.strip()]:
        blank.extract()
    return soup


def anatomy(soup: BeautifulSoup) -> list[tuple]:
    """Every node of the soup: its class, text or name, and each attribute bs4 set on it, links to
    other nodes given as their position in document order."""
    nodes: list[PageElement] = [soup, *soup.descendants]
    position = {id(node): index for index, node in enumerate(nodes)}
    described = []
    for node in nodes:
        fields = []
        for key, value in sorted(vars(node).items()):
            if key in PARSER_STATE:
                continue
            if key in LINKS:
                value = None if value is None else position.get(id(value), "outside the soup")
            elif key == "contents":
                value = [position[id(child)] for child in value]
            elif key == "attrs":
                value = [(name, type(item).__name__, item) for name, item in value.items()]
            fields.append((key, value))
        text = str(node) if isinstance(node, NavigableString) else node.name
        described.append((type(node).__name__, text, fields))
    return described


def with_boolean_attributes_named(stock: BeautifulSoup, built: BeautifulSoup) -> None:
    """lxml's tree gives a bare boolean attribute (``<td nowrap>``) its name as value, as if it were
    written ``nowrap="nowrap"``; bs4's builder gets no value from lxml's parser and stores ''. Where
    the tree soup has the name and bs4's the empty string, the stock soup takes the name."""
    for stock_tag, built_tag in zip(stock.find_all(True), built.find_all(True), strict=True):
        for name in LIBXML2_BOOLEAN_ATTRIBUTES & stock_tag.attrs.keys():
            if stock_tag[name] == "" and built_tag.get(name) == name:
                stock_tag[name] = name


def assert_same_soup(text: str, keep: Keep | None) -> None:
    built, stock = tree_soup(text, keep), stock_soup(text, keep)
    with_boolean_attributes_named(stock, built)
    assert str(built) == str(stock)
    assert anatomy(built) == anatomy(stock)


@pytest.mark.parametrize("path", SAVED_PAGES, ids=lambda path: str(path.relative_to(path.parents[1])))
@pytest.mark.parametrize("selectors", KEEPS, ids=lambda selectors: ",".join(selectors) if selectors else "whole page")
def test_a_saved_page_gives_the_soup_bs4_builds(path: Path, selectors: tuple[str, ...] | None):
    text = without_xml_declaration(page_from_bytes(path.read_bytes(), "https://example.jp/").text)
    assert_same_soup(text, Keep(*selectors) if selectors else None)


@pytest.mark.parametrize("markup", EDGE_CASES.values(), ids=EDGE_CASES.keys())
@pytest.mark.parametrize("selectors", KEEPS, ids=lambda selectors: ",".join(selectors) if selectors else "whole page")
def test_odd_markup_gives_the_soup_bs4_builds(markup: str, selectors: tuple[str, ...] | None):
    assert_same_soup(markup, Keep(*selectors) if selectors else None)


def test_the_saved_pages_include_the_real_captures():
    if not (SHARED / "fixtures/real").exists():
        pytest.skip(f"{SHARED} is absent: the real captures live in ../shared next to the project checkout")
    assert len([path for path in SAVED_PAGES if SHARED in path.parents]) >= 5


def test_a_document_without_an_element_gives_an_empty_soup():
    """lxml makes no tree of a comment or a doctype alone (bs4's builder would keep them): a page
    of nothing else has nothing a scraper reads either way."""
    for markup in ("<!-- only a comment -->", "<!DOCTYPE html>"):
        assert tree_soup(markup).contents == []


@pytest.mark.parametrize(
    ("selectors", "kept"),
    [
        (["div.b"], ["d1", "d3"]),  # a class is a whole word, as bs4 splits the attribute
        (["div.bb"], ["d2"]),
        (["[data-k*='?']"], ["d3"]),
        (["[data-k*='']"], []),  # CSS: an empty substring matches nothing
        (['[data-k="a\'b"]'], ["d4"]),  # quotes of either kind inside a value
        (["#d2"], ["d2"]),
        (["[hidden]"], ["d1"]),
        (["span"], ["s0", "s1"]),
        (["div.a", "span"], ["d1", "s1"]),  # s0 comes with d1, which holds it
        ([], []),
    ],
)
def test_keep_selects_by_the_simple_selector_rules(selectors: list[str], kept: list[str]):
    markup = (
        '<div id="d1" class="a b" hidden><span id="s0"></span></div><div id="d2" class="bb"><span id="s1"></span></div>'
        '<div id="d3" class="b\u3000c" data-k="a?b"></div><div id="d4" data-k="a\'b"></div>'
    )
    soup = tree_soup(markup, Keep(*selectors))
    assert [tag["id"] for tag in soup.contents] == kept
