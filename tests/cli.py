"""Running the ``regwatch`` command in tests: a fresh process per call, against the local site
(tests/servers/site.py) and the local Slack server."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

from tests.conftest import PAGES, LocalSite
from tests.measure import run_measured
from tests.servers import RunningServer

GUIDANCE = "北陸通信サービス株式会社に対する行政指導"
SURVEY = "地方公共団体におけるCIO及びCIO補佐官等の任命状況等の調査結果"
DONATION = "総務政務官が代表の自民支部 200万円の寄付を返金"
NEW_ORDER = "東都モバイル株式会社に対する業務改善命令"
GUIDANCE_PATH = "/menu_news/s-news/01kiban07_02000099.html"
NEW_ORDER_PATH = "/menu_news/s-news/01kiban07_02000100.html"  # the page of NEW_ORDER, as tests publish it
MIC_LIST_PATH = "/menu_news/s-news/index.html"


def regwatch_command() -> list[str]:
    script = Path(sys.executable).with_name("regwatch")
    return [str(script)] if script.exists() else [sys.executable, "-m", "monitor"]


class Cli:
    def __init__(self, workdir: Path, env: dict[str, str]) -> None:
        self.workdir = workdir
        self.env = env

    @classmethod
    def configured(cls, workdir: Path, database_url: str, config: str, **env: str) -> Cli:
        """A CLI whose ./regwatch.toml is ``config``, with only the test's REGWATCH_ and SLACK_ variables."""
        (workdir / "regwatch.toml").write_text(config, encoding="utf-8")
        inherited = {
            k: v for k, v in os.environ.items() if not k.startswith(("REGWATCH_", "SLACK_")) or k == "REGWATCH_CACHE_DIR"
        }
        return cls(workdir, {**inherited, "REGWATCH_DATABASE_URL": database_url, "SLACK_BOT_TOKEN": "xoxb-test", **env})

    def __call__(self, *arguments: str, expect: int | None = 0) -> subprocess.CompletedProcess[str]:
        result = subprocess.run(
            [*regwatch_command(), *arguments], cwd=self.workdir, env=self.env, capture_output=True, text=True, timeout=120
        )
        if expect is not None:
            assert result.returncode == expect, f"exit {result.returncode}\nstdout:\n{result.stdout}\nstderr:\n{result.stderr}"
        return result

    def measured(self, *arguments: str, expect: int | None = 0) -> tuple[subprocess.CompletedProcess[str], float]:
        """Like a call, and the peak resident memory of that regwatch process in MB (tests/measure.py)."""
        result, usage = run_measured(
            [*regwatch_command(), *arguments], cwd=self.workdir, env=self.env, capture_output=True, text=True, timeout=120
        )
        if expect is not None:
            assert result.returncode == expect, f"exit {result.returncode}\nstdout:\n{result.stdout}\nstderr:\n{result.stderr}"
        return result, usage.peak_rss_mb

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
    site.copy("mic/s-news_index.html", MIC_LIST_PATH)
    site.copy("mic/press_release_guidance.html", GUIDANCE_PATH)
    site.copy("mic/press_release_cio_survey.html", "/menu_news/s-news/01gyosei07_02000200.html")
    site.copy("mic/press_release_population.html", "/menu_news/s-news/01toukei01_01000300.html")
    site.copy("mic/kaiken.html", "/menu_news/kaiken/01koho01_02001100.html")
    site.copy("mic/news.rdf", "/news.rdf")
    site.copy("nhk/www3_cat4.xml", "/rss/news/cat4.xml")
    site.copy("nhk/www3_article_donation.html", "/news/html/20240215/k10014360001000.html")
    site.copy("nhk/www3_article_budget.html", "/news/html/20240215/k10014360002000.html")
    site.copy("nhk/newsweb_cat1.xml", "/n-data/conf/na/rss/cat1.xml")
    site.copy("nhk/newsweb_article_school.html", "/newsweb/na/na-k10015100001000", "text/html; charset=utf-8")


def local_settings(
    slack_url: str, *, max_attempts: int = 10, smtp_port: int | None = None, overrides: dict[str, dict[str, str]] | None = None
) -> str:
    """Settings for the local servers: a 1 s tick, no politeness delay, quick retries, the local Slack
    (and the local SMTP server on ``smtp_port``), no metrics endpoint. ``overrides``: section → key → TOML value, e.g.
    ``{"fetch": {"timeout": '"3s"'}}``."""
    sections: dict[str, dict[str, str]] = {
        "service": {"tick": '"1s"'},
        # The local test servers are on loopback, which the address guard refuses unless allowed.
        "fetch": {"min_host_interval": '"0s"', "allow": '["127.0.0.1"]', "timeout": '"5s"'},
        "delivery": {"backoff": '"1s"', "max_backoff": '"2s"', "max_attempts": str(max_attempts)},
        "slack": {"base_url": f'"{slack_url}/api/"', "min_interval": '"0s"'},
        "channels.default": {"kind": '"slack"', "channel": '"#regwatch"'},
        # No metrics endpoint unless a test asks for one on a free port: 9464 may be taken by another run.
        "metrics": {"port": "0", "worker_port": "0"},
    }
    if smtp_port is not None:
        sections["smtp"] = {
            "host": '"127.0.0.1"',
            "port": str(smtp_port),
            "security": '"none"',
            "sender": '"regwatch@example.jp"',
            "timeout": '"5s"',
        }
    for name, values in (overrides or {}).items():
        sections.setdefault(name, {}).update(values)
    return "".join(
        f"\n[{name}]\n" + "".join(f"{key} = {value}\n" for key, value in values.items()) for name, values in sections.items()
    )


def team_config(slack_url: str, smtp_port: int) -> str:
    """Three teams' Slack channels, an operators' channel, a morning digest, and their routes."""
    return (
        local_settings(slack_url, max_attempts=2, smtp_port=smtp_port)
        + """
[health]
channels = ["ops"]
failures = 2
empty_polls = 2

[channels.telecom]
kind = "slack"
channel = "#telecom-compliance"

[channels.politics]
kind = "slack"
channel = "C0POLITICS"

[channels.ops]
kind = "slack"
channel = "#regwatch-ops"

[channels.morning]
kind = "email"
to = ["desk@example.jp"]
subject = "regwatch 朝刊"

[[routes]]
name = "telecom"
categories = ["guidance_notice"]
min_score = 0.5
channels = ["telecom"]
mention = ["S0TELECOM"]

[[routes]]
name = "politics"
categories = ["donation_refund"]
channels = ["politics"]
mention = ["U0EDITOR"]

[[routes]]
name = "everything"
channels = ["default", "morning"]
"""
    )


def mic_press_source(base_url: str, interval: str = "1s") -> str:
    """The [[sources]] entry of the MIC press list of the site at ``base_url``, polled every ``interval``."""
    return f"""
[[sources]]
id = "mic-press"
kind = "mic_press_list"
url = "{base_url}{MIC_LIST_PATH}"
interval = "{interval}"
jitter = "0s"
"""


def site_sources(site: LocalSite) -> str:
    """The [[sources]] of the published site, polled every second."""
    return (
        f"""
[[sources]]
id = "mic-news"
kind = "feed"
url = "{site.url}/news.rdf"
include_links = ["/menu_news/s-news/"]
detail = "mic_page"
interval = "1s"
jitter = "0s"
"""
        + mic_press_source(site.url)
        + f"""
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
"""
    )


def list_polls(site: LocalSite) -> int:
    """How often the site served the MIC press list: one request per poll of its source."""
    return sum(1 for request in site.requests() if request["path"] == MIC_LIST_PATH)


def add_release(site: LocalSite, title: str, path: str) -> None:
    """The MIC list gains one row, and its release page appears."""
    index = site.root / MIC_LIST_PATH.lstrip("/")
    row = f'<tr><td scope="row">2024年2月10日</td><td><a href="{path}">{title}</a></td><td>総合通信基盤局</td></tr>\n'
    site.write(MIC_LIST_PATH, index.read_bytes().replace(b"</th></tr>\n", b"</th></tr>\n" + row.encode("cp932"), 1))
    release = (PAGES / "mic/press_release_guidance.html").read_bytes().replace(GUIDANCE.encode("cp932"), title.encode("cp932"))
    site.write(path, release)


def revise_release(site: LocalSite, path: str, old_title: str, new_title: str) -> None:
    """The ministry corrects a release: its title changes in the list and on its page."""
    for page in (MIC_LIST_PATH, path):
        file = site.root / page.lstrip("/")
        site.write(page, file.read_bytes().replace(old_title.encode("cp932"), new_title.encode("cp932")))


def slack_messages(slack_server: RunningServer, channel_id: str | None = None) -> list[dict]:
    return [m for m in slack_server.control("GET", "/__messages__") if channel_id is None or m["channel"] == channel_id]


def slack_titles(slack_server: RunningServer, channel_id: str | None = None) -> list[str]:
    """The titles alerted (the second line of each message's text), sorted."""
    return sorted(message["text"].split("\n")[1] for message in slack_messages(slack_server, channel_id))


def wait_for(condition, what: str, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}")
