"""Scale-out benchmark of distributed mode: polls per second for 1 and 2 `regwatch worker`
processes on N loopback feeds (default 2,000), and the ratio.

    python bench/scale.py                        # N = 2000, 1 and 2 workers, PostgreSQL at 127.0.0.1
    python bench/scale.py --sources 500 --workers 1 --workers 2 --workers 3

Per worker count, on a fresh PostgreSQL schema and site: the scheduler (`regwatch run` in
distributed mode) and the workers start; every source is polled once (the baseline round: the
feed's item is stored), then every source is made due again at once and polled once more (the
steady round: each feed answers 304, the usual case). The rate of a round is N over the time
from its first request to its last, as the site saw them. Feeds are spread over ten loopback
addresses with four requests in flight per address, so politeness does not bound the rate.
Everything (site, PostgreSQL, scheduler, workers) shares the machine's cores: the figure is what
a second worker adds on this machine, not on a second machine.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.cli import Cli, wait_for  # noqa: E402
from tests.conftest import POSTGRES_URL, LocalSite  # noqa: E402
from tests.databases import connect, scratch_schema  # noqa: E402
from tests.feeds import LoopbackFeeds, feed_of  # noqa: E402
from tests.processes import Regwatch  # noqa: E402
from tests.servers import start  # noqa: E402

HOSTS = [f"127.0.0.{i}" for i in range(2, 12)]


def settings(concurrency: int) -> str:
    return f"""
[service]
mode = "distributed"
tick = "0.2s"

[worker]
concurrency = {concurrency}

[fetch]
concurrency = 40
per_host_concurrency = 4
min_host_interval = "0s"
allow = ["127.0.0.0/8"]
respect_robots_txt = false
"""


def cpu_seconds(pid: int) -> float:
    """User and system CPU of a process so far (Linux /proc)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def postgres_pids() -> list[int]:
    pids = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if (entry / "comm").read_text().strip() == "postgres":
                    pids.append(int(entry.name))
            except OSError:
                continue
    return pids


class CpuMeter:
    """CPU seconds of each part during a round: workers, scheduler, site, and PostgreSQL (all its
    processes: other clients of the same server count too)."""

    def __init__(self, parts: dict[str, list[int]]) -> None:
        self.parts = parts
        self.start = self._read()

    def _read(self) -> dict[str, float]:
        readings = {name: sum(cpu_seconds(pid) for pid in pids) for name, pids in self.parts.items()}
        readings["postgres"] = sum(cpu_seconds(pid) for pid in postgres_pids())
        return readings

    def per_poll(self, polls: int) -> dict[str, float]:
        """Milliseconds of CPU per poll of each part since the meter started."""
        end = self._read()
        return {name: (end[name] - self.start.get(name, 0.0)) * 1000 / polls for name in end}


def usage_line(per_poll: dict[str, float]) -> str:
    return (
        "  ".join(f"{name} {ms:.1f}" for name, ms in per_poll.items()) + f"  (all {sum(per_poll.values()):.1f}) ms CPU per poll"
    )


def ceiling(per_poll: dict[str, float], workers: int, cores: int) -> float:
    """The most polls per second this machine allows: each worker is one process (one core at
    most), and all parts together share the cores."""
    return min(workers * 1000 / per_poll["workers"], cores * 1000 / sum(per_poll.values()))


def round_rate(site: LocalSite, sources: int, what: str, timeout: float) -> float:
    """Polls per second of one round: N over its first to last request."""
    wait_for(lambda: sum(1 for r in site.requests() if feed_of(r["path"]) is not None) >= sources, what, timeout=timeout)
    moments = sorted(r["at"] for r in site.requests() if feed_of(r["path"]) is not None)[:sources]
    return sources / (moments[-1] - moments[0])


def measure(
    workers: int, sources: int, concurrency: int, database_url: str, timeout: float
) -> tuple[float, float, dict[str, float]]:
    with tempfile.TemporaryDirectory() as scratch:
        work = Path(scratch)
        (work / "site").mkdir()
        site = LocalSite(
            work / "site",
            start("tests.servers.site", "--root", str(work / "site"), *[f"--host={h}" for h in ["127.0.0.1", *HOSTS]]),
        )
        feeds = LoopbackFeeds(site, sources, HOSTS)
        processes: list[Regwatch] = []
        try:
            with scratch_schema(database_url, prefix="rw_bench") as url:
                cli = Cli.configured(work, url, settings(concurrency) + feeds.sources("1h"))
                cli("db", "upgrade")
                processes += [Regwatch(cli, f"worker-{n}", "worker") for n in range(workers)]
                wait_for(lambda: all("running" in p.output() for p in processes), "the workers", timeout=60)
                processes.append(Regwatch(cli, "scheduler", "run"))
                baseline = round_rate(site, sources, "the baseline round", timeout)
                site.clear_requests()
                meter = CpuMeter(
                    {
                        "workers": [p.pid for p in processes[:-1]],
                        "scheduler": [processes[-1].pid],
                        "site": [site.server.process.pid],
                    }
                )
                with connect(database_url) as connection:
                    connection.execute(f"UPDATE {url.schema}.source SET next_due_at = now()")
                steady = round_rate(site, sources, "the steady round", timeout)
                usage = meter.per_poll(sources)
        finally:
            for process in processes:
                process.stop()
            site.server.stop()
    return baseline, steady, usage


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sources", type=int, default=2000)
    parser.add_argument("--workers", type=int, action="append", help="worker counts (repeatable; default 1 and 2)")
    parser.add_argument("--concurrency", type=int, default=64, help="[worker] concurrency")
    parser.add_argument("--database-url", default=POSTGRES_URL)
    parser.add_argument("--timeout", type=float, default=300.0, help="seconds a round may take")
    arguments = parser.parse_args()
    os.environ.setdefault("REGWATCH_CACHE_DIR", str(Path.home() / ".cache" / "regwatch"))
    counts = arguments.workers or [1, 2]
    print(
        f"{arguments.sources} loopback feeds on {len(HOSTS)} addresses; {os.cpu_count()} CPU(s); [worker] concurrency {arguments.concurrency}"
    )
    rates: dict[int, tuple[float, float, dict[str, float]]] = {}
    for workers in counts:
        rates[workers] = measure(workers, arguments.sources, arguments.concurrency, arguments.database_url, arguments.timeout)
        baseline, steady, usage = rates[workers]
        print(
            f"{workers} worker(s): baseline round {baseline:6.1f} polls/s, steady round (304s) {steady:6.1f} polls/s", flush=True
        )
        print(f"    CPU in the steady round: {usage_line(usage)}; load average {os.getloadavg()[0]:.1f}", flush=True)
    first = counts[0]
    cores = os.cpu_count() or 1
    for workers in counts[1:]:
        expected = ceiling(rates[first][2], workers, cores) / ceiling(rates[first][2], first, cores)
        print(
            f"ratio {workers}/{first} workers: baseline x{rates[workers][0] / rates[first][0]:.2f}, "
            f"steady x{rates[workers][1] / rates[first][1]:.2f}; "
            f"the CPU per poll of the {first}-worker round allows at most x{expected:.2f} on {cores} cores"
        )


if __name__ == "__main__":
    main()
