"""End to end: `regwatch sources test`, `sources presets` and `sources add` as a user runs them,
against a real HTTP site on 127.0.0.1 (allowed in the config; the address guard stays on)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.cli import GUIDANCE, GUIDANCE_PATH, Cli, local_settings, publish, site_sources
from tests.conftest import LocalSite

pytestmark = pytest.mark.e2e


@pytest.fixture
def cli(tmp_path: Path, site: LocalSite) -> Cli:
    publish(site)
    # No Slack server: `sources test` names the channels an item would reach and sends nothing.
    config = local_settings("http://127.0.0.1:9") + site_sources(site)
    return Cli.configured(tmp_path, f"sqlite:///{tmp_path / 'regwatch.db'}", config)


def test_trying_a_configured_source_shows_its_items_and_changes_nothing(cli, site, tmp_path):
    with (tmp_path / "regwatch.toml").open("a", encoding="utf-8") as config:  # a team watching the company alerted
        config.write(
            '\n[channels.watchers]\nkind = "slack"\nchannel = "#telecom-compliance"\n'
            '\n[[watch]]\nname = "北陸通信"\ncompanies = ["北陸通信サービス"]\n'
            '\n[[routes]]\nname = "watch"\ncategories = ["watch"]\nchannels = ["watchers"]\n'
        )
    shown = cli("sources", "test", "mic-press", "--limit", "1").stdout
    assert "3 item(s) listed; the first 1:" in shown
    assert f"- {GUIDANCE}" in shown
    assert f"2024-02-09 00:00 JST  {site.url}{GUIDANCE_PATH}" in shown  # its date and absolute link
    assert "detail page read" in shown
    assert "watch 1.00; → watchers" in shown  # the watchlist applied, as a poll applies it
    # Nothing was stored: the first real poll is still the baseline, which alerts nothing.
    assert "(baseline): no alerts on a first poll" in cli("poll", "--once").stderr


def test_trying_a_preset_on_another_address_reads_it_with_the_presets_selectors(cli, site):
    url = site.copy("presets/digital-news.html", "/digital/news", "text/html; charset=utf-8")
    shown = cli("sources", "test", "--preset", "digital-news", "--url", url).stdout
    assert f"digital-news: html_list {url}" in shown
    assert "2 item(s) listed" in shown
    assert "- 新しいアイデアボックスが始まります" in shown
    assert f"2021-10-05 00:00 JST  {site.url}/posts/4vlrFBy3" in shown


def test_a_source_that_fails_says_why_and_exits_non_zero(cli, site):
    site.respond("/gone.rdf", 404)
    failed = cli("sources", "test", f"{site.url}/gone.rdf", expect=1).stdout
    assert "FAILED" in failed and "404" in failed


def test_the_catalog_is_listed_and_a_preset_is_added_to_the_config_file(cli, tmp_path):
    listed = cli("sources", "presets").stdout
    assert "fsa-news" in listed and "金融庁の新着情報 RSS" in listed and "https://www.fsa.go.jp/fsaNewsListAll_rss2.xml" in listed
    assert "added source 'fsa' (金融庁 新着情報" in cli("sources", "add", "--preset", "fsa-news", "--id", "fsa").stdout
    assert '[[sources]]\nid = "fsa"\npreset = "fsa-news"\n' in (tmp_path / "regwatch.toml").read_text(encoding="utf-8")
    cli("config", "check")
    duplicate = cli("sources", "add", "--preset", "fsa-news", "--id", "fsa", expect=1)
    assert "'fsa' is defined twice" in duplicate.stderr
    assert (tmp_path / "regwatch.toml").read_text(encoding="utf-8").count('id = "fsa"') == 1
