"""End to end: ``regwatch run`` serves /metrics, /healthz and /readyz on its [metrics] port, and
``regwatch health`` asks them. Against the local site and Slack; PostgreSQL through a forwarder
that the test stops to take the database away. In distributed mode a worker serves its own, and
sends the digest that comes due."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from alerts.digest import Digests
from monitor.config import load_settings
from monitor.jpdates import utcnow
from monitor.store import Store
from tests.cli import NEW_ORDER, NEW_ORDER_PATH, Cli, add_release, local_settings, publish, site_sources, slack_titles, wait_for
from tests.conftest import POSTGRES_URL, ForwardedPostgres, LocalSite, Mailbox
from tests.databases import scratch_schema
from tests.metrics_scrape import get, scrape, total
from tests.processes import Regwatch
from tests.servers import RunningServer, free_port

pytestmark = pytest.mark.e2e

STARTUP = 180.0  # seconds for `regwatch run` to load (or, first in a session, build) its model and tick
# A digest channel beside Slack: alerts still go to `default` one by one, the morning mail gathers them.
DIGEST_CHANNEL = """
[channels.morning]
kind = "email"
to = ["desk@example.jp"]

[[routes]]
name = "everything"
channels = ["default", "morning"]
"""


def status(port: int, path: str) -> int | None:
    response = get(port, path)
    return response.status_code if response is not None else None


def configured(tmp_path: Path, database_url: str, site: LocalSite, slack_server: RunningServer, port: int) -> Cli:
    publish(site)
    config = local_settings(slack_server.url, overrides={"metrics": {"port": str(port)}}) + site_sources(site)
    return Cli.configured(tmp_path, database_url, config)


def alert_one_release(port: int, site: LocalSite, slack_server: RunningServer) -> None:
    """Once the process serving ``port`` ticks and has polled every source twice, a new release on
    the site is alerted in Slack and counted delivered on ``port``."""
    # The first start of a test session builds the classifier's model: minutes on a busy machine.
    wait_for(lambda: status(port, "/healthz") == 200, f"/healthz 200 on {port} once it ticks", timeout=STARTUP)
    # Two polls of each of the four sources: a baseline, then 304s.
    wait_for(lambda: total(scrape(port), "regwatch_polls_total", outcome="ok") >= 8, "two polls of every source")
    add_release(site, NEW_ORDER, NEW_ORDER_PATH)
    wait_for(lambda: slack_titles(slack_server) == [NEW_ORDER], "the new release's alert")
    wait_for(lambda: total(scrape(port), "regwatch_deliveries_total", outcome="sent") == 1, "the delivery counted")


def make_digest_due(cli: Cli, channel: str) -> None:
    """What the scheduler does at the channel's ``send_at``: today's digest is created, due now."""
    settings = load_settings(cli.workdir / "regwatch.toml", env=cli.env)
    database = Store(settings.database_url)
    try:
        assert Digests(database, settings).schedule(channel, utcnow(), business_days_only=False)
    finally:
        database.dispose()


def test_metrics_count_polls_items_alerts_and_deliveries_of_a_running_service(tmp_path, site, slack_server):
    port = free_port()
    cli = configured(tmp_path, f"sqlite:///{tmp_path / 'regwatch.db'}", site, slack_server, port)
    service = Regwatch(cli, "service", "run")
    try:
        alert_one_release(port, site, slack_server)
        samples, scraped_at = scrape(port), time.time()
        assert status(port, "/healthz") == 200 and status(port, "/readyz") == 200
        assert cli("health").stdout.startswith("/healthz: 200 ok: the scheduler ticked")
        assert cli("health", "--ready").stdout.startswith("/readyz: 200 ok: the database answers")
    finally:
        exit_code = service.stop(timeout=60)
    log = service.output()
    assert exit_code == 0 and "Traceback" not in log, log
    assert f"metrics on http://127.0.0.1:{port}/metrics" in log

    for source in ("mic-news", "mic-press", "nhk-politics", "nhk-society"):
        assert total(samples, "regwatch_polls_total", source=source, outcome="ok") >= 2, source
    assert total(samples, "regwatch_polls_total", outcome="failed") == 0
    assert total(samples, "regwatch_list_pages_not_modified_total") >= 4  # the second polls' 304s
    assert total(samples, "regwatch_list_pages_total") > total(samples, "regwatch_list_pages_not_modified_total")
    assert total(samples, "regwatch_items_total", category="guidance_notice", event="new") == 1
    assert total(samples, "regwatch_alerts_queued_total", category="guidance_notice", channel="default") == 1
    assert total(samples, "regwatch_alerts_queued_total") == 1
    assert total(samples, "regwatch_deliveries_total", channel="default", outcome="sent") == 1
    assert total(samples, "regwatch_deliveries_total", outcome="failed") == 0
    assert total(samples, "regwatch_outbox_alerts") == 0  # delivered: nothing waits
    assert total(samples, "regwatch_outbox_alerts", channel="default", state="pending") == 0
    assert ("regwatch_outbox_alerts", frozenset({("channel", "default"), ("state", "pending")})) in samples
    assert total(samples, "regwatch_outbox_oldest_age_seconds", channel="default") == 0
    assert total(samples, "regwatch_source_broken") == 0 and total(samples, "regwatch_database_up") == 1
    assert 0 <= scraped_at - total(samples, "regwatch_last_tick_timestamp_seconds") < 5
    site_host = site.url.removeprefix("http://")
    assert total(samples, "regwatch_fetch_duration_seconds_count", host=site_host) >= 10
    assert total(samples, "regwatch_classifier_latency_seconds_count") >= 1


def test_readyz_is_503_while_postgresql_is_unreachable_and_200_once_it_is_back(
    tmp_path, site, slack_server, forwarded_postgres: ForwardedPostgres
):
    port = free_port()
    cli = configured(tmp_path, forwarded_postgres.url, site, slack_server, port)
    service = Regwatch(cli, "service", "run")
    try:
        wait_for(lambda: status(port, "/readyz") == 200, "/readyz 200 with the database there", timeout=STARTUP)
        wait_for(lambda: status(port, "/healthz") == 200, "/healthz 200 once the scheduler ticks", timeout=STARTUP)
        forwarded_postgres.close()  # PostgreSQL is gone for regwatch
        wait_for(lambda: status(port, "/readyz") == 503, "/readyz 503 without the database")
        ready = get(port, "/readyz")
        assert ready is not None and ready.text.startswith("the database does not answer: ")
        assert total(scrape(port), "regwatch_database_up") == 0
        time.sleep(3)  # several ticks into the outage: the scheduler still ticks, so the process is live
        assert status(port, "/healthz") == 200
        assert cli("health").returncode == 0
        not_ready = cli("health", "--ready", expect=1)
        assert not_ready.stdout.startswith("/readyz: 503 the database does not answer")

        forwarded_postgres.reopen()
        wait_for(lambda: status(port, "/readyz") == 200, "/readyz 200 once the database is back", timeout=60)
        assert total(scrape(port), "regwatch_database_up") == 1
        assert cli("health", "--ready").returncode == 0
    finally:
        exit_code = service.stop(timeout=60)
    log = service.output()
    assert exit_code == 0 and "Traceback" not in log, log


def test_health_exits_1_when_nothing_answers(tmp_path, site, slack_server):
    port = free_port()
    cli = configured(tmp_path, f"sqlite:///{tmp_path / 'regwatch.db'}", site, slack_server, port)
    result = cli("health", expect=1)
    assert f"regwatch does not answer on http://127.0.0.1:{port}/healthz" in result.stderr
    off = Cli.configured(tmp_path, f"sqlite:///{tmp_path / 'regwatch.db'}", local_settings(slack_server.url))  # port 0
    assert "the health endpoint is off" in off("health", expect=1).stderr


def test_a_worker_serves_the_metrics_of_the_jobs_it_ran_and_its_own_health_and_sends_the_due_digest(
    tmp_path, site, slack_server, smtp_server: Mailbox
):
    """Distributed mode: the polls, deliveries and digests run in `regwatch worker`, so its /metrics
    counts them (on [metrics] worker_port, beside the scheduler's port on the same machine)."""
    port, worker_port = free_port(), free_port()
    publish(site)
    overrides = {"metrics": {"port": str(port), "worker_port": str(worker_port)}, "service": {"mode": '"distributed"'}}
    config = local_settings(slack_server.url, smtp_port=smtp_server.port, overrides=overrides) + site_sources(site)
    login = {"REGWATCH_SMTP_USER": smtp_server.USER, "REGWATCH_SMTP_PASSWORD": smtp_server.PASSWORD}
    with scratch_schema(POSTGRES_URL) as url:
        cli = Cli.configured(tmp_path, url, config + DIGEST_CHANNEL, **login)
        cli("db", "upgrade")
        processes = [Regwatch(cli, "scheduler", "run"), Regwatch(cli, "worker", "worker")]
        try:
            alert_one_release(worker_port, site, slack_server)
            worker, scheduler = scrape(worker_port), scrape(port)
            assert status(worker_port, "/readyz") == 200
            assert cli("health", "--worker").stdout.startswith("/healthz: 200 ok: the worker's heartbeat ticked")
            assert cli("health", "--worker", "--ready").returncode == 0

            assert smtp_server.messages() == []  # no digest before it is due
            make_digest_due(cli, "morning")
            wait_for(lambda: smtp_server.messages() != [], "the digest, sent by the worker")
            time.sleep(3)  # three ticks: room for the scheduler to queue it, or the worker to send it, again
            mails = smtp_server.messages()
        finally:
            exits = [process.stop() for process in processes]
    assert exits == [0, 0], "\n".join(process.output()[-3000:] for process in processes)
    (digest,) = mails
    assert "新着1件" in digest["Subject"] and NEW_ORDER in digest.get_body(("plain",)).get_content()
    assert total(worker, "regwatch_items_total", category="guidance_notice", event="new") == 1
    assert total(worker, "regwatch_alerts_queued_total", channel="default") == 1
    assert total(scheduler, "regwatch_polls_total") == 0, "the scheduler queues polls and runs none"
    # The database's gauges come from the scheduler alone: every worker repeating them would multiply sums.
    assert total(scheduler, "regwatch_database_up") == 1
    assert not [name for name, _ in worker if name.startswith(("regwatch_database_up", "regwatch_outbox"))]
    assert "Traceback" not in processes[1].output()
