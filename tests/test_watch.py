"""Watchlists: each Japanese spelling of a watched name matches, near misses do not, and a watched
name in a new release reaches the watch route's channel once (the CLI against local servers)."""

from __future__ import annotations

from pathlib import Path

import pytest

from monitor.config import CategoryConfig, WatchConfig
from monitor.diff import ListEntry
from monitor.items import Article, AttachmentText, Classification, Document, RawItem
from monitor.prepared import document, from_article
from monitor.watch import Watchlist, watched
from tests.cli import Cli, add_release, local_settings, publish, site_sources, slack_messages

NTT_WEST = WatchConfig(name="NTT西日本", companies=("NTT西日本",))
TOWA = WatchConfig(
    name="東和精機",
    companies=("東和精機株式会社",),
    corporate_numbers=("7120001077523",),
    people=("山田 太郎",),
    terms=("光回線",),
)


@pytest.mark.parametrize(
    "text",
    [
        "NTT西日本に対する指導",
        "ＮＴＴ西日本に対する指導",  # full-width letters
        "西日本電信電話株式会社に対する指導",  # the built-in alias, with its legal form after
        "株式会社西日本電信電話",  # legal form before
    ],
)
def test_every_spelling_of_a_watched_company_matches(text):
    assert [hit.entry for hit in Watchlist([NTT_WEST]).hits(text)] == ["NTT西日本"]


@pytest.mark.parametrize(
    "text,kind",
    [
        ("株式会社東和精機", "company"),
        ("東和精機株式会社", "company"),
        ("㈱東和精機", "company"),
        ("（株）東和精機", "company"),
        ("東和精機(株)", "company"),
        ("東和精機は", "company"),
        ("法人番号 7120001077523", "corporate_number"),
        ("7120-0010-77523", "corporate_number"),
        ("代表取締役 山田太郎", "person"),
        ("代表取締役 山田　太郎", "person"),
        ("光回線の障害", "term"),
    ],
)
def test_each_kind_of_term_matches_in_its_variants(text, kind):
    assert [(hit.entry, hit.kind) for hit in Watchlist([TOWA]).hits(text)] == [("東和精機", kind)]


@pytest.mark.parametrize("text", ["西日本鉄道株式会社", "日本電信電話株式会社", "西日本電信株式会社", "NTT東日本"])
def test_near_misses_of_a_company_do_not_match(text):
    assert Watchlist([NTT_WEST]).hits(text) == []


@pytest.mark.parametrize(
    ("company", "text"),
    [
        ("ソフトバンク株式会社", "SoftBankに行政指導"),
        ("日本電信電話", "NTT持株に報告を求めた"),
        ("NTTドコモ", "ドコモの通信障害"),
    ],
)
def test_a_known_company_matches_by_its_other_names(company, text):
    """The table of monitor.companies, which the dashboard's search reads too."""
    entry = WatchConfig(name=company, companies=(company,))
    assert {hit.entry for hit in Watchlist([entry]).hits(text)} == {company}


def test_a_longer_number_is_not_the_watched_corporate_number():
    assert Watchlist([TOWA]).hits("71200010775230") == []


def test_an_alias_of_the_entry_and_the_matched_words_are_the_evidence():
    entry = WatchConfig(name="みらい通信", companies=("みらい通信",), aliases=("Mirai Telecom",))
    document = Document("MIRAI TELECOMに業務改善命令", "本文")
    result = watched(Watchlist([entry]), document, Classification(("guidance_notice",), {"guidance_notice": 0.9}, {}, {}, "m"))
    assert result.labels == ("guidance_notice", "watch")
    assert result.scores["watch"] == 1.0
    assert result.evidence["watch"] == ("MIRAI TELECOM（みらい通信の社名）",)
    assert result.facts["watch"][0]["term"] == "Mirai Telecom"


def test_a_watched_name_written_only_in_an_attachment_matches():
    listed = {"label": "別紙1", "url": "https://example.jp/a.pdf", "type": "pdf"}
    entry = ListEntry("https://example.jp/r.html", RawItem("https://example.jp/r.html", "行政指導"), "")
    attachment = AttachmentText(listed["url"], "別紙1", "pdf", "ab", 10, "宛先 ＮＴＴ西日本株式会社 殿")
    prepared = from_article(entry, Article("行政指導", "本文", attributes={"attachments": [listed]}), (attachment,))
    result = watched(Watchlist([NTT_WEST]), document("mic-press", prepared), Classification((), {}, {}, {}, "m"))
    assert result.evidence["watch"] == ("NTT西日本株式会社（NTT西日本の社名）",)
    assert prepared.attributes["attachments"][0]["excerpt"] == "宛先 ＮＴＴ西日本株式会社 殿"


def test_watch_is_the_watchlists_category_and_no_name_for_a_category_of_ones_own():
    with pytest.raises(ValueError, match="'watch' is a built-in category"):
        CategoryConfig(name="watch", include=["x"])


def test_a_config_refuses_a_corporate_number_with_a_wrong_check_digit():
    with pytest.raises(ValueError, match="check digit"):
        WatchConfig(name="x", corporate_numbers=("7120001077524",))


WATCH_CONFIG = """
[channels.watchers]
kind = "slack"
channel = "#telecom-compliance"

[[watch]]
name = "NTT西日本"
companies = ["NTT西日本"]

[[routes]]
name = "watch"
categories = ["watch"]
channels = ["watchers"]
"""


@pytest.mark.e2e
def test_a_watched_name_in_a_new_release_is_alerted_once_on_the_watch_route(tmp_path: Path, site, slack_server):
    publish(site)
    cli = Cli.configured(
        tmp_path, f"sqlite:///{tmp_path / 'regwatch.db'}", local_settings(slack_server.url) + WATCH_CONFIG + site_sources(site)
    )
    assert "found as '西日本電信電話株式会社'" in cli("watch", "test", "西日本電信電話株式会社に対する指導").stdout
    assert "no [[watch]] entry matches" in cli("watch", "test", "西日本鉄道", expect=1).stderr
    cli("poll", "--once")  # the baseline
    title = "西日本電信電話株式会社に対する行政指導"
    add_release(site, title, "/menu_news/s-news/01kiban07_02000100.html")
    cli("poll", "--once")
    cli("poll", "--once")
    watched_messages = slack_messages(slack_server, "C0TELECOM")
    assert len(watched_messages) == 1
    text = watched_messages[0]["text"]
    assert text.startswith("[regwatch] ウォッチリスト（新着）\n" + title)
    assert "根拠（ウォッチリスト）: 西日本電信電話株式会社（NTT西日本の社名）" in text
