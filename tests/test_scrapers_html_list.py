from datetime import datetime, timezone

from scrapers.base import get_list_scraper
from scrapers.html_list import HtmlListOptions
from tests.conftest import page_from_bytes, shared_file

parse_list = get_list_scraper("html_list").parse
GOV_ONLINE = HtmlListOptions(
    item="li.p-newsList__item", title=".p-newsList__title", link="a.p-newsList__link", date="time", date_attribute="datetime"
)


def test_real_gov_online_list_configured_by_selectors_alone():
    path = shared_file("fixtures/real/gov-online/info_index_2025-05-25__t-ashula-go-jp-rss__0.html")
    items = parse_list(page_from_bytes(path.read_bytes(), "https://www.gov-online.go.jp/info/index.html"), GOV_ONLINE)
    assert len(items) == 20
    assert items[0].title == "月例経済報告（5月）を掲載しました"
    assert items[0].link == "https://www5.cao.go.jp/keizai3/getsurei/getsurei-index.html"
    assert items[0].published_at == datetime(2025, 5, 22, 15, 0, tzinfo=timezone.utc)


def test_relative_links_text_dates_and_items_without_links():
    html = """<html><head><meta charset="EUC-JP"></head><body><ul class="news">
<li><span class="d">令和6年12月3日</span><a href="/press/1.html">行政指導について</a></li>
<li><span class="d">2024年12月2日</span>リンクなし</li></ul></body></html>"""
    options = HtmlListOptions(item="ul.news li", date=".d")
    items = parse_list(page_from_bytes(html.encode("euc_jp"), "https://www.example.go.jp/news/"), options)
    assert len(items) == 1
    assert items[0].link == "https://www.example.go.jp/press/1.html"
    assert items[0].title == "行政指導について"
    assert items[0].published_at == datetime(2024, 12, 2, 15, 0, tzinfo=timezone.utc)
