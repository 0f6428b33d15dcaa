"""Property-based tests: every scraper and every fact extractor, on thousands of mutated fixture
pages and generated texts. Nothing may escape but the documented errors: a scraper raises
ParseError (or DecodeError for bytes no charset fits), an extractor raises nothing.

Examples are derived deterministically (the same ones on every run, so CI is reproducible); set
HYPOTHESIS_PROFILE=explore to draw new ones.
"""

from __future__ import annotations

import os
from datetime import datetime, timezone

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import scrapers
from monitor.errors import DecodeError, ParseError
from monitor.facts import extract_facts
from monitor.facts.amounts import extract_amounts
from monitor.facts.dates import date_mentions, dates_of
from monitor.facts.figures import extract_figures
from monitor.facts.identifiers import extract_corporate_numbers, extract_districts
from monitor.items import Document
from monitor.jpdates import parse_jp_date, parse_timestamp
from monitor.text import normalize, without_controls
from tests.conftest import PAGES, page_from_bytes

settings.register_profile("ci", derandomize=True, database=None, deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.register_profile("explore", deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))

# kind → (fixture, content type, options): each scraper mutates pages of its own family.
LIST_FIXTURES = {
    "feed": ("mic/news.rdf", "application/rdf+xml", {}),
    "nhk_feed": ("nhk/www3_cat4.xml", "application/xml", {}),
    "mic_press_list": ("mic/s-news_index.html", "text/html", {}),
    "html_list": ("mic/s-news_index.html", "text/html", {"item": "tr", "title": "td a", "date": "td"}),
}
DETAIL_FIXTURES = {
    "mic_page": ("mic/press_release_guidance.html", "text/html"),
    "nhk_article": ("nhk/www3_article_donation.html", "text/html; charset=utf-8"),
}
# What breaks parsers: markup fragments, entities, charset declarations, controls, odd bytes.
_FRAGMENTS = [
    b"<", b">", b"</table>", b"<tr>", b"<td>", b"</a>", b"<a href=", b'"', b"&", b"&#0;", b"&#x110000;", b"&amp",
    b"<!--", b"]]>", b"<![CDATA[", b"\x00", b"\xff\xfe", b"\x81", b"\x82\xa0", b"<meta charset=euc-jp>",
    b'<?xml version="1.0" encoding="utf-16"?>', b"<item>", b"</item>", b"<link>", b"javascript:", b"\r", b"\n" * 50,
    "令和元年13月40日".encode(), "平成31年5月1日".encode(), "１２３４５６７８９０１２３".encode("cp932"),
]  # fmt: skip

_mutation = st.tuples(
    st.sampled_from(["insert", "delete", "duplicate", "flip", "truncate"]),
    st.floats(0, 1),
    st.floats(0, 1),
    st.one_of(st.sampled_from(_FRAGMENTS), st.binary(max_size=8)),
)


def mutate(content: bytes, mutations: list[tuple[str, float, float, bytes]]) -> bytes:
    for operation, where, extent, payload in mutations:
        start = int(where * len(content))
        end = min(len(content), start + int(extent * 400))
        if operation == "insert":
            content = content[:start] + payload + content[start:]
        elif operation == "delete":
            content = content[:start] + content[end:]
        elif operation == "duplicate":
            content = content[:end] + content[start:end] + content[end:]
        elif operation == "flip" and content:
            position = min(start, len(content) - 1)
            content = content[:position] + bytes([content[position] ^ 0xFF]) + content[position + 1 :]
        elif operation == "truncate":
            content = content[:start]
    return content


_MUTATIONS = st.lists(_mutation, min_size=1, max_size=6)


@settings(max_examples=1000)
@given(kind=st.sampled_from(sorted(LIST_FIXTURES)), mutations=_MUTATIONS)
def test_list_scrapers_return_items_or_a_parse_error(kind, mutations):
    fixture, content_type, options = LIST_FIXTURES[kind]
    scraper = scrapers.get_list_scraper(kind)
    page = page_from_bytes(mutate((PAGES / fixture).read_bytes(), mutations), "https://www.soumu.go.jp/list.html", content_type)
    try:
        items = scraper.parse(page, scraper.options.model_validate(options))
    except (ParseError, DecodeError):
        return
    for item in items:
        assert isinstance(item.title, str) and isinstance(item.link, str)
        assert item.published_at is None or item.published_at.tzinfo is not None


@settings(max_examples=1000)
@given(kind=st.sampled_from(sorted(DETAIL_FIXTURES)), mutations=_MUTATIONS)
def test_detail_parsers_return_an_article_or_a_parse_error(kind, mutations):
    fixture, content_type = DETAIL_FIXTURES[kind]
    page = page_from_bytes(mutate((PAGES / fixture).read_bytes(), mutations), "https://www3.nhk.or.jp/news/a.html", content_type)
    try:
        article = scrapers.get_detail_parser(kind).parse(page)
    except (ParseError, DecodeError):
        return
    assert isinstance(article.title, str) and isinstance(article.body, str)


# Japanese-looking text: the characters facts are made of, mixed with anything at all.
_JAPANESE = st.text(
    alphabet=st.one_of(
        st.sampled_from(
            list(
                "0123456789０１２３４５６７８９〇一二三四五六七八九十百千万億兆円年月日令和平成昭和元約件人社団体都道府県市区町村"
            )
        ),
        st.sampled_from(list("株式会社法人番号第号議員大臣知事市長社長総務省行政指導返金寄付万円、。（）「」・-－〜~/：:")),
        st.characters(codec="utf-8"),
    ),
    max_size=300,
)


@settings(max_examples=1500)
@given(text=_JAPANESE)
def test_amounts_dates_numbers_districts_and_figures_never_raise(text):
    line = normalize(without_controls(text))
    assert all(isinstance(amount, int) and amount >= 0 for amount in extract_amounts(line))
    dates, resolved = dates_of(date_mentions(line, datetime(2024, 2, 15, tzinfo=timezone.utc).date()))
    assert all(len(value) == 10 for value in dates)
    valid, rejected = extract_corporate_numbers(line)
    assert all(len(number) == 13 for number in valid)
    extract_districts(line)
    extract_figures(line)
    parse_jp_date(line)
    parse_timestamp(line)


@settings(max_examples=300)
@given(title=_JAPANESE, body=_JAPANESE)
def test_every_fact_of_a_document_is_extracted_without_raising(title, body):
    facts = extract_facts(Document(normalize(title), normalize(body), datetime(2024, 2, 15, tzinfo=timezone.utc)))
    assert isinstance(facts.to_json(), dict)
