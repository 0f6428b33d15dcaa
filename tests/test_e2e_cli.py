"""End to end: the ``regwatch`` command against a real HTTP site (MIC Shift_JIS pages, NHK UTF-8
feeds and articles) and a local server that answers like Slack, on SQLite and PostgreSQL.
Every CLI run is a new process, so each step after the first is also a restart."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.conftest import PAGES, LocalSite
from tests.servers import RunningServer

pytestmark = pytest.mark.e2e

GUIDANCE = "北陸通信サービス株式会社に対する行政指導"
SURVEY = "地方公共団体におけるCIO及びCIO補佐官等の任命状況等の調査結果"
DONATION = "総務政務官が代表の自民支部 200万円の寄付を返金"
NEW_ORDER = "東都モバイル株式会社に対する業務改善命令"


def regwatch_command() -> list[str]:
    script = Path(sys.executable).with_name("regwatch")
    return [str(script)] if script.exists() else [sys.executable, "-m", "monitor.cli"]


class Cli:
    def __init__(self, workdir: Path, env: dict[str, str]) -> None:
        self.workdir = workdir
        self.env = env

    def __call__(self, *arguments: str, expect: int | None = 0) -> subprocess.CompletedProcess[str]:
        result = subprocess.run(
            [*regwatch_command(), *arguments], cwd=self.workdir, env=self.env, capture_output=True, text=True, timeout=120
        )
        if expect is not None:
            assert result.returncode == expect, f"exit {result.returncode}\nstdout:\n{result.stdout}\nstderr:\n{result.stderr}"
        return result

    def start(self, *arguments: str) -> subprocess.Popen[str]:
        return subprocess.Popen(
            [*regwatch_command(), *arguments],
            cwd=self.workdir,
            env=self.env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )


def publish(site: LocalSite) -> None:
    site.copy("mic/s-news_index.html", "/menu_news/s-news/index.html")
    site.copy("mic/press_release_guidance.html", "/menu_news/s-news/01kiban07_02000099.html")
    site.copy("mic/press_release_cio_survey.html", "/menu_news/s-news/01gyosei07_02000200.html")
    site.copy("mic/press_release_population.html", "/menu_news/s-news/01toukei01_01000300.html")
    site.copy("mic/kaiken.html", "/menu_news/kaiken/01koho01_02001100.html")
    site.copy("mic/news.rdf", "/news.rdf")
    site.copy("nhk/www3_cat4.xml", "/rss/news/cat4.xml")
    site.copy("nhk/www3_article_donation.html", "/news/html/20240215/k10014360001000.html")
    site.copy("nhk/www3_article_budget.html", "/news/html/20240215/k10014360002000.html")
    site.copy("nhk/newsweb_cat1.xml", "/n-data/conf/na/rss/cat1.xml")
    site.copy("nhk/newsweb_article_school.html", "/newsweb/na/na-k10015100001000", "text/html; charset=utf-8")


def add_release(site: LocalSite, title: str, path: str) -> None:
    """The MIC list gains one row, and its release page appears."""
    index = site.root / "menu_news/s-news/index.html"
    row = f'<tr><td scope="row">2024年2月10日</td><td><a href="{path}">{title}</a></td><td>総合通信基盤局</td></tr>\n'
    site.write(
        "/menu_news/s-news/index.html", index.read_bytes().replace(b"</th></tr>\n", b"</th></tr>\n" + row.encode("cp932"), 1)
    )
    release = (PAGES / "mic/press_release_guidance.html").read_bytes().replace(GUIDANCE.encode("cp932"), title.encode("cp932"))
    site.write(path, release)


@pytest.fixture
def cli(tmp_path: Path, database_url: str, site: LocalSite, slack_server: RunningServer) -> Cli:
    publish(site)
    (tmp_path / "regwatch.toml").write_text(
        f"""
[service]
tick = "1s"

[fetch]
min_host_interval = "0s"
timeout = "5s"

[delivery]
backoff = "1s"
max_backoff = "2s"

[slack]
base_url = "{slack_server.url}/api/"

[channels.default]
kind = "slack"
channel = "#regwatch"

[[sources]]
id = "mic-news"
kind = "feed"
url = "{site.url}/news.rdf"
include_links = ["/menu_news/s-news/"]
detail = "mic_page"
interval = "1s"
jitter = "0s"

[[sources]]
id = "mic-press"
kind = "mic_press_list"
url = "{site.url}/menu_news/s-news/index.html"
interval = "1s"
jitter = "0s"

[[sources]]
id = "nhk-politics"
kind = "nhk_feed"
url = "{site.url}/rss/news/cat4.xml"
interval = "1s"
jitter = "0s"

[[sources]]
id = "nhk-society"
kind = "nhk_feed"
url = "{site.url}/n-data/conf/na/rss/cat1.xml"
interval = "1s"
jitter = "0s"
""",
        encoding="utf-8",
    )
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("REGWATCH_", "SLACK_")) or k == "REGWATCH_CACHE_DIR"},
        "REGWATCH_DATABASE_URL": database_url,
        "SLACK_BOT_TOKEN": "xoxb-test",
    }
    return Cli(tmp_path, env)


def slack_titles(slack_server: RunningServer) -> list[str]:
    return sorted(message["text"].split("\n")[1] for message in slack_server.control("GET", "/__messages__"))


def list_statuses(site: LocalSite) -> list[int]:
    feeds = {"/news.rdf", "/menu_news/s-news/index.html", "/rss/news/cat4.xml", "/n-data/conf/na/rss/cat1.xml"}
    return [r["status"] for r in site.requests() if r["path"] in feeds]


def test_baseline_then_exactly_the_new_item_then_nothing(cli, site, slack_server):
    first = cli("poll", "--once")
    assert "baseline recorded" in first.stderr
    assert slack_titles(slack_server) == []
    assert not [r for r in site.requests() if r["path"].endswith("01kiban07_02000099.html")]  # no detail fetch

    site.clear_requests()
    cli("poll", "--once")
    assert list_statuses(site) == [304, 304, 304, 304]
    assert slack_titles(slack_server) == []

    add_release(site, NEW_ORDER, "/menu_news/s-news/01kiban07_02000100.html")
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
        _wait_for(lambda: _source_polls(site) >= 8, "two scheduled polls of every source")
        add_release(site, NEW_ORDER, "/menu_news/s-news/01kiban07_02000100.html")
        _wait_for(lambda: slack_titles(slack_server) == [NEW_ORDER], "the new release's alert")
    finally:
        os.kill(service.pid, signal.SIGTERM)
        _, stderr = service.communicate(timeout=30)
    assert service.returncode == 0, stderr
    assert "stopped" in stderr

    site.clear_requests()
    restarted = cli.start("run")
    try:
        _wait_for(lambda: _source_polls(site) >= 8, "polls after the restart")
    finally:
        os.kill(restarted.pid, signal.SIGTERM)
        restarted.communicate(timeout=30)
    assert set(list_statuses(site)) == {304}
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


def _wait_for(condition, what: str, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}")
