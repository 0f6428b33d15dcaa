from datetime import datetime, timezone

import pytest

from monitor.errors import ParseError
from scrapers.base import NoOptions, get_list_scraper
from tests.conftest import page_from_bytes, shared_file

parse_feed = get_list_scraper("feed").parse


def test_atom_feed_with_relative_links():
    atom = """<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom"><title>METI</title><author><name/></author>
<entry><title>新着のお知らせ</title><link rel="alternate" href="/press/2024/02/20240209001/20240209001.html"/>
<id>tag:meti,1</id><updated>2024-02-09T01:00:00Z</updated><summary>概要です</summary></entry></feed>"""
    items = parse_feed(page_from_bytes(atom.encode(), "https://www.meti.go.jp/ml_index_release_atom.xml"), NoOptions())
    assert items[0].link == "https://www.meti.go.jp/press/2024/02/20240209001/20240209001.html"
    assert items[0].summary == "概要です"
    assert items[0].published_at == datetime(2024, 2, 9, 1, 0, tzinfo=timezone.utc)


def test_shift_jis_feed_keeps_cp932_characters():
    rss = (
        '<?xml version="1.0" encoding="Shift_JIS"?><rss version="2.0"><channel><title>t</title>'
        "<item><title>髙﨑市の①事業㈱</title><link>https://example.jp/a</link></item></channel></rss>"
    )
    items = parse_feed(page_from_bytes(rss.encode("cp932"), "https://example.jp/rss"), NoOptions())
    assert items[0].title == "髙﨑市の①事業㈱"


def test_real_e_gov_feed_unescapes_descriptions_and_tolerates_its_dates():
    path = shared_file("fixtures/real/e-gov/pcm_list_rss_2026-08-25__tadanomyomyo-sudo-pubcom-tracker__sample.xml")
    items = parse_feed(page_from_bytes(path.read_bytes(), "https://public-comment.e-gov.go.jp/rss/pcm_list.xml"), NoOptions())
    assert len(items) == 3
    assert items[0].summary.split("\n")[:2] == ["案の公示日：2026/08/25", "受付締切日時：2026/09/25 00:00"]
    assert items[0].published_at == datetime(2026, 8, 24, 15, 0, tzinfo=timezone.utc)  # `2026-08-24T15:00:Z`
    assert "CLASSNAME=PCMMSTDETAIL&id=145210763" in items[0].link


def test_a_page_that_is_not_a_feed_is_a_parse_error():
    with pytest.raises(ParseError, match="not a readable RSS/RDF/Atom feed"):
        parse_feed(page_from_bytes(b"<html><body>503 Service Unavailable</body></html>", "https://example.jp/rss"), NoOptions())
