"""The fetcher alone: CPU per request of a 200 (a 5 kB Shift_JIS list page, gzip-compressed on the
wire, decoded as the pipeline decodes it) and of a 304, on bench/poll_cycle.py's site.

    python bench/fetch_cost.py [--pages 400] [--rounds 3] [--latency 0] [--https] [--profile cold|idle]

One Fetcher per round, as a poll does: the cold pass fetches every page (connections and
robots.txt of ten loopback hosts included), the idle pass asks again with the validators it got,
and every page answers 304. ``--https``: over TLS, the site's certificate made for the run
(openssl) and trusted through SSL_CERT_FILE. Printed: CPU ms per request of this process, per round, and the least.
``--profile`` prints cProfile's view of one pass (CPU clock of this thread) in the first round.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import os
import pstats
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from poll_cycle import HOSTS, Site, page_urls  # noqa: E402

from monitor import aio  # noqa: E402
from monitor.config import FetchConfig  # noqa: E402
from monitor.fetch import Fetcher  # noqa: E402
from tests.servers import self_signed_certificate, start  # noqa: E402


async def fetch_pass(fetcher: Fetcher, urls: list[str], validators: dict[str, tuple[str | None, str | None]]) -> None:
    async def one(url: str) -> None:
        etag, last_modified = validators.get(url, (None, None))
        page = await fetcher.get(url, etag=etag, last_modified=last_modified)
        validators[url] = (page.etag, page.last_modified)
        if not page.not_modified:
            page.decoded  # noqa: B018 - decoded once, as the pipeline does

    await asyncio.gather(*(one(url) for url in urls))


def bench_round(config: FetchConfig, urls: list[str], profile: str | None) -> dict[str, float]:
    costs: dict[str, float] = {}

    async def run() -> None:
        fetcher = Fetcher(config)
        validators: dict[str, tuple[str | None, str | None]] = {}
        try:
            for name in ("cold", "idle"):
                profiler = cProfile.Profile(time.thread_time) if name == profile else None
                started = time.process_time()
                if profiler is not None:
                    profiler.enable()
                await fetch_pass(fetcher, urls, validators)
                if profiler is not None:
                    profiler.disable()
                    pstats.Stats(profiler).sort_stats("tottime").print_stats(30)
                costs[name] = (time.process_time() - started) * 1000 / len(urls)
        finally:
            await fetcher.aclose()

    aio.run(run())
    return costs


def _certificate(directory: Path, hosts: list[str]) -> list[str]:
    """A self-signed certificate for ``hosts``, trusted by this process; the site's TLS arguments."""
    cert, key = self_signed_certificate(directory, hosts)
    os.environ["SSL_CERT_FILE"] = str(cert)
    return ["--cert", str(cert), "--key", str(key)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--pages", type=int, default=400)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--latency", type=float, default=0.0, help="the server's, and the spacing of requests per host")
    parser.add_argument("--https", action="store_true")
    parser.add_argument("--profile", choices=["cold", "idle"])
    arguments = parser.parse_args()
    with tempfile.TemporaryDirectory() as temp:
        Site(Path(temp), arguments.pages)
        hosts = ["127.0.0.1", *HOSTS]
        tls = _certificate(Path(temp), hosts) if arguments.https else []
        server = start(
            "tests.servers.site", "--root", temp, "--latency", str(arguments.latency), *tls, *[f"--host={h}" for h in hosts]
        )
        try:
            urls = page_urls(server.port, arguments.pages)
            if arguments.https:
                urls = [url.replace("http://", "https://", 1) for url in urls]
            config = FetchConfig(
                concurrency=10, per_host_concurrency=1, min_host_interval=arguments.latency, allow=["127.0.0.0/8"]
            )
            rounds = [bench_round(config, urls, arguments.profile if index == 0 else None) for index in range(arguments.rounds)]
        finally:
            server.stop()
    for name, answer in (("cold", "200"), ("idle", "304")):
        costs = [costs[name] for costs in rounds]
        print(f"{name} ({answer}): {' '.join(f'{cost:.3f}' for cost in costs)} ms CPU per request (least {min(costs):.3f})")


if __name__ == "__main__":
    main()
