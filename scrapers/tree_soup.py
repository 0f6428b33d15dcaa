"""A BeautifulSoup built from the tree lxml's C parser makes, and only from the parts a scraper reads.

bs4's own lxml builder has lxml call Python for every start, end and text event of the page, and
builds a bs4 object per event; here lxml parses the whole page without calling Python, ``Keep``
finds the kept elements with one XPath query, and only those subtrees become bs4 objects. The
soup is the one ``BeautifulSoup(text, "lxml")`` builds for the same parts (same classes, strings,
attributes and links between elements: tests/test_tree_soup.py compares them on every saved page),
but for what lxml's tree does not hold: a bare boolean attribute (``<td nowrap>``) has its name as
value, as if written ``nowrap="nowrap"``, where bs4 stored ''; the blanks after ``</html>`` are not
in the soup; a document with no element at all (a comment alone) gives an empty soup.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping

from bs4 import BeautifulSoup, Comment, Doctype, NavigableString, ProcessingInstruction, Tag
from bs4.builder import LXMLTreeBuilder
from bs4.exceptions import ParserRejectedMarkup
from lxml import etree

_SIMPLE_SELECTOR = re.compile(r"(?P<tag>[a-z][a-z0-9]*)?(?P<parts>(?:[.#][\w-]+|\[[\w-]+(?:\*?=[^\]]+)?\])*)")
_PART = re.compile(r"([.#])([\w-]+)|\[([\w-]+)(?:(\*?=)([^\]]+))?\]")

_Attributes = Mapping[str, str]

# A tag's own fields: set per tag. The others Tag.__init__ takes from the builder (the same for every
# soup of _TreeSoupBuilder) and the tag's name, so they are copied from the first tag of that name.
_NODE_FIELDS = frozenset({"attrs", "contents", "_namespaces", "parent", "previous_element", "next_element"})
_NODE_FIELDS |= {"previous_sibling", "next_sibling"}
_TAG_FIELDS: dict[str, dict[str, object]] = {}
_MAX_TAG_NAMES = 1024
_new_object = object.__new__
_new_string = str.__new__


class Keep:
    """The elements to parse: ``Keep("title", "div.contentsBody", "script[type=application/ld+json]")``.

    Each entry is one simple selector (a tag, ``.class``, ``#id``, ``[attr]``, ``[attr=value]``,
    ``[attr*=value]``, combined, no combinators). A kept element is parsed whole, with all its
    descendants; what matches no entry and lies in no kept element is left out of the soup.
    """

    def __init__(self, *selectors: str) -> None:
        variables: dict[str, str] = {}
        parsed = [_parse_selector(selector) for selector in selectors]
        self._rules = [_rule(tag, parts) for tag, parts in parsed]
        # The XPath finds every element a rule may match (a class in @class as a substring); the
        # rules then decide, so that a class is a whole word as bs4 splits them. No selector: no
        # element ("/.." selects nothing).
        self._candidates = etree.XPath(" | ".join(_xpath(tag, parts, variables) for tag, parts in parsed) or "/..")
        self._variables = variables

    def matches(self, name: str, attrs: _Attributes) -> bool:
        return any(rule(name, attrs) for rule in self._rules)

    def parts(self, root: etree._Element) -> list[etree._Element]:
        """The kept elements of the tree under ``root`` that lie in no other kept one, in document order."""
        kept = [element for element in self._candidates(root, **self._variables) if self.matches(element.tag, element.attrib)]
        if len(kept) < 2:
            return kept
        inside = set(kept)
        return [element for element in kept if not any(ancestor in inside for ancestor in element.iterancestors())]


_Part = tuple[str, str, str, str, str]  # (. or #, word) or (attribute, operator, quoted value)


def _parse_selector(selector: str) -> tuple[str | None, list[_Part]]:
    match = _SIMPLE_SELECTOR.fullmatch(selector.strip())
    if not match or not selector.strip():
        raise ValueError(f"{selector!r} is not a simple selector (tag, .class, #id, [attr], [attr=value], [attr*=value])")
    return match.group("tag"), _PART.findall(match.group("parts"))


def _rule(tag: str | None, parts: list[_Part]) -> Callable[[str, _Attributes], bool]:
    tests = [_part_test(*part) for part in parts]
    return lambda name, attrs: (tag is None or name == tag) and all(test(attrs) for test in tests)


def _part_test(dot_or_hash: str, word: str, attribute: str, operator: str, quoted: str) -> Callable[[_Attributes], bool]:
    value = quoted.strip("'\"")
    if dot_or_hash == ".":
        return lambda attrs: word in (attrs.get("class") or "").split()
    if dot_or_hash == "#":
        return lambda attrs: attrs.get("id") == word
    if not operator:
        return lambda attrs: attribute in attrs
    if operator == "=":
        return lambda attrs: attrs.get(attribute) == value
    return lambda attrs: bool(value) and value in attrs.get(attribute, "")  # CSS: [a*=""] matches nothing


def _xpath(tag: str | None, parts: list[_Part], variables: dict[str, str]) -> str:
    """An XPath step selecting at least the elements ``tag`` and ``parts`` match; values travel as
    XPath variables, so that no quoting of the page author's strings is needed."""

    def variable(value: str) -> str:
        name = f"v{len(variables)}"
        variables[name] = value
        return f"${name}"

    conditions = []
    for dot_or_hash, word, attribute, operator, quoted in parts:
        if dot_or_hash == ".":
            conditions.append(f"contains(@class, {variable(word)})")
        elif dot_or_hash == "#":
            conditions.append(f"@id = {variable(word)}")
        else:
            named = f"@*[name() = {variable(attribute)}]"
            value = quoted.strip("'\"")
            condition = {"": named, "=": f"{named} = {{}}", "*=": f"contains({named}, {{}})"}[operator]
            conditions.append(condition.format(variable(value)) if operator else condition)
    return f"//{tag or '*'}" + "".join(f"[{condition}]" for condition in conditions)


class _TreeSoupBuilder(LXMLTreeBuilder):
    """bs4's lxml builder, fed the finished lxml tree instead of the parser's events: it adds the
    kept subtrees (the whole document without ``keep``) to the soup, making each tag and string
    as ``BeautifulSoup.handle_starttag`` and ``endData`` make them from those events."""

    def __init__(self, keep: Keep | None) -> None:
        super().__init__()
        self._keep = keep

    def feed(self, markup: str | bytes) -> None:
        parser = etree.HTMLParser(recover=True, no_network=True, default_doctype=False)
        try:
            parser.feed(markup)
            root = parser.close()
        except (UnicodeDecodeError, LookupError, etree.ParserError) as exc:
            raise ParserRejectedMarkup(exc) from exc
        if root is None:  # no element at all (a comment or a doctype alone): an empty soup
            return
        growth = _Growth(self)
        if self._keep is not None:
            growth.add(self._keep.parts(root))
            return
        declared = root.getroottree().docinfo.internalDTD  # the name as written: docinfo's is lowercased
        if declared is not None:
            doctype = Doctype.for_name_and_ids(declared.name, declared.external_id, declared.system_url)
            growth.add_string(str(doctype), growth.soup, Doctype, preserving=False)
        growth.add([*reversed(list(root.itersiblings(preceding=True))), root, *root.itersiblings()])


class _Growth:
    """The soup as it grows, one subtree after another, in document order.

    Each tag and string gets the fields ``Tag.__init__`` and ``NavigableString``'s ``__new__`` and
    ``setup()`` give it, set directly (a quarter of their cost): what ``Tag.__init__`` takes from
    the builder and the tag's name is the same for every tag of that name, so it is copied from
    the first tag of that name it made; the links are set as ``setup()`` sets them.
    """

    def __init__(self, builder: _TreeSoupBuilder) -> None:
        assert builder.soup is not None
        self.soup: BeautifulSoup = builder.soup
        self.builder = builder
        self.namespaces = builder.active_namespace_prefixes[-1] or {}
        self.multi_valued = _multi_valued(builder)
        self.last: Tag | NavigableString | None = None  # the element made last (each links to the one before)

    def add(self, nodes: Iterable[etree._Element]) -> None:
        """Top-level nodes, without the text that follows each (outside every kept part)."""
        for node in nodes:
            self.add_node(node, self.soup, NavigableString, preserving=False)

    def add_node(self, node: etree._Element, parent: Tag, strings: type[NavigableString], preserving: bool) -> None:
        name = node.tag
        if isinstance(name, str):
            self.add_tag(node, name, parent, strings, preserving)
        elif name is etree.Comment:
            self.add_string(node.text or "", parent, Comment, preserving)
        elif name is etree.PI:
            self.add_string(f"{node.target} {node.text or ''}", parent, ProcessingInstruction, preserving)

    def add_tag(self, element: etree._Element, name: str, parent: Tag, strings: type[NavigableString], preserving: bool) -> None:
        builder = self.builder
        attributes = builder.attribute_dict_class(element.items())
        if attributes and not self.multi_valued.isdisjoint(attributes):  # class="a b" becomes a list
            attributes = builder._replace_cdata_list_attribute_values(name, attributes)
        fields = _TAG_FIELDS.get(name) or self.tag_fields(name)
        fields = fields.copy()
        fields["attrs"] = attributes
        fields["contents"] = []
        fields["_namespaces"] = self.namespaces
        tag = _new_object(Tag)
        tag.__dict__ = fields
        self.link(tag, fields, parent)
        builder.set_up_substitutions(tag)  # a <meta> tag's charset, replaced when the soup is written out
        strings = builder.string_containers.get(name, strings)
        preserving = preserving or name in builder.preserve_whitespace_tags
        text = element.text
        if text:
            self.add_string(text, tag, strings, preserving)
        for child in element:
            child_name = child.tag
            if child_name.__class__ is str:
                self.add_tag(child, child_name, tag, strings, preserving)
            else:
                self.add_node(child, tag, strings, preserving)
            text = child.tail
            if text:
                self.add_string(text, tag, strings, preserving)

    def tag_fields(self, name: str) -> dict[str, object]:
        made = Tag(self.soup, self.builder, name, namespaces=self.namespaces)
        fields = {key: value for key, value in vars(made).items() if key not in _NODE_FIELDS}
        if len(_TAG_FIELDS) < _MAX_TAG_NAMES:  # a page may invent any number of tag names
            _TAG_FIELDS[name] = fields
        return fields

    def add_string(self, text: str, parent: Tag, kind: type[NavigableString], preserving: bool) -> None:
        if not preserving and not text.strip(BeautifulSoup.ASCII_SPACES):  # as BeautifulSoup.endData does
            text = "\n" if "\n" in text else " "
        string = _new_string(kind, text)
        fields = string.__dict__
        fields["hidden"] = False
        self.link(string, fields, parent)

    def link(self, node: Tag | NavigableString, fields: dict[str, object], parent: Tag) -> None:
        """``node`` as the last child of ``parent``, after the element made last (as ``setup()`` links them)."""
        siblings = parent.contents
        previous_sibling = siblings[-1] if siblings else None
        last = self.last
        fields["parent"] = parent
        fields["previous_element"] = last
        fields["next_element"] = fields["next_sibling"] = None
        fields["previous_sibling"] = previous_sibling
        if last is not None:
            last.next_element = node
        if previous_sibling is not None:
            previous_sibling.next_sibling = node
        siblings.append(node)
        self.last = node


def _multi_valued(builder: _TreeSoupBuilder) -> frozenset[str]:
    """The attributes that may hold a list of words (``class``, ``rel``...), whatever the tag."""
    return frozenset(name for names in builder.cdata_list_attributes.values() for name in names)


def tree_soup(text: str, keep: Keep | None = None) -> BeautifulSoup:
    """``text`` as a BeautifulSoup (on lxml's HTML parser), only the ``keep`` parts of it when given."""
    return BeautifulSoup(text, builder=_TreeSoupBuilder(keep))
