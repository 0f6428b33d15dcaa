import gc
from datetime import datetime, timezone

import pytest

from monitor.errors import ParseError
from scrapers.base import NoOptions, get_detail_parser, get_list_scraper
from scrapers.nhk import canonical_article_url
from tests.conftest import fixture_page, page_from_bytes, shared_file

parse_article = get_detail_parser("nhk_article").parse


def test_www3_layout_title_lead_body_and_json_ld_times():
    page = fixture_page("nhk/www3_article_donation.html", "https://www3.nhk.or.jp/news/html/20240215/k10014360001000.html")
    article = parse_article(page)
    assert article.title == "総務政務官が代表の自民支部 200万円の寄付を返金"  # the page's h1, not the shorter JSON-LD headline
    assert article.lead.startswith("衆議院北陸2区選出の山田太郎総務政務官")
    assert "《寄付の経緯》" in article.body and "きのう付けで返金した" in article.body
    assert "シェア" not in article.body
    assert article.published_at == datetime(2024, 2, 15, 7, 51, tzinfo=timezone.utc)
    assert article.modified_at == datetime(2024, 2, 15, 8, 5, 12, tzinfo=timezone.utc)
    assert article.attributes["topics"] == ["政治資金"]


def test_www3_layout_without_json_ld_uses_the_time_element():
    article = parse_article(
        fixture_page("nhk/www3_article_budget.html", "https://www3.nhk.or.jp/news/html/20240215/k10014360002000.html")
    )
    assert article.published_at == datetime(2024, 2, 15, 3, 10, tzinfo=timezone.utc)
    assert article.modified_at is None


def test_news_web_nhk_layout_reads_dates_from_text_and_drops_the_share_button():
    article = parse_article(fixture_page("nhk/newsweb_article_school.html", "https://news.web.nhk/newsweb/na/na-k10015100001000"))
    assert article.title == "高校の部活動で不適切な指導 教育委員会が校長を厳重注意"
    assert article.published_at == datetime(2026, 7, 7, 21, 23, tzinfo=timezone.utc)
    assert article.modified_at == datetime(2026, 7, 7, 22, 10, tzinfo=timezone.utc)
    assert article.body.startswith("県立高校の運動部で")
    assert "シェアする" not in article.body and "注目ワード" not in article.body
    assert article.attributes["topics"] == ["教育"]


def test_real_www3_article():
    path = shared_file("fixtures/real/nhk/news_article_k10014659321000_2024-12__kevin840720.html")
    article = parse_article(page_from_bytes(path.read_bytes(), "https://www3.nhk.or.jp/news/html/20241205/k10014659321000.html"))
    assert article.title == "【ライブ中】JAXA「イプシロンS」先月の爆発事故 調査状況説明"
    assert article.lead.startswith("先月26日、鹿児島県の種子島宇宙センターで")
    assert "49秒後に爆発したということです" in article.body
    assert article.published_at == datetime(2024, 12, 5, 7, 0, 51, tzinfo=timezone.utc)
    assert article.modified_at == datetime(2024, 12, 5, 7, 21, 28, tzinfo=timezone.utc)


def test_real_news_web_nhk_article():
    path = shared_file("fixtures/real/nhk/news_web_nhk_article_k10015171421000_2026-07-08__rbutils-fetch_util__TRIMMED.html")
    article = parse_article(page_from_bytes(path.read_bytes(), "https://news.web.nhk/newsweb/na/na-k10015171421000"))
    assert article.title == "台風9号 10日以降に沖縄 先島諸島接近へ 非常に強い勢力を維持"
    assert article.published_at == datetime(2026, 7, 7, 21, 23, tzinfo=timezone.utc)
    assert article.body.endswith("台風の進路や勢力、交通機関への影響に注意が必要です。")
    assert "あわせて読みたい" not in article.body


def test_a_page_of_neither_layout_is_read_whole_and_leaves_nothing_for_the_garbage_collector():
    """Its heading outside <main>: the whole page is parsed a second time, and that soup is taken
    apart once read, as every other soup (scrapers.soup.discard)."""
    page = page_from_bytes(
        "<html><body><div><h1>見出しです</h1><p>本文です。</p><button>シェア</button></div></body></html>".encode(),
        "https://news.web.nhk/newsweb/na/na-k10015100009000",
    )
    gc.collect()
    gc.disable()
    try:
        article = parse_article(page)
        assert gc.collect() == 0
    finally:
        gc.enable()
    assert (article.title, article.body) == ("見出しです", "本文です。")


def test_a_page_without_an_article_is_a_parse_error():
    with pytest.raises(ParseError):
        parse_article(page_from_bytes(b"<html><body><main><div>maintenance</div></main></body></html>", "https://news.web.nhk/x"))


@pytest.mark.parametrize(
    "fixture,first_link",
    [
        ("nhk/www3_cat4.xml", "http://regwatch.test/news/html/20240215/k10014360001000.html"),
        ("nhk/newsweb_cat1.xml", "https://regwatch.test/newsweb/na/na-k10015100001000"),
    ],
)
def test_rss_category_feeds_of_both_hosts(fixture, first_link):
    items = get_list_scraper("nhk_feed").parse(fixture_page(fixture, "https://www3.nhk.or.jp/rss/news/cat4.xml"), NoOptions())
    assert items[0].link == first_link
    assert items[0].summary and items[0].published_at is not None


def test_an_article_on_either_host_is_one_item():
    www3 = canonical_article_url("http://www3.nhk.or.jp/news/html/20260708/k10015171421000.html")
    new_host = canonical_article_url("https://news.web.nhk/newsweb/sp/na/na-k10015171421000?utm_source=x")
    assert www3 == new_host == "https://news.web.nhk/newsweb/na/na-k10015171421000"
    assert canonical_article_url("https://www3.nhk.or.jp/news/special/x.html") == "https://www3.nhk.or.jp/news/special/x.html"
