"""Poll-cycle benchmark: N listing pages over ten loopback hosts; cold, idle, warm and churn cycles.

    python bench/poll_cycle.py                      # N = 200 and 1000 on SQLite, 3 rounds each
    python bench/poll_cycle.py --pages 1000 --database-url postgresql+psycopg://postgres@127.0.0.1/test

Each page is a 総務省-style 報道資料 list (Shift_JIS, 20 releases) served by tests/servers/site.py
on 127.0.0.2 … 127.0.0.11 with a fixed latency per response, so per-host politeness (one request
in flight per host) still allows parallel work. Per round, on a fresh database and site:
- cold: every page polled for the first time (a baseline: no detail fetches);
- idle: nothing changed, every page answers 304 (the cost of an unchanged page);
- churn: every page gained one release (the cost of a changed page, detail fetch included);
- warm: then 5% of the pages gain one more release: 304s for the rest, list and detail for those.
Printed per cycle, the median over the rounds: wall and CPU seconds of the regwatch process, CPU
ms per page, peak RSS, requests and 304s as the server saw them, changes found against made.
The classifier is loaded before the first cycle (a service loads it with the first new item), and
the CPU its thread spends classifying is counted apart: ms per page exclude it.
The server runs in its own process and shares the machine's cores with regwatch.
"""

from __future__ import annotations

import argparse
import random
import resource
import statistics
import sys
import tempfile
import time
from contextlib import ExitStack
from dataclasses import dataclass, replace
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from monitor import aio  # noqa: E402
from monitor.config import load_settings  # noqa: E402
from monitor.runtime import Runtime  # noqa: E402
from tests.databases import scratch_schema  # noqa: E402
from tests.servers import start  # noqa: E402

HOSTS = [f"127.0.0.{i}" for i in range(2, 12)]
ROWS_PER_PAGE = 20


@dataclass
class Cycle:
    name: str
    pages: int
    wall: float
    cpu: float
    requests: int
    not_modified: int
    found: int
    made: int
    peak_rss_mb: float
    classifying: float  # CPU seconds of the classifying thread, part of ``cpu``

    def line(self, latency: float, concurrency: int) -> str:
        ideal = self.pages * latency / concurrency
        return (
            f"{self.name:<5} N={self.pages:<5} wall {self.wall:6.2f}s (ideal {ideal:5.2f}s, x{self.wall / ideal:4.2f})  "
            f"cpu {self.cpu:6.2f}s (classifying {self.classifying:5.2f}s) = {self.per_page:5.2f} ms/page  "
            f"peak RSS {self.peak_rss_mb:6.1f} MB  "
            f"requests {self.requests:5d} (304: {self.not_modified:5d})  changes found/made {self.found}/{self.made}"
        )

    @property
    def per_page(self) -> float:
        """CPU ms per page, classification apart."""
        return (self.cpu - self.classifying) * 1000 / self.pages


class TimedClassifier:
    """The loaded classifier, with the CPU its thread spends classifying counted apart."""

    def __init__(self, inner) -> None:
        self.inner = inner
        self.name = inner.name
        self.cpu = 0.0

    def classify(self, document):
        return self.classify_many([document])[0]

    def classify_many(self, documents):
        start = time.thread_time()
        try:
            return self.inner.classify_many(documents)
        finally:
            self.cpu += time.thread_time() - start


def list_page(page: int, releases: list[int]) -> bytes:
    rows = "\n".join(
        f'<tr><td scope="row">2024年2月{1 + r % 28}日</td><td><a href="/p{page}/r{r}.html">'
        f"第{r}号 情報通信審議会 電気通信事業政策部会（第{r}回）の開催について</a></td><td>総合通信基盤局</td></tr>"
        for r in releases
    )
    html = (
        '<html><head><meta http-equiv="Content-Type" content="text/html; charset=Shift_JIS"><title>総務省｜報道資料｜報道資料一覧</title></head>'
        '<body><div id="contentsWrapper"><div class="contentsBody"><h1>報道資料一覧</h1><table>'
        f'<tr><th scope="col">日付</th><th scope="col">件名</th><th scope="col">担当</th></tr>\n{rows}\n</table></div>'
        '<div class="contentsMenu"><ul>'
        + "".join(f'<li><a href="/m{i}.html">メニュー{i}</a></li>' for i in range(30))
        + "</ul></div></div></body></html>"
    )
    return html.encode("cp932")


def release_page(page: int, release: int) -> bytes:
    html = (
        '<html><head><meta http-equiv="Content-Type" content="text/html; charset=Shift_JIS">'
        f"<title>総務省｜報道資料｜東都モバイル株式会社に対する行政指導（第{release}号）</title></head>"
        '<body><div id="contentsWrapper"><div class="contentsBody"><h1>報道資料</h1><p>令和6年2月9日</p>'
        f"<h2>東都モバイル株式会社に対する行政指導（第{release}号）</h2>"
        "<p>総務省は、本日、東都モバイル株式会社（法人番号 8220001012345）に対し、通信障害の再発防止について、文書により行政指導を行いました。</p>"
        + "<p>本件に関する経緯及び措置の内容は別紙のとおりです。</p>" * 20
        + "<h3>連絡先</h3><p>総合通信基盤局 電気通信事業部 電気通信技術システム課<br>電話：03-5253-5858</p></div></div></body></html>"
    )
    return html.encode("cp932")


class Site:
    """The listing pages on disk, each newest release first."""

    def __init__(self, root: Path, pages: int) -> None:
        self.root = root
        self.releases = {page: list(range(ROWS_PER_PAGE)) for page in range(pages)}
        for page, releases in self.releases.items():
            (root / f"p{page}.html").write_bytes(list_page(page, releases))

    def publish(self, share: float, rng: random.Random) -> int:
        """A new release on ``share`` of the pages; returns how many pages changed."""
        changed = rng.sample(sorted(self.releases), max(1, round(len(self.releases) * share)))
        for page in changed:
            release = len(self.releases[page])
            self.releases[page].insert(0, release)
            (self.root / f"p{page}").mkdir(exist_ok=True)
            (self.root / f"p{page}/r{release}.html").write_bytes(release_page(page, release))
            (self.root / f"p{page}.html").write_bytes(list_page(page, self.releases[page][:ROWS_PER_PAGE]))
        return len(changed)


def page_urls(port: int, pages: int) -> list[str]:
    """The listing pages' URLs, spread over the hosts."""
    return [f"http://{HOSTS[page % len(HOSTS)]}:{port}/p{page}.html" for page in range(pages)]


def write_config(
    workdir: Path, urls: list[str], concurrency: int, latency: float, *, scraper: str = 'kind = "mic_press_list"'
) -> Path:
    """./regwatch.toml: one source per page, read by ``scraper`` (its kind and options, TOML), with
    one request in flight per host."""
    sources = "".join(
        f'[[sources]]\nid = "p{page}"\n{scraper}\nurl = "{url}"\ninterval = "1h"\njitter = "0s"\n'
        for page, url in enumerate(urls)
    )
    config = workdir / "regwatch.toml"
    config.write_text(
        f'[fetch]\nconcurrency = {concurrency}\nper_host_concurrency = 1\nmin_host_interval = "{latency}s"\n'
        f'timeout = "20s"\nmax_detail_fetches = 40\nallow = ["127.0.0.0/8"]\n{sources}',
        encoding="utf-8",
    )
    return config


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


async def poll_all(runtime: Runtime):
    fetcher = runtime.fetcher()
    try:
        return await runtime.pipeline(fetcher).poll(due_only=False)
    finally:
        await fetcher.aclose()


def run_cycle(name: str, runtime: Runtime, server, pages: int, made: int) -> Cycle:
    server.control("DELETE", "/__requests__")
    classifier = runtime.classifier
    classifying_start = classifier.cpu
    wall_start, cpu_start = time.perf_counter(), time.process_time()
    reports = aio.run(poll_all(runtime))
    wall, cpu = time.perf_counter() - wall_start, time.process_time() - cpu_start
    failures = [r for r in reports if r.error]
    if failures:
        raise SystemExit(f"{len(failures)} sources failed, e.g. {failures[0].source_id}: {failures[0].error}")
    served = server.control("GET", "/__requests__")
    found = sum(r.new for r in reports) if name != "cold" else 0
    return Cycle(
        name, pages, wall, cpu, len(served), sum(r["status"] == 304 for r in served), found, made, peak_rss_mb(),
        classifier.cpu - classifying_start,
    )  # fmt: skip


def bench_round(pages: int, latency: float, concurrency: int, database_url: str | None, seed: int) -> list[Cycle]:
    rng = random.Random(seed)
    with tempfile.TemporaryDirectory() as temp, ExitStack() as cleanup:
        workdir = Path(temp)
        site_root = workdir / "site"
        site_root.mkdir()
        site = Site(site_root, pages)
        hosts = ["127.0.0.1", *HOSTS]  # 127.0.0.1 answers the control requests
        server = start("tests.servers.site", "--root", str(site_root), "--latency", str(latency), *[f"--host={h}" for h in hosts])
        try:
            config = write_config(workdir, page_urls(server.port, pages), concurrency, latency)
            # Each round on an empty database: a cold cycle finds nothing stored.
            if database_url:
                url = cleanup.enter_context(scratch_schema(database_url, prefix="rw_bench"))
            else:
                url = f"sqlite:///{workdir / 'bench.db'}"
            runtime = Runtime.open(load_settings(config, env={"REGWATCH_DATABASE_URL": url}))
            runtime.classifier = TimedClassifier(runtime.classifier.loaded)
            runtime.ready()  # as the service does at start, before any cycle
            try:
                cycles = [run_cycle("cold", runtime, server, pages, 0), run_cycle("idle", runtime, server, pages, 0)]
                cycles.append(run_cycle("churn", runtime, server, pages, site.publish(1.0, rng)))
                cycles.append(run_cycle("warm", runtime, server, pages, site.publish(0.05, rng)))
                return cycles
            finally:
                runtime.close()
        finally:
            server.stop()


def median_cycle(cycles: list[Cycle]) -> Cycle:
    middle = sorted(cycles, key=lambda cycle: cycle.cpu)[len(cycles) // 2]
    return replace(middle, wall=statistics.median(c.wall for c in cycles), peak_rss_mb=max(c.peak_rss_mb for c in cycles))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--pages", type=int, action="append", help="N (repeatable; default 200 and 1000)")
    parser.add_argument("--latency", type=float, default=0.05)
    parser.add_argument("--concurrency", type=int, default=10)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--database-url", help="default: a fresh SQLite file per round; PostgreSQL: a scratch schema per round")
    arguments = parser.parse_args()
    print(
        f"latency {arguments.latency * 1000:g} ms, concurrency {arguments.concurrency}, {len(HOSTS)} hosts, "
        f"1 request in flight per host, median of {arguments.rounds} rounds"
    )
    for pages in arguments.pages or [200, 1000]:
        rounds = [
            bench_round(pages, arguments.latency, arguments.concurrency, arguments.database_url, seed)
            for seed in range(arguments.rounds)
        ]
        cold, idle, churn, warm = (median_cycle([cycles[index] for cycles in rounds]) for index in range(4))
        for cycle in (cold, idle, churn, warm):
            print(cycle.line(arguments.latency, arguments.concurrency), flush=True)
        # Measured, not derived: idle cycles alone vary by ±30 ms of CPU here, which would swamp
        # the cost of the warm cycle's few changed pages.
        print(
            f"      CPU per unchanged (304) page {idle.per_page:.2f} ms (idle cycle; target <= 0.8), per changed page, "
            f"detail fetch included, {churn.per_page:.2f} ms (churn cycle; target <= 4) and classifying "
            f"{churn.classifying * 1000 / pages:.2f} ms",
            flush=True,
        )


if __name__ == "__main__":
    main()
