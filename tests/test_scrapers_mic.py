import gc
import re
from datetime import date, datetime, timezone

import pytest

from monitor.config import SourceConfig
from monitor.errors import ParseError
from monitor.sources import resolve
from scrapers.base import get_detail_parser, get_list_scraper
from scrapers.mic import PressListOptions, archive_url, press_list_pages
from tests.conftest import fixture_page, page_from_bytes, shared_file

LIST_URL = "https://www.soumu.go.jp/menu_news/s-news/index.html"


def parse_list(page):
    return get_list_scraper("mic_press_list").parse(page, PressListOptions())


def test_press_list_rows_become_items_with_dates_bureaus_and_absolute_links():
    items = parse_list(fixture_page("mic/s-news_index.html", LIST_URL))
    assert [item.link for item in items] == [
        "https://www.soumu.go.jp/menu_news/s-news/01kiban07_02000099.html",
        "https://www.soumu.go.jp/menu_news/s-news/01gyosei07_02000200.html",
        "https://www.soumu.go.jp/menu_news/s-news/01toukei01_01000300.html",
    ]
    assert items[0].title == "北陸通信サービス株式会社に対する行政指導"
    assert items[0].attributes == {"bureau": "総合通信基盤局"}
    # the second release shares the first one's date cell (rowspan)
    assert items[1].published_at == items[0].published_at == datetime(2024, 2, 8, 15, 0, tzinfo=timezone.utc)
    assert items[2].published_at == datetime(2024, 2, 7, 15, 0, tzinfo=timezone.utc)


def test_cp932_only_characters_survive_decoding():
    title = parse_list(fixture_page("mic/s-news_index.html", LIST_URL))[2].title
    assert title == "髙﨑市を含む①地域の人口推計（令和5年10月1日現在）㈱調査委託分"


def test_a_page_without_the_table_is_a_parse_error():
    page = page_from_bytes(
        "<html><body><div class='contentsBody'><p>メンテナンス中</p></div></body></html>".encode("cp932"), LIST_URL
    )
    with pytest.raises(ParseError, match="no 報道資料 table"):
        parse_list(page)


def _row(name: str) -> str:
    return f"<tr><td>令和6年2月9日</td><td><a href='/{name}.html'>{name}</a></td><td>総合通信基盤局</td></tr>"


def test_a_list_without_div_contents_body_is_read_from_the_wrapper_else_from_every_table():
    wrapped = f"<div id='contentsWrapper'><table>{_row('inside')}</table></div><table>{_row('outside')}</table>"
    unwrapped = f"<div><table>{_row('first')}</table></div><table>{_row('second')}</table>"
    for body, titles in ((wrapped, ["inside"]), (unwrapped, ["first", "second"])):
        page = page_from_bytes(f"<html><body>{body}</body></html>".encode("cp932"), LIST_URL)
        assert [item.title for item in parse_list(page)] == titles


def test_a_page_without_div_contents_body_is_read_from_the_wrapper_else_from_the_body():
    url = "https://www.soumu.go.jp/menu_news/s-news/x.html"
    wrapped = "<div id='contentsWrapper'><h1>会見の概要</h1><p>本文です。</p></div><div>メニュー</div>"
    for body, text in ((wrapped, "会見の概要\n本文です。"), ("<p>本文だけの頁です。</p>", "本文だけの頁です。")):
        page = page_from_bytes(f"<html><head><title>総務省｜件名</title></head><body>{body}</body></html>".encode("cp932"), url)
        article = get_detail_parser("mic_page").parse(page)
        assert (article.title, article.body) == ("件名", text)


def test_press_release_page_gives_title_era_date_body_bureau_and_attachments():
    url = "https://www.soumu.go.jp/menu_news/s-news/01kiban07_02000099.html"
    article = get_detail_parser("mic_page").parse(fixture_page("mic/press_release_guidance.html", url))
    assert article.title == "北陸通信サービス株式会社に対する行政指導"
    assert article.published_at == datetime(2024, 2, 8, 15, 0, tzinfo=timezone.utc)  # 令和6年2月9日 JST
    assert article.lead.startswith(
        "総務省は、本日、北陸通信サービス株式会社（代表取締役社長　髙橋　一郎、法人番号　8220001012345"
    )
    assert "文書により行政指導を行いました。" in article.body
    assert "所管法令等" not in article.body  # sidebar (div.contentsMenu) is not body
    assert article.attributes["bureau"] == "総合通信基盤局"
    assert [a["url"] for a in article.attributes["attachments"]] == [
        "https://www.soumu.go.jp/main_content/000925123.pdf",
        "https://www.soumu.go.jp/main_content/000925124.xlsx",
    ]
    assert article.attributes["attachments"][1]["type"] == "xlsx"


def test_a_release_date_is_found_past_blanks_that_normalizing_drops():
    url = "https://www.soumu.go.jp/menu_news/s-news/x.html"
    spaced = "お知らせ" + "\u3000" * 450 + "令和6年2月9日"  # a layout of full-width spaces, as pages pad columns
    html = f"<html><head><title>総務省｜件名</title></head><body><div class='contentsBody'><p>{spaced}</p></div></body></html>"
    article = get_detail_parser("mic_page").parse(page_from_bytes(html.encode("cp932"), url))
    assert article.published_at == datetime(2024, 2, 8, 15, 0, tzinfo=timezone.utc)


def test_other_pages_of_the_template_parse_too():
    article = get_detail_parser("mic_page").parse(
        fixture_page("mic/kaiken.html", "https://www.soumu.go.jp/menu_news/kaiken/x.html")
    )
    assert article.title == "総務大臣閣議後記者会見の概要（令和6年2月9日）"
    assert article.published_at.date() == date(2024, 2, 8)


def test_monthly_archive_urls_including_october_2023():
    assert archive_url(2025, 1) == "https://www.soumu.go.jp/menu_news/s-news/2501m.html"
    assert archive_url(2023, 10) == "https://www.soumu.go.jp/menu_news/s-news/2310.html"
    assert press_list_pages(LIST_URL, PressListOptions(archive_months=2), date(2024, 1, 15)) == [
        LIST_URL,
        "https://www.soumu.go.jp/menu_news/s-news/2312m.html",
        "https://www.soumu.go.jp/menu_news/s-news/2311m.html",
    ]


def test_archive_names_match_the_real_monthly_links_2009_to_2018():
    monthly = set()
    for line in (
        shared_file("fixtures/real/soumu/extracted/s-news_monthly_list_links_2009-2018__01mokuba-soumu_scrapy__soumu.json")
        .read_text()
        .splitlines()
    ):
        monthly.update(re.findall(r"/menu_news/s-news/(\d{4}m\.html)", line))
    assert len(monthly) > 100
    for name in monthly:
        year, month = 2000 + int(name[:2]), int(name[2:4])
        assert archive_url(year, month).endswith("/" + name)


def test_real_news_rdf_keeps_press_releases_only():
    rdf = shared_file("fixtures/real/soumu/news_rdf_2021-07-19__inouetogo-20210719.rdf")
    page = page_from_bytes(rdf.read_bytes(), "https://www.soumu.go.jp/news.rdf")
    spec = resolve(
        SourceConfig(id="mic-news", kind="feed", url=page.url, include_links=["/menu_news/s-news/"], detail="mic_page")
    )
    items = [item for item in spec.scraper.parse(page, spec.options) if spec.keeps(item.link)]
    assert len(items) == 14
    assert all("/menu_news/s-news/" in item.link for item in items)
    assert items[1].title == "令和3年7月19日付\u3000総務省人事"
    assert items[0].summary == ""  # the feed repeats the title as description
    assert items[0].published_at == datetime(2021, 7, 18, 20, 0, tzinfo=timezone.utc)


def test_a_parsed_page_leaves_nothing_for_the_garbage_collector():
    """A soup is a web of reference cycles; taken apart once read, it is freed at once, and a poll
    cycle's hundreds of soups are not traced by the collector (see scrapers.soup.discard)."""
    list_page = fixture_page("mic/s-news_index.html", LIST_URL)
    release = fixture_page("mic/press_release_guidance.html", "https://www.soumu.go.jp/menu_news/s-news/01kiban07_02000099.html")
    # pages without div.contentsBody, read from a second soup of the whole page
    wrapped_list = page_from_bytes(
        f"<html><body><div id='contentsWrapper'><table>{_row('a')}</table></div></body></html>".encode("cp932"), LIST_URL
    )
    wrapped_page = page_from_bytes(
        "<html><head><title>総務省｜件名</title></head><body><div id='contentsWrapper'><p>本文です。</p></div></body></html>".encode(
            "cp932"
        ),
        release.url,
    )
    gc.collect()
    gc.disable()
    try:
        items, article = parse_list(list_page), get_detail_parser("mic_page").parse(release)
        wrapped_items, wrapped_article = parse_list(wrapped_list), get_detail_parser("mic_page").parse(wrapped_page)
        assert gc.collect() == 0
    finally:
        gc.enable()
    assert items[0].title == "北陸通信サービス株式会社に対する行政指導" and article.title
    assert [item.title for item in wrapped_items] == ["a"] and wrapped_article.body == "本文です。"
