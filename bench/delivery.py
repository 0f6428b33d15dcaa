"""Delivery benchmark: alerts through the outbox to the local Slack server (the real slack-sdk client).

    python bench/delivery.py
    python bench/delivery.py --database-url postgresql+psycopg://postgres@127.0.0.1/test

- throughput: N queued alerts over C channels drained by one deliverer pass; alerts per second,
  without pacing (min_interval 0) and with Slack's pacing (1 s per channel: C alerts a second at best);
- latency: the service's DeliveryWorker running; alerts are inserted one at a time (an item, its
  event and its outbox row, committed) at random intervals, and the worker is woken as the
  scheduler's tick wakes it. Time from the commit to the post arriving at Slack (the Slack
  server's clock, same machine), median and p95; also without the wake-up (the worker's own
  half-second poll), which is what alerts queued by another process see.
Slack answers at once (--latency 0) unless told otherwise.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from alerts.deliver import Deliverer, DeliveryWorker  # noqa: E402
from alerts.slack import SlackChannel, slack_client  # noqa: E402
from monitor.config import DeliveryConfig  # noqa: E402
from monitor.store import Store  # noqa: E402
from tests.databases import scratch_schema  # noqa: E402
from tests.queued import queue  # noqa: E402
from tests.servers import RunningServer, start  # noqa: E402

CONFIG = DeliveryConfig(batch=50)


def channels(slack: RunningServer, count: int, min_interval: float) -> dict[str, SlackChannel]:
    client = slack_client("xoxb-test", slack.url + "/api/")
    return {f"c{i}": SlackChannel(f"c{i}", client, f"#bench-{i}", min_interval) for i in range(count)}


@contextmanager
def fresh_store(url: str | None, workdir: Path, name: str) -> Iterator[Store]:
    """An empty database per measurement: a SQLite file, or a scratch PostgreSQL schema."""
    with ExitStack() as cleanup:
        scratch = cleanup.enter_context(scratch_schema(url, "rw_bench")) if url else f"sqlite:///{workdir / name}.db"
        store = Store(scratch)
        cleanup.callback(store.dispose)
        store.upgrade()
        yield store


def throughput(store: Store, slack: RunningServer, alerts: int, channel_count: int, min_interval: float) -> str:
    for index in range(channel_count):
        queue(store, [f"throughput {min_interval} {index}-{n}" for n in range(alerts // channel_count)], channel=f"c{index}")
    deliverer = Deliverer(store, channels(slack, channel_count, min_interval), CONFIG)
    started = time.perf_counter()
    report = deliverer.deliver_due()
    elapsed = time.perf_counter() - started
    return (
        f"throughput  {report.sent:4d} alerts over {channel_count} channels, min_interval {min_interval:g}s: "
        f"{elapsed:6.2f}s = {report.sent / elapsed:7.1f} alerts/s"
    )


def latency(store: Store, slack: RunningServer, alerts: int, *, wake: bool) -> str:
    worker = DeliveryWorker(Deliverer(store, channels(slack, 1, 0.0), CONFIG))
    worker.start()
    randomness = random.Random(7)
    committed: dict[str, float] = {}
    try:
        for n in range(alerts):
            time.sleep(randomness.uniform(0.02, 0.2))
            title = f"latency {wake} {n}"
            queue(store, [title], channel="c0")
            committed[title] = time.time()
            if wake:
                worker.wake()
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and len(_arrivals(slack, committed)) < alerts:
            time.sleep(0.1)
    finally:
        worker.stop()
    delays = sorted(arrival - committed[title] for title, arrival in _arrivals(slack, committed).items())
    p95 = delays[max(0, round(0.95 * len(delays)) - 1)]
    return (
        f"latency     {len(delays):4d}/{alerts} alerts, {'woken by the tick' if wake else 'not woken (0.5 s poll)'}: "
        f"median {statistics.median(delays) * 1000:6.1f} ms, p95 {p95 * 1000:6.1f} ms, max {delays[-1] * 1000:6.1f} ms"
    )


def _arrivals(slack: RunningServer, titles: dict[str, float]) -> dict[str, float]:
    messages = slack.control("GET", "/__messages__")
    return {m["text"].split("\n")[1]: m["received_at"] for m in messages if m["text"].split("\n")[1] in titles}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--database-url")
    parser.add_argument("--alerts", type=int, default=500)
    parser.add_argument("--channels", type=int, default=5)
    parser.add_argument("--latency-alerts", type=int, default=100)
    parser.add_argument("--slack-latency", type=float, default=0.0)
    arguments = parser.parse_args()
    slack_channels = [argument for i in range(arguments.channels) for argument in ("--channel", f"bench-{i}=C0BENCH{i:03d}")]
    slack = start("tests.servers.slack", *slack_channels, "--latency", str(arguments.slack_latency))
    print(f"database: {arguments.database_url or 'SQLite'}; Slack answering after {arguments.slack_latency:g}s")
    try:
        with tempfile.TemporaryDirectory() as workdir:
            for name, run in (
                ("unpaced", lambda s: throughput(s, slack, arguments.alerts, arguments.channels, 0.0)),
                ("paced", lambda s: throughput(s, slack, arguments.channels * 5, arguments.channels, 1.0)),
                ("woken", lambda s: latency(s, slack, arguments.latency_alerts, wake=True)),
                ("polling", lambda s: latency(s, slack, arguments.latency_alerts // 2, wake=False)),
            ):
                with fresh_store(arguments.database_url, Path(workdir), name) as store:
                    print(run(store), flush=True)
                slack.control("DELETE", "/__messages__")
    finally:
        slack.stop()


if __name__ == "__main__":
    main()
