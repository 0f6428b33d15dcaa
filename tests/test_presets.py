"""The catalog: every preset is a valid source whose scraper, selectors and link patterns read a
page of its site's structure (a real capture where one exists, else the project's fixture, whose
header says what it follows), and a [[sources]] entry overrides a preset key by key."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest

from monitor.config import SourceConfig
from monitor.presets import presets
from monitor.sources import resolve
from tests.conftest import PAGES, page_from_bytes, shared_file

REAL = "fixtures/real/"
# preset → (page: a path under tests/pages/, or REAL + a path under ../shared/; items kept;
#           the first item's title and link; whether items carry a date)
CONTRACTS = {
    "mic-news": (REAL + "soumu/news_rdf_2021-07-19__inouetogo-20210719.rdf", 14,
                 "総務省自治行政局における新型コロナウイルス感染症の感染者の発生",
                 "https://www.soumu.go.jp/menu_news/s-news/01gyosei01_02000238.html", True),
    "mic-press": ("mic/s-news_index.html", 3, "北陸通信サービス株式会社に対する行政指導",
                  "https://www.soumu.go.jp/menu_news/s-news/01kiban07_02000099.html", True),
    "mic-press-kiban": ("presets/mic_s-news_bureaus.html", 2, "西日本電信電話株式会社に対する行政指導",
                        "https://www.soumu.go.jp/menu_news/s-news/01kiban07_02000123.html", True),
    "mic-press-ryutsu": ("presets/mic_s-news_bureaus.html", 1, "放送法施行規則の一部を改正する省令案に対する意見募集",
                         "https://www.soumu.go.jp/menu_news/s-news/01ryutsu06_02000345.html", True),
    "mic-seijishikin": ("presets/mic-seijishikin.html", 3, "令和5年分 政治資金収支報告書の要旨（定期公表）",
                        "https://www.soumu.go.jp/senkyo/seiji_s/seijishikin/reports/SS20241129/", False),
    "ppc-press": ("presets/ppc-press.html", 2, "株式会社〇〇に対する個人情報の保護に関する法律に基づく行政上の対応について",
                  "https://www.ppc.go.jp/news/press/2024/250115/", False),
    "ppc-caution": ("presets/ppc-caution.html", 2, "ランサムウェアによる個人データ漏えい等への注意喚起",
                    "https://www.ppc.go.jp/news/careful_information/241203_ransomware/", False),
    "fsa-news": ("presets/fsa-news.xml", 2, "株式会社〇〇銀行に対する行政処分について",
                 "https://www.fsa.go.jp/news/r6/ginkou/20241206/20241206.html", True),
    "fsa-sanctions": ("presets/fsa-sanctions.html", 2, "株式会社〇〇銀行に対する行政処分について",
                      "https://www.fsa.go.jp/news/r6/ginkou/20241206/20241206.html", False),
    "meti-news": ("presets/meti-news.xml", 2, "サイバーセキュリティ経営ガイドラインを改訂しました",
                  "https://www.meti.go.jp/press/2024/12/20241206001/20241206001.html", True),
    "caa-orders": ("presets/caa-orders.html", 2, "株式会社〇〇に対する景品表示法に基づく措置命令について",
                   "https://www.caa.go.jp/notice/entry/040512/", False),
    "jftc-press": ("presets/jftc-press.html", 2, "〇〇株式会社から申請があった確約計画の認定について",
                   "https://www.jftc.go.jp/houdou/pressrelease/2024/dec/241206_kakuyaku.html", False),
    "mlit-negative": ("presets/mlit-negative.html", 2, "〇〇不動産株式会社（宅地建物取引業）業務停止処分",
                      "https://www.mlit.go.jp/nega-inf/cgi-bin/search.cgi?id=1234&jigyoubunya=takuti", True),
    "digital-news": ("presets/digital-news.html", 2, "新しいアイデアボックスが始まります",
                     "https://www.digital.go.jp/posts/4vlrFBy3", True),
    "kantei-news": ("presets/kantei-news.rdf", 2, "デジタル行財政改革会議",
                    "https://www.kantei.go.jp/jp/102_ishiba/actions/202412/06kaigi.html", True),
    "cao-news": ("presets/cao-news.rdf", 2, "令和6年度 年次経済財政報告を公表しました",
                 "https://www.cao.go.jp/press/new_wave/20241206.html", True),
    "egov-pubcomment": (REAL + "e-gov/pcm_list_rss_2026-08-25__tadanomyomyo-sudo-pubcom-tracker__sample.xml", 3,
                        "「消費者保護ルール実施状況のモニタリング2026年度調査計画」（案）に対する意見募集",
                        "https://public-comment.e-gov.go.jp/servlet/Public?CLASSNAME=PCMMSTDETAIL&Mode=0&id=145210763", True),
    "egov-pubcomment-results": ("presets/egov-pubcomment-results.xml", 2, "電気通信事業法施行規則の一部を改正する省令案に対する意見募集の結果",
                                "https://public-comment.e-gov.go.jp/servlet/Public?CLASSNAME=PCMMSTDETAIL&Mode=2&id=145209999", True),
    "gov-online": (REAL + "gov-online/info_index_2025-05-25__t-ashula-go-jp-rss__0.html", 20, "月例経済報告（5月）を掲載しました",
                   "https://www5.cao.go.jp/keizai3/getsurei/getsurei-index.html", True),
    "kanpo": ("presets/kanpo.html", 3, "本紙（第1346号）",
              "https://www.kanpo.go.jp/20241206/20241206h01346/20241206h013460000f.html", False),
    "pref-tokyo-press": ("presets/pref-tokyo-press.html", 2, "個人情報の漏えいについて",
                         "https://www.metro.tokyo.lg.jp/information/press/2024/12/2024120601", False),
}  # fmt: skip


def _page_path(relative: str) -> Path:
    return shared_file(relative) if relative.startswith(REAL) else PAGES / relative


@pytest.mark.parametrize("key", sorted(presets()))
def test_each_preset_reads_its_sites_structure(key):
    relative, count, first_title, first_link, dated = CONTRACTS[key]
    spec = resolve(SourceConfig(preset=key))
    page = page_from_bytes(_page_path(relative).read_bytes(), spec.url)
    items = [item for item in spec.scraper.parse(page, spec.options) if spec.keeps(item.link)]
    assert len(items) == count
    assert (items[0].title, spec.scraper.canonicalize(items[0].link)) == (first_title, first_link)
    assert all(item.title and item.link.startswith("https://") for item in items)
    assert all(isinstance(item.published_at, datetime) for item in items) == dated


def test_the_catalog_has_a_contract_for_every_preset_and_the_issue_s_sources():
    assert set(CONTRACTS) == set(presets())
    assert len(presets()) >= 15
    assert {preset.basis for preset in presets().values()} <= {"real capture", "notes", "unverified"}


def test_a_source_overrides_its_preset_key_by_key():
    source = SourceConfig(preset="gov-online", id="cabinet", interval="5m", options={"keep": []})
    assert (source.id, source.kind, source.url, source.interval) == ("cabinet", "html_list", presets()["gov-online"].url, 300.0)
    assert source.options["item"] == "li.p-newsList__item"  # kept from the preset
    assert source.options["keep"] == []  # replaced
    assert SourceConfig(preset="gov-online").id == "gov-online"


def test_an_unknown_preset_names_the_catalog():
    with pytest.raises(ValueError, match="unknown preset 'fsa'; presets: mic-news.*fsa-news"):
        SourceConfig(preset="fsa")
