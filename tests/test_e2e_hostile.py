"""The bad-input corpus, end to end through the ``regwatch`` command: hostile pages, addresses,
patterns and faults next to a healthy control source, on SQLite and PostgreSQL.

Each case asserts what a user relies on: a clear error on the bad source (or item), the control
source's alerts complete, nothing alerted twice, nothing sent where the address guard forbids,
and memory bounded.
"""

from __future__ import annotations

import os
import re
import signal
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.cli import Cli, local_settings, slack_messages, wait_for
from tests.conftest import POSTGRES_URL, ForwardedPostgres, LocalSite
from tests.databases import scratch_schema
from tests.processes import Regwatch
from tests.servers import RunningServer, start

pytestmark = pytest.mark.e2e
# Where the database plays no part (fetching, patterns, pacing), one database is enough.
sqlite_only = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)

# A category of the test's own, so that which items alert does not depend on the classifier.
WATCH = """
[[categories]]
name = "probe"
include = ["項目"]
"""


@pytest.fixture(scope="module")
def hostile() -> Iterator[RunningServer]:
    server = start("tests.servers.hostile", "--host", "127.0.0.1", "--host", "127.0.0.2")
    yield server
    server.stop()


def control_feed(site: LocalSite, *titles: str) -> str:
    items = "".join(
        f"<item><title>{title}</title><link>{site.url}/control/{index}.html</link></item>" for index, title in enumerate(titles)
    )
    return site.write(
        "/control.xml",
        f'<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel><title>c</title>{items}</channel></rss>',
        "application/rss+xml",
    )


def source(source_id: str, url: str, **options: str) -> str:
    lines = [f'\n[[sources]]\nid = "{source_id}"\nkind = "feed"\nurl = "{url}"\ninterval = "1s"\njitter = "0s"']
    lines += [f"{key} = {value}" for key, value in options.items()]
    return "\n".join(lines) + "\n"


@pytest.fixture
def corpus(tmp_path: Path, database_url: str, site: LocalSite, slack_server: RunningServer, hostile: RunningServer):
    """A CLI whose config has the healthy control source plus the hostile sources a test gives."""
    hostile.control("DELETE", "/__connections__")
    control_feed(site, "項目 control 1", "項目 control 2")

    def configured(hostile_sources: str, settings: dict[str, dict[str, str]] | None = None) -> Cli:
        config = (
            local_settings(slack_server.url, overrides=settings)
            + WATCH
            + source("control", f"{site.url}/control.xml")
            + hostile_sources
        )
        return Cli.configured(tmp_path, database_url, config)

    return configured


def titles(slack_server: RunningServer) -> list[str]:
    return sorted(message["text"].split("\n")[1] for message in slack_messages(slack_server))


def hostile_requests(hostile: RunningServer) -> list[str]:
    return hostile.control("GET", "/__connections__")


def test_detail_links_to_refused_addresses_are_alerted_from_the_list_and_never_fetched(corpus, hostile, slack_server):
    links = [
        f"http://127.0.0.2:{hostile.port}/admin",
        "http://169.254.169.254/latest/meta-data/",
        "http://[::ffff:10.0.0.1]/internal",
        f"gopher://127.0.0.1:{hostile.port}/x",
        "file:///etc/passwd",
    ]
    cli = corpus(source("links", f"{hostile.url}/feed?items={','.join(links)}", detail='"mic_page"'))
    result = cli("poll", "--once", "--backfill")
    assert result.stderr.count("refused by the address guard") == 3
    assert result.stderr.count("only http and https are fetched") == 2
    assert titles(slack_server) == sorted([*(f"項目{i}" for i in range(5)), "項目 control 1", "項目 control 2"])
    assert [line for line in hostile_requests(hostile) if "/admin" in line.split("?")[0]] == []
    state = cli("sources").stdout
    assert re.search(r"^links\s+degraded\s.*5 detail page\(s\) failing", state, re.M)
    assert re.search(r"^control\s+ok\s", state, re.M)
    cli("poll", "--once")  # nothing is alerted twice, and nothing refused is tried again so soon
    assert len(slack_messages(slack_server)) == 7


@sqlite_only
@pytest.mark.parametrize(
    ("path", "error"),
    [
        ("/redirect?to=http://169.254.169.254/latest/meta-data/", "169.254.169.254 is a link-local address"),
        ("/redirect?to=http://127.0.0.2:{port}/admin", "127.0.0.2 is a loopback address"),
        ("/redirect?to=file:///etc/passwd", "scheme 'file' refused"),
        ("/loop/a", "redirect loop"),
        ("/bomb/gzip-gzip", "stacks 2 layers"),
        ("/bomb/gzip", "counted after decompression"),
        ("/big/declared", "exceeds fetch.max_body_bytes"),
        ("/endless", "exceeds fetch.max_body_bytes"),
        ("/slow/headers", "no complete answer within 3s"),
    ],
)
def test_a_hostile_source_fails_alone_with_a_clear_error_in_bounded_memory(corpus, hostile, slack_server, tmp_path, path, error):
    cli = corpus(source("hostile", hostile.url + path.format(port=hostile.port)), {"fetch": {"timeout": '"3s"'}})
    warm_up = tmp_path / "warm-up.jsonl"
    warm_up.write_text('{"title": "項目"}\n', encoding="utf-8")
    cli("classify", str(warm_up))  # the model of this config's categories is trained once, outside the measurement
    result, peak_mb = cli.measured("poll", "--once", "--backfill", expect=0)
    assert re.search(rf"^hostile: FAILED: .*{re.escape(error)}", result.stderr, re.M), result.stderr
    assert "Traceback" not in result.stderr
    assert titles(slack_server) == ["項目 control 1", "項目 control 2"]
    assert peak_mb < 700, f"peak RSS {peak_mb} MB"  # the classifier and its libraries; a bomb would add a gigabyte
    assert re.search(rf"^hostile\s+never-ok\s.*{re.escape(error)}", cli("sources").stdout, re.M)
    assert [line for line in hostile_requests(hostile) if "/admin" in line.split("?")[0]] == []


def test_nul_bytes_and_control_characters_in_items_are_stripped_and_nothing_is_lost(corpus, site, slack_server):
    feed = (
        '<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel><title>n</title>'
        f"<item><title>項目\x00NUL\x07入り</title><link>{site.url}/nul/a\x00b.html</link><description>本文\x00です\x1b</description></item>"
        "</channel></rss>"
    )
    site.write("/nul.xml", feed, "application/rss+xml")
    cli = corpus(source("nul", f"{site.url}/nul.xml"))
    cli("poll", "--once", "--backfill")
    assert titles(slack_server) == sorted(["項目NUL入り", "項目 control 1", "項目 control 2"])
    listed = cli("items", "--source", "nul", "--json").stdout
    assert "項目NUL入り" in listed and "\\u0000" not in listed
    (row,) = [line.split() for line in cli("sources").stdout.splitlines() if line.startswith("nul ")]
    assert row[1] == "ok" and row[-1] == "1"  # state, and one item seen (counted once)


@sqlite_only
def test_a_backtracking_pattern_fails_its_own_source_only_and_quickly(corpus, hostile, slack_server):
    links = "http://127.0.0.1/" + "a" * 40 + "!"
    cli = corpus(source("slowregex", f"{hostile.url}/feed?items={links}", include_links='["(a|aa)+$"]'))
    started = time.monotonic()
    result = cli("poll", "--once", "--backfill")
    assert time.monotonic() - started < 30
    assert re.search(
        r"^slowregex: FAILED: sources\[1\] \(slowregex\)\.include_links: the pattern '\(a\|aa\)\+\$' ran longer",
        result.stderr,
        re.M,
    )
    assert titles(slack_server) == ["項目 control 1", "項目 control 2"]


def hanging_feed(site: LocalSite, hostile: RunningServer, count: int) -> str:
    """A feed on the healthy site whose items' detail pages never answer."""
    items = "".join(f"<item><title>項目 hanging {n}</title><link>{hostile.url}/hang?{n}</link></item>" for n in range(count))
    return site.write(
        "/hanging.xml",
        f'<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel><title>h</title>{items}</channel></rss>',
        "application/rss+xml",
    )


@sqlite_only
def test_a_hanging_detail_host_does_not_delay_a_fast_source_under_run(corpus, site, hostile, slack_server):
    settings = {"service": {"poll_deadline": '"8s"'}, "fetch": {"timeout": '"6s"'}}
    cli = corpus(source("hanging", hanging_feed(site, hostile, 1), detail='"mic_page"'), settings)
    cli("poll", "--once")  # both baselines
    service = cli.start("run")
    try:
        time.sleep(1.5)
        hanging_feed(site, hostile, 4)  # three new items whose detail pages hang
        time.sleep(1.5)  # the hanging source is now waiting on them
        control_feed(site, "項目 control 1", "項目 control 2", "項目 control 3")
        started = time.monotonic()
        wait_for(lambda: "項目 control 3" in titles(slack_server), "the fast source's alert", timeout=15)
        assert time.monotonic() - started < 4
        assert any("/hang?1" in line for line in hostile_requests(hostile))
    finally:
        os.kill(service.pid, signal.SIGTERM)
        _, stderr = service.communicate(timeout=30)
    assert service.returncode == 0, stderr


@sqlite_only
def test_a_hanging_detail_host_is_settled_from_its_list_entries_after_its_attempts(corpus, hostile, slack_server):
    links = ",".join(f"{hostile.url}/hang?{n}" for n in range(3))
    settings = {"service": {"poll_deadline": '"2s"'}, "fetch": {"timeout": '"10s"', "detail_attempts": "2"}}
    cli = corpus(source("hanging", f"{hostile.url}/feed?items={links}", detail='"mic_page"'), settings)
    first = cli("poll", "--once", "--backfill")
    assert "not fetched within service.poll_deadline (2s)" in first.stderr
    assert titles(slack_server) == ["項目 control 1", "項目 control 2"]  # the hanging items wait for their pages
    # One page hangs at a time (one connection per host), and a page never requested costs its item
    # no attempt: the items are settled one after another, each after its two attempts.
    expected = sorted(["項目0", "項目1", "項目2", "項目 control 1", "項目 control 2"])
    for _ in range(3 * 2 - 1):
        later = cli("poll", "--once")
        assert f"{hostile.url}/hang?" in later.stderr, later.stderr  # the warning names the page, not the feed
        if titles(slack_server) == expected:
            break
    assert titles(slack_server) == expected
    assert re.search(r"^hanging\s+degraded\s", cli("sources").stdout, re.M)


@sqlite_only
@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("1e300", "interval: 1e+300s is too long: at most 30d"),
        ("inf", "interval: inf is not a duration"),
        ('"0.1s"', "too short"),
    ],
)
def test_an_interval_out_of_bounds_is_a_clear_config_error(corpus, site, value, message):
    cli = corpus(source("bad", f"{site.url}/x.xml").replace('interval = "1s"', f"interval = {value}"))
    result = cli("config", "check", expect=1)
    assert message in result.stderr and "Traceback" not in result.stderr


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("mysql://root@127.0.0.1/test", "'mysql' databases are not supported; supported: sqlite:///PATH, or postgresql://"),
        ("postgresql+psycopg2://u@h/d", "the PostgreSQL driver 'psycopg2' is not installed"),
        ("regwatch.db", "is not a URL"),
    ],
)
def test_an_unsupported_database_url_is_a_clear_error(tmp_path, url, message):
    cli = Cli.configured(tmp_path, url, "")
    result = cli("sources", expect=1)
    assert message in result.stderr and "Traceback" not in result.stderr


def test_a_postgres_scheme_url_works(tmp_path):
    with scratch_schema(POSTGRES_URL) as url:
        cli = Cli.configured(tmp_path, url.replace("postgresql+psycopg://", "postgres://"), "")
        assert "mic-news" in cli("sources").stdout


def test_a_held_channel_comes_back_at_the_next_start(tmp_path, database_url, site, slack_server):
    control_feed(site, "項目 control 1")
    config = local_settings(slack_server.url) + WATCH + source("control", f"{site.url}/control.xml")
    broken = Cli.configured(tmp_path, database_url, config.replace('channel = "#regwatch"', 'channel = "#no-such-channel"'))
    result = broken("poll", "--once", "--backfill")
    assert "channel default is on hold" in result.stderr and "channel_not_found" in result.stderr
    listed = broken("outbox", "list").stdout
    assert " held " in listed and "held: slack default: chat.postMessage refused: channel_not_found" in listed
    fixed = Cli.configured(tmp_path, database_url, config)
    assert "1 sent" in fixed("deliver").stderr  # no --now: a new start takes the held alerts
    assert titles(slack_server) == ["項目 control 1"]


@sqlite_only
def test_a_held_channel_comes_back_in_a_running_service(corpus, site, slack_server):
    slack_server.control("POST", "/__faults__", {"faults": [{"kind": "error", "error": "invalid_auth"}]})
    cli = corpus("", {"delivery": {"hold": '"2s"'}})
    cli("poll", "--once")  # the baseline
    service = cli.start("run")
    try:
        control_feed(site, "項目 control 1", "項目 control 2", "項目 new")
        wait_for(lambda: titles(slack_server) == ["項目 new"], "the held alert, once the hold is over", timeout=20)
    finally:
        os.kill(service.pid, signal.SIGTERM)
        _, stderr = service.communicate(timeout=30)
    assert "channel default is on hold" in stderr and stderr.count("on hold") == 1


@sqlite_only
def test_a_megabyte_title_posts_once_within_slacks_limits(corpus, site, slack_server):
    huge = "項目" + "長" * 1_000_000
    site.write(
        "/huge.xml",
        f'<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel><title>h</title><item><title>{huge}</title><link>{site.url}/huge.html</link></item></channel></rss>',
        "application/rss+xml",
    )
    cli = corpus(source("huge", f"{site.url}/huge.xml"))
    result = cli("poll", "--once", "--backfill")
    assert "3 sent" in result.stderr
    (message,) = [m for m in slack_messages(slack_server) if "長長長" in m["text"]]
    assert len(message["text"]) <= 3000


@sqlite_only
def test_digest_send_exits_non_zero_when_the_mail_server_is_down(corpus):
    smtp = {"host": '"127.0.0.1"', "port": "9", "security": '"none"', "timeout": '"2s"'}
    cli = corpus("", {"smtp": smtp, "channels.morning": {"kind": '"email"', "to": '["desk@example.jp"]'}})
    result = cli("digest", "--send", expect=1)
    assert "digest morning" in result.stdout and "failed" in result.stdout and "retrying later" in result.stdout


def test_a_database_outage_is_logged_once_and_alerts_flow_when_it_is_back(
    tmp_path, site, slack_server, forwarded_postgres: ForwardedPostgres
):
    control_feed(site, "項目 control 1")
    config = local_settings(slack_server.url) + WATCH + source("control", f"{site.url}/control.xml")
    cli = Cli.configured(tmp_path, forwarded_postgres.url, config)
    cli("poll", "--once")  # the baseline
    service = Regwatch(cli, "service", "run")
    try:
        site.clear_requests()
        wait_for(lambda: len(site.requests()) >= 2, "the service polling")
        forwarded_postgres.close()  # PostgreSQL is gone for regwatch
        time.sleep(8)
        forwarded_postgres.reopen()
        control_feed(site, "項目 control 1", "項目 after the outage")
        wait_for(lambda: "項目 after the outage" in titles(slack_server), "the alert after the outage", timeout=60)
    finally:
        exit_code = service.stop(timeout=60)
    log = service.output()
    assert exit_code == 0 and "Traceback" not in log, log
    outage_lines = [line for line in log.splitlines() if "unavailable" in line]
    assert 1 <= len(outage_lines) <= 4, "\n".join(outage_lines)
    assert "available again" in log
    assert titles(slack_server) == ["項目 after the outage"]
