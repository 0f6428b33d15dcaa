"""End to end: ``regwatch run`` serves /metrics, /healthz and /readyz on its [metrics] port, and
``regwatch health`` asks them. Against the local site and Slack; PostgreSQL through a forwarder
that the test stops to take the database away."""

from __future__ import annotations

import os
import signal
import subprocess
import time
from pathlib import Path

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from tests.cli import NEW_ORDER, Cli, add_release, local_settings, publish, site_sources, slack_titles, wait_for
from tests.conftest import POSTGRES_URL, LocalSite
from tests.databases import scratch_schema
from tests.processes import Regwatch
from tests.servers import RunningServer, free_port, start

pytestmark = pytest.mark.e2e

STARTUP = 180.0  # seconds for `regwatch run` to load (or, first in a session, build) its model and tick
Samples = dict[tuple[str, frozenset[tuple[str, str]]], float]


def get(port: int, path: str) -> httpx.Response | None:
    try:
        return httpx.get(f"http://127.0.0.1:{port}{path}", timeout=15, trust_env=False)
    except httpx.TransportError:
        return None  # not listening yet


def status(port: int, path: str) -> int | None:
    response = get(port, path)
    return response.status_code if response is not None else None


def scrape(port: int) -> Samples:
    response = get(port, "/metrics")
    assert response is not None and response.status_code == 200
    return {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(response.text)
        for sample in family.samples
    }


def total(samples: Samples, name: str, **labels: str) -> float:
    """The sum of the samples of ``name`` whose labels include ``labels``."""
    wanted = set(labels.items())
    return sum(value for (sample, found), value in samples.items() if sample == name and wanted <= found)


def stop(service: subprocess.Popen[str]) -> str:
    os.kill(service.pid, signal.SIGTERM)
    _, stderr = service.communicate(timeout=60)
    print(stderr)  # shown by pytest when the test fails
    return stderr


def configured(tmp_path: Path, database_url: str, site: LocalSite, slack_server: RunningServer, port: int) -> Cli:
    publish(site)
    config = local_settings(slack_server.url, overrides={"metrics": {"port": str(port)}}) + site_sources(site)
    return Cli.configured(tmp_path, database_url, config)


def test_metrics_count_polls_items_alerts_and_deliveries_of_a_running_service(tmp_path, site, slack_server):
    port = free_port()
    cli = configured(tmp_path, f"sqlite:///{tmp_path / 'regwatch.db'}", site, slack_server, port)
    service = cli.start("run")
    try:
        # The first start of a test session builds the classifier's model: minutes on a busy machine.
        wait_for(lambda: status(port, "/healthz") == 200, "/healthz 200 once the scheduler ticks", timeout=STARTUP)
        # Two polls of each of the four sources: a baseline, then 304s.
        wait_for(lambda: total(scrape(port), "regwatch_polls_total", outcome="ok") >= 8, "two polls of every source")
        add_release(site, NEW_ORDER, "/menu_news/s-news/01kiban07_02000100.html")
        wait_for(lambda: slack_titles(slack_server) == [NEW_ORDER], "the new release's alert")
        wait_for(lambda: total(scrape(port), "regwatch_deliveries_total", outcome="sent") == 1, "the delivery counted")
        samples = scrape(port)
        assert status(port, "/healthz") == 200 and status(port, "/readyz") == 200
        assert cli("health").stdout.startswith("/healthz: 200 ok: the scheduler ticked")
        assert cli("health", "--ready").stdout.startswith("/readyz: 200 ok: the database answers")
    finally:
        stderr = stop(service)
    assert "Traceback" not in stderr, stderr
    assert f"metrics on http://127.0.0.1:{port}/metrics" in stderr

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
    assert 0 <= time.time() - total(samples, "regwatch_last_tick_timestamp_seconds") < 5
    site_host = site.url.removeprefix("http://")
    assert total(samples, "regwatch_fetch_duration_seconds_count", host=site_host) >= 10
    assert total(samples, "regwatch_classifier_latency_seconds_count") >= 1


def test_readyz_is_503_while_postgresql_is_unreachable_and_200_once_it_is_back(tmp_path, site, slack_server):
    port = free_port()
    with scratch_schema(POSTGRES_URL) as url:
        forwarder = start("tests.servers.forward", "--to", "127.0.0.1:5432")
        forwarded = forwarder.port
        cli = configured(tmp_path, url.replace("127.0.0.1:5432", f"127.0.0.1:{forwarded}"), site, slack_server, port)
        service = cli.start("run")
        try:
            wait_for(lambda: status(port, "/readyz") == 200, "/readyz 200 with the database there", timeout=STARTUP)
            wait_for(lambda: status(port, "/healthz") == 200, "/healthz 200 once the scheduler ticks", timeout=STARTUP)
            forwarder.stop()  # PostgreSQL is gone for regwatch
            wait_for(lambda: status(port, "/readyz") == 503, "/readyz 503 without the database")
            ready = get(port, "/readyz")
            assert ready is not None and ready.text.startswith("the database does not answer: ")
            assert total(scrape(port), "regwatch_database_up") == 0
            time.sleep(3)  # several ticks into the outage: the scheduler still ticks, so the process is live
            assert status(port, "/healthz") == 200
            assert cli("health").returncode == 0
            not_ready = cli("health", "--ready", expect=1)
            assert not_ready.stdout.startswith("/readyz: 503 the database does not answer")

            forwarder = start("tests.servers.forward", "--to", "127.0.0.1:5432", "--port", str(forwarded))
            wait_for(lambda: status(port, "/readyz") == 200, "/readyz 200 once the database is back", timeout=60)
            assert total(scrape(port), "regwatch_database_up") == 1
            assert cli("health", "--ready").returncode == 0
        finally:
            stderr = stop(service)
            forwarder.stop()
    assert "Traceback" not in stderr, stderr


def test_health_exits_1_when_nothing_answers(tmp_path, site, slack_server):
    port = free_port()
    cli = configured(tmp_path, f"sqlite:///{tmp_path / 'regwatch.db'}", site, slack_server, port)
    result = cli("health", expect=1)
    assert f"regwatch does not answer on http://127.0.0.1:{port}/healthz" in result.stderr
    off = Cli.configured(tmp_path, f"sqlite:///{tmp_path / 'regwatch.db'}", local_settings(slack_server.url))  # port 0
    assert "the health endpoint is off" in off("health", expect=1).stderr


def test_a_worker_serves_the_metrics_of_the_jobs_it_ran_and_its_own_health(tmp_path, site, slack_server):
    """Distributed mode: the polls and deliveries run in `regwatch worker`, so its /metrics counts
    them (on [metrics] worker_port, beside the scheduler's port on the same machine)."""
    port, worker_port = free_port(), free_port()
    publish(site)
    overrides = {"metrics": {"port": str(port), "worker_port": str(worker_port)}, "service": {"mode": '"distributed"'}}
    with scratch_schema(POSTGRES_URL) as url:
        cli = Cli.configured(tmp_path, url, local_settings(slack_server.url, overrides=overrides) + site_sources(site))
        cli("db", "upgrade")
        processes = [Regwatch(cli, "scheduler", "run"), Regwatch(cli, "worker", "worker")]
        try:
            wait_for(lambda: status(worker_port, "/healthz") == 200, "the worker's /healthz 200", timeout=STARTUP)
            wait_for(lambda: total(scrape(worker_port), "regwatch_polls_total", outcome="ok") >= 8, "two polls of every source")
            add_release(site, NEW_ORDER, "/menu_news/s-news/01kiban07_02000100.html")
            wait_for(lambda: slack_titles(slack_server) == [NEW_ORDER], "the new release's alert")
            wait_for(lambda: total(scrape(worker_port), "regwatch_deliveries_total", outcome="sent") == 1, "the delivery counted")
            worker, scheduler = scrape(worker_port), scrape(port)
            assert status(worker_port, "/readyz") == 200
            assert cli("health", "--worker").stdout.startswith("/healthz: 200 ok: the worker's heartbeat ticked")
            assert cli("health", "--worker", "--ready").returncode == 0
        finally:
            exits = [process.stop() for process in processes]
    assert exits == [0, 0], "\n".join(process.output()[-3000:] for process in processes)
    assert total(worker, "regwatch_items_total", category="guidance_notice", event="new") == 1
    assert total(worker, "regwatch_alerts_queued_total", channel="default") == 1
    assert total(scheduler, "regwatch_polls_total") == 0, "the scheduler queues polls and runs none"
    # The database's gauges come from the scheduler alone: every worker repeating them would multiply sums.
    assert total(scheduler, "regwatch_database_up") == 1
    assert not [name for name, _ in worker if name.startswith(("regwatch_database_up", "regwatch_outbox"))]
    assert "Traceback" not in processes[1].output()
