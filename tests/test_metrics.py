"""Metrics, probes and the HTTP endpoint, in process: counters move by what they count, gauges read
from the database say what waits in the outbox, and /healthz and /readyz say why they refuse."""

from __future__ import annotations

import logging
from datetime import timedelta

import httpx
import pytest
from sqlalchemy import insert, update

from monitor import metrics, store
from monitor.config import load_settings
from monitor.errors import ConfigError
from monitor.jpdates import utcnow
from monitor.metrics import REGISTRY
from monitor.metrics_db import OUTBOX, SOURCE, DatabaseGauges
from monitor.metrics_server import ObservabilityServer
from monitor.probes import GRACE_SECONDS, Verdict, liveness, readiness
from tests.servers import free_port


def value(name: str, **labels: str) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


def test_polls_count_by_source_and_outcome_with_pages_and_304s():
    metrics.polled("t-polls", "ok", pages=3, not_modified=2)
    metrics.polled("t-polls", "failed", pages=1, not_modified=0)
    assert value("regwatch_polls_total", source="t-polls", outcome="ok") == 1
    assert value("regwatch_polls_total", source="t-polls", outcome="failed") == 1
    assert value("regwatch_list_pages_total", source="t-polls") == 4
    assert value("regwatch_list_pages_not_modified_total", source="t-polls") == 2


def test_items_and_alerts_count_only_once_their_transaction_committed():
    before = value("regwatch_items_total", category="t_cat", event="new")
    before_other = value("regwatch_items_total", category="t_other", event="new")
    before_updated = value("regwatch_items_total", category=metrics.UNCATEGORIZED, event="updated")
    tally = metrics.Tally()
    tally.item("new", ["t_cat", "t_other"])
    tally.item("updated", [])
    tally.alert(["t_cat"], "t-channel")
    assert value("regwatch_items_total", category="t_cat", event="new") == before  # not committed yet
    tally.publish()
    tally.publish()  # published once, however often asked
    assert value("regwatch_items_total", category="t_cat", event="new") == before + 1
    assert value("regwatch_items_total", category="t_other", event="new") == before_other + 1
    assert value("regwatch_items_total", category=metrics.UNCATEGORIZED, event="updated") == before_updated + 1
    assert value("regwatch_alerts_queued_total", category="t_cat", channel="t-channel") == 1


def test_classifier_latency_is_observed_per_item():
    before = value("regwatch_classifier_latency_seconds_count")
    assert metrics.timed_classification(lambda documents: [d * 2 for d in documents], [1, 2, 3]) == [2, 4, 6]
    assert value("regwatch_classifier_latency_seconds_count") == before + 3


def test_deliveries_fetches_and_ticks():
    metrics.delivered("t-deliveries", "sent")
    metrics.fetch_duration("t-host:80")(0.2)
    metrics.HEARTBEAT.beat()
    assert value("regwatch_deliveries_total", channel="t-deliveries", outcome="sent") == 1
    assert value("regwatch_fetch_duration_seconds_count", host="t-host:80") == 1
    assert value("regwatch_fetch_duration_seconds_bucket", host="t-host:80", le="0.25") == 1
    assert value("regwatch_last_tick_timestamp_seconds") == metrics.HEARTBEAT.last


def _outbox_row(key: str, channel: str, state: str, age: timedelta) -> dict:
    now = utcnow()
    return {
        "key": key, "kind": "alert", "route": "everything", "channel": channel, "state": state, "attempts": 0,
        "next_attempt_at": now, "payload": {}, "created_at": now - age,
    }  # fmt: skip


def samples(collector: DatabaseGauges) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in collector.collect()
        for sample in family.samples
    }


def test_database_gauges_give_outbox_depth_oldest_waiting_alert_and_broken_sources(store_at_head):
    database = store_at_head([("ok-source", "feed", "https://a", True), ("bad-source", "feed", "https://b", True)])
    with database.begin() as connection:
        connection.execute(update(SOURCE).where(SOURCE.c.id == "bad-source").values(health="broken", consecutive_failures=4))
        connection.execute(
            insert(OUTBOX),
            [
                _outbox_row("1:default", "default", "pending", timedelta(minutes=10)),
                _outbox_row("2:default", "default", "failed", timedelta(minutes=30)),
                _outbox_row("3:default", "default", "sent", timedelta(hours=5)),  # sent: neither counted nor oldest
                _outbox_row("4:default", "default", "dead", timedelta(hours=3)),  # dead: counted, not waiting
                _outbox_row("5:ops", "ops", "held", timedelta(minutes=1)),
            ],
        )
    found = samples(DatabaseGauges(database, ["default", "ops", "quiet"]))
    depth = {labels: v for (name, labels), v in found.items() if name == "regwatch_outbox_alerts"}
    assert depth[(("channel", "default"), ("state", "pending"))] == 1
    assert depth[(("channel", "default"), ("state", "failed"))] == 1
    assert depth[(("channel", "default"), ("state", "dead"))] == 1
    assert depth[(("channel", "ops"), ("state", "held"))] == 1
    assert depth[(("channel", "quiet"), ("state", "pending"))] == 0  # configured channels show 0, not nothing
    assert not any(dict(labels)["state"] == "sent" for labels in depth)
    oldest = {dict(labels)["channel"]: v for (name, labels), v in found.items() if name == "regwatch_outbox_oldest_age_seconds"}
    assert 30 * 60 - 5 <= oldest["default"] <= 30 * 60 + 60
    assert 55 <= oldest["ops"] <= 120 and oldest["quiet"] == 0
    assert found[("regwatch_source_broken", (("source", "bad-source"),))] == 1
    assert found[("regwatch_source_broken", (("source", "ok-source"),))] == 0
    assert found[("regwatch_source_failures_in_a_row", (("source", "bad-source"),))] == 4
    assert found[("regwatch_database_up", ())] == 1


def test_database_gauges_report_a_database_that_does_not_answer_instead_of_failing_the_scrape():
    database = store.Store(f"postgresql+psycopg://postgres@127.0.0.1:{free_port()}/test")
    assert samples(DatabaseGauges(database, ["default"])) == {("regwatch_database_up", ()): 0}
    database.dispose()


def test_liveness_wants_a_tick_within_three_ticks_and_a_grace():
    assert liveness(None, started=100.0, tick=15, now=104.0) == Verdict(
        False, "starting: the scheduler has not ticked yet (started 4s ago)"
    )
    assert liveness(1000.0, started=0.0, tick=15, now=1010.0).ok
    late = 1000.0 + 3 * 15 + GRACE_SECONDS + 1
    verdict = liveness(1000.0, started=0.0, tick=15, now=late)
    assert not verdict.ok and "the scheduler last ticked 76s ago" in verdict.reason


def test_readiness_wants_the_database_and_its_migrations_at_head(tmp_path):
    database = store.Store(f"sqlite:///{tmp_path / 'fresh.db'}")
    behind = readiness(database)
    assert not behind.ok and "migrations are not at head" in behind.reason
    database.upgrade()
    assert readiness(database).ok
    database.dispose()
    away = store.Store(f"postgresql+psycopg://postgres@127.0.0.1:{free_port()}/test")
    verdict = readiness(away)
    assert not verdict.ok and verdict.reason.startswith("the database does not answer: ") and "\n" not in verdict.reason
    away.dispose()


class FixedProbes:
    def __init__(self, live: Verdict, ready: Verdict) -> None:
        self._live, self._ready = live, ready

    def live(self) -> Verdict:
        return self._live

    def ready(self) -> Verdict:
        return self._ready


def test_the_endpoint_serves_metrics_and_answers_probes_with_their_reason():
    server = ObservabilityServer("127.0.0.1", 0, FixedProbes(Verdict(True, "ok: ticking"), Verdict(False, "database away")))
    assert server.start()
    try:
        base = f"http://127.0.0.1:{server.port}"
        scraped = httpx.get(f"{base}/metrics", trust_env=False)
        assert scraped.status_code == 200 and scraped.headers["content-type"].startswith("text/plain")
        assert "# TYPE regwatch_polls_total counter" in scraped.text
        live = httpx.get(f"{base}/healthz", trust_env=False)
        assert (live.status_code, live.text) == (200, "ok: ticking\n")
        ready = httpx.get(f"{base}/readyz", trust_env=False)
        assert (ready.status_code, ready.text) == (503, "database away\n")
        assert httpx.get(f"{base}/elsewhere", trust_env=False).status_code == 404
    finally:
        server.stop()
    assert server.port is None


def test_a_port_in_use_is_logged_and_the_service_runs_on(caplog):
    first = ObservabilityServer("127.0.0.1", 0, FixedProbes(Verdict(True, ""), Verdict(True, "")))
    assert first.start()
    try:
        second = ObservabilityServer("127.0.0.1", first.port or 0, FixedProbes(Verdict(True, ""), Verdict(True, "")))
        with caplog.at_level(logging.ERROR):
            assert not second.start()
        assert f"cannot listen on 127.0.0.1:{first.port}" in caplog.text and "[metrics] port" in caplog.text
        second.stop()  # nothing to stop: harmless
    finally:
        first.stop()


def test_metrics_and_logging_sections_have_defaults_and_bounds(tmp_path):
    config = load_settings(None, env={}).config
    assert (config.metrics.port, config.metrics.host) == (9464, "127.0.0.1")
    assert config.logging.format == "text"
    path = tmp_path / "regwatch.toml"
    path.write_text('[metrics]\nport = 0\nhost = "0.0.0.0"\n[logging]\nformat = "json"\n', encoding="utf-8")
    config = load_settings(path, env={}).config
    assert (config.metrics.port, config.metrics.host, config.logging.format) == (0, "0.0.0.0", "json")
    path.write_text('[metrics]\nport = 70000\n[logging]\nformat = "xml"\n', encoding="utf-8")
    with pytest.raises(ConfigError) as error:
        load_settings(path, env={})
    assert "metrics.port" in str(error.value) and "logging.format" in str(error.value)
