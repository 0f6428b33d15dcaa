"""End to end: the ``regwatch`` command against a real HTTP site (MIC Shift_JIS pages, NHK UTF-8
feeds and articles) and a local server that answers like Slack, on SQLite and PostgreSQL.
Every CLI run is a new process, so each step after the first is also a restart."""

from __future__ import annotations

import os
import signal
from pathlib import Path

import pytest

from tests.cli import (
    DONATION,
    GUIDANCE,
    NEW_ORDER,
    NEW_ORDER_PATH,
    SURVEY,
    Cli,
    add_release,
    local_settings,
    publish,
    site_sources,
    slack_titles,
    wait_for,
)
from tests.conftest import LocalSite
from tests.servers import RunningServer

pytestmark = pytest.mark.e2e


@pytest.fixture
def cli(tmp_path: Path, database_url: str, site: LocalSite, slack_server: RunningServer) -> Cli:
    publish(site)
    return Cli.configured(tmp_path, database_url, local_settings(slack_server.url) + site_sources(site))


def list_statuses(site: LocalSite) -> list[int]:
    feeds = {"/news.rdf", "/menu_news/s-news/index.html", "/rss/news/cat4.xml", "/n-data/conf/na/rss/cat1.xml"}
    return [r["status"] for r in site.requests() if r["path"] in feeds]


def test_baseline_then_exactly_the_new_item_then_nothing(cli, site, slack_server):
    first = cli("poll", "--once")
    assert "(baseline): no alerts on a first poll" in first.stderr
    assert slack_titles(slack_server) == []
    assert not [r for r in site.requests() if r["path"].endswith("01kiban07_02000099.html")]  # no detail fetch
    assert [r["path"] for r in site.requests()].count("/robots.txt") == 1

    site.clear_requests()
    cli("poll", "--once")
    assert list_statuses(site) == [304, 304, 304, 304]
    assert "/robots.txt" not in [r["path"] for r in site.requests()]  # kept in the database by the first run
    assert slack_titles(slack_server) == []

    add_release(site, NEW_ORDER, NEW_ORDER_PATH)
    cli("poll", "--once")
    assert slack_titles(slack_server) == [NEW_ORDER]

    cli("poll", "--once")
    assert slack_titles(slack_server) == [NEW_ORDER]


def test_backfill_alerts_exactly_the_expected_items_and_a_rerun_repeats_none(cli, site, slack_server):
    result = cli("poll", "--once", "--backfill")
    assert "backfill [" in result.stderr
    assert slack_titles(slack_server) == sorted([GUIDANCE, SURVEY, DONATION])
    site.clear_requests()
    cli("poll", "--once", "--backfill")
    assert list_statuses(site) == [304, 304, 304, 304]
    assert slack_titles(slack_server) == sorted([GUIDANCE, SURVEY, DONATION])

    listed = cli("items", "--category", "guidance_notice", "--json").stdout.strip().splitlines()
    assert len(listed) == 1 and GUIDANCE in listed[0]


def test_a_slack_outage_then_recovery_delivers_each_alert_exactly_once(cli, site, slack_server):
    slack_server.control("POST", "/__mode__", {"down": True})
    result = cli("poll", "--once", "--backfill")
    assert "delivery: 0 sent, 3 to retry" in result.stderr
    assert cli("deliver", "--now", expect=1).stderr.count("HTTP 500") >= 1
    assert slack_titles(slack_server) == []

    slack_server.control("POST", "/__mode__", {"down": False})
    assert "3 sent" in cli("deliver", "--now").stderr
    cli("deliver", "--now")
    cli("poll", "--once")
    assert slack_titles(slack_server) == sorted([GUIDANCE, SURVEY, DONATION])


def test_the_service_polls_on_schedule_stops_on_sigterm_and_a_restart_repeats_nothing(cli, site, slack_server):
    service = cli.start("run")
    try:
        wait_for(lambda: _source_polls(site) >= 8, "two scheduled polls of every source")
        add_release(site, NEW_ORDER, NEW_ORDER_PATH)
        wait_for(lambda: slack_titles(slack_server) == [NEW_ORDER], "the new release's alert")
    finally:
        os.kill(service.pid, signal.SIGTERM)
        _, stderr = service.communicate(timeout=30)
    assert service.returncode == 0, stderr
    assert "stopped" in stderr

    site.clear_requests()
    restarted = cli.start("run")
    try:
        wait_for(lambda: _source_polls(site) >= 8, "polls after the restart")
    finally:
        os.kill(restarted.pid, signal.SIGTERM)
        restarted.communicate(timeout=30)
    assert set(list_statuses(site)) == {304}
    assert "/robots.txt" not in [r["path"] for r in site.requests()]  # the first service's, kept in the database
    assert slack_titles(slack_server) == [NEW_ORDER]


def test_config_check_prints_sources_and_routes_and_bad_config_names_the_key(cli, tmp_path):
    shown = cli("config", "check").stdout
    assert "mic-news: feed" in shown and "include=/menu_news/s-news/" in shown
    assert "everything: categories=* sources=* events=new,updated min_score=0 -> default" in shown
    (tmp_path / "bad.toml").write_text('[fetch]\ntimeout = "soon"\n', encoding="utf-8")
    bad = cli("--config", "bad.toml", "config", "check", expect=1)
    assert "bad.toml: fetch.timeout: invalid duration 'soon'" in bad.stderr
    assert "database at head" in cli("db", "upgrade").stdout


def _source_polls(site: LocalSite) -> int:
    return len(list_statuses(site))
