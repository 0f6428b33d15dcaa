"""regwatch next to urlwatch and the network floor, on one loopback site (run by hand).

    python bench/peers.py [--pages 1000] [--latency 0.05] [--rounds 3] [--database-url URL]

The site: N 総務省-style listing pages (as in bench/poll_cycle.py) on ten loopback hosts, each
answer after ``latency``; between the cold and the warm cycle 5% of the pages gain a release.
- regwatch: ``regwatch poll --once --no-deliver``, one ``html_list`` source per page (as a user
  would configure it), concurrency 10, one request in flight per host;
- urlwatch 2.29, installed from PyPI into its own venv under .cache/peers/ on first use, one url
  job per page; it runs ten jobs at a time;
- the floor: ten threads of http.client (a keep-alive connection per thread and host) getting
  every page once, unconditionally: what the network allows at concurrency 10.
Each tool is a fresh process per cycle (start-up included; regwatch's modules compiled to bytecode
first, as an installed package's are: see bench/startup.py), measured by a small launcher: wall
seconds, CPU seconds (user + system) and peak RSS; medians over the rounds. Ratios: wall against
the floor and against urlwatch, CPU against urlwatch.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import subprocess
import sys
import tempfile
from contextlib import ExitStack
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from poll_cycle import HOSTS, Site, page_urls, write_config  # noqa: E402
from startup import compile_as_installed, run_once  # noqa: E402

from tests.cli import regwatch_command  # noqa: E402
from tests.databases import scratch_schema  # noqa: E402
from tests.servers import PROJECT_ROOT, start  # noqa: E402

URLWATCH = "urlwatch==2.29"
URLWATCH_VENV = PROJECT_ROOT / ".cache" / "peers" / "urlwatch"
CONCURRENCY = 10
CHURN = 0.05
# One html_list source per page, as a user would configure it (not the built-in 総務省 scraper).
HTML_LIST = 'kind = "html_list"\noptions = { item = ".contentsBody tr", link = "a[href]" }'

_FLOOR = """
import http.client, sys, threading
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import urlsplit
local = threading.local()
def get(url):
    parts = urlsplit(url)
    connections = local.__dict__.setdefault("connections", {})
    connection = connections.get(parts.netloc) or connections.setdefault(parts.netloc, http.client.HTTPConnection(parts.netloc))
    connection.request("GET", parts.path)
    response = connection.getresponse()
    response.read()
    assert response.status == 200, (url, response.status)
urls = open(sys.argv[1]).read().split()
with ThreadPoolExecutor(int(sys.argv[2])) as pool:
    list(pool.map(get, urls))
"""


def urlwatch_command() -> list[str]:
    """urlwatch in a venv of its own, made once (the registry is asked only then)."""
    script = URLWATCH_VENV / "bin" / "urlwatch"
    if not script.exists():
        print(f"installing {URLWATCH} into {URLWATCH_VENV}", file=sys.stderr, flush=True)
        subprocess.run([sys.executable, "-m", "venv", str(URLWATCH_VENV)], check=True)
        subprocess.run([str(URLWATCH_VENV / "bin" / "pip"), "install", "-q", URLWATCH], check=True)
    return [str(script)]


def write_urlwatch_files(workdir: Path, urls: list[str]) -> list[str]:
    """urlwatch's job list, config and hooks; returns its command-line options."""
    (workdir / "urls.yaml").write_text("---\n".join(f"url: {url}\n" for url in urls), encoding="utf-8")
    (workdir / "urlwatch.yaml").write_text("report:\n  stdout:\n    enabled: true\n    color: false\n", encoding="utf-8")
    (workdir / "hooks.py").write_text("", encoding="utf-8")
    return [
        *(
            f"--{name}={workdir / file}"
            for name, file in [("urls", "urls.yaml"), ("config", "urlwatch.yaml"), ("hooks", "hooks.py")]
        ),
        f"--cache={workdir / 'urlwatch-cache.db'}",
    ]


def one_round(arguments: argparse.Namespace, seed: int, urlwatch: list[str]) -> dict[tuple[str, str], tuple[float, float, float]]:
    """(tool, cycle) → (wall, CPU, peak RSS) of one round on a fresh site and fresh stores."""
    env = {k: v for k, v in os.environ.items() if not k.lower().endswith("_proxy")}
    results = {}
    with ExitStack() as cleanup:
        workdir = Path(cleanup.enter_context(tempfile.TemporaryDirectory()))
        (workdir / "site").mkdir()
        site = Site(workdir / "site", arguments.pages)
        hosts = [f"--host={host}" for host in ["127.0.0.1", *HOSTS]]
        server = start("tests.servers.site", "--root", str(workdir / "site"), "--latency", str(arguments.latency), *hosts)
        try:
            urls = page_urls(server.port, arguments.pages)
            (workdir / "urls.txt").write_text("\n".join(urls), encoding="utf-8")
            write_config(workdir, urls, CONCURRENCY, arguments.latency, scraper=HTML_LIST)
            if arguments.database_url:  # a schema of the round's own: its cold cycle finds nothing stored
                database = cleanup.enter_context(scratch_schema(arguments.database_url, prefix="rw_bench"))
            else:
                database = f"sqlite:///{workdir / 'regwatch.db'}"
            regwatch_env = {**env, "REGWATCH_DATABASE_URL": database}
            commands = {
                "floor": ([sys.executable, "-c", _FLOOR, str(workdir / "urls.txt"), str(CONCURRENCY)], env),
                "urlwatch": ([*urlwatch, *write_urlwatch_files(workdir, urls)], env),
                "regwatch": ([*regwatch_command(), "poll", "--once", "--no-deliver"], regwatch_env),
            }
            for cycle in ("cold", "warm"):
                if cycle == "warm":
                    site.publish(CHURN, random.Random(seed))
                for tool, (command, tool_env) in commands.items():
                    results[tool, cycle] = run_once(command, workdir, tool_env)
        finally:
            server.stop()
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--pages", type=int, default=1000)
    parser.add_argument("--latency", type=float, default=0.05)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument(
        "--database-url",
        help="regwatch's database (default: a fresh SQLite file per round; PostgreSQL: a scratch schema per round)",
    )
    arguments = parser.parse_args()
    urlwatch = urlwatch_command()
    compile_as_installed()
    rounds = [one_round(arguments, seed, urlwatch) for seed in range(arguments.rounds)]
    median = {key: tuple(statistics.median(r[key][i] for r in rounds) for i in range(3)) for key in rounds[0]}
    ideal = arguments.pages * arguments.latency / CONCURRENCY
    print(
        f"N = {arguments.pages} pages, latency {arguments.latency * 1000:g} ms, concurrency {CONCURRENCY}, "
        f"{CHURN:.0%} churn, median of {arguments.rounds}; network floor N x latency / concurrency = {ideal:.2f} s"
    )
    tools = ("regwatch", "urlwatch", "floor")
    print(f"{'':<24}{'regwatch':>20}{'urlwatch':>20}{'stdlib floor':>20}")
    for cycle in ("cold", "warm"):
        cells = [f"{median[tool, cycle][0]:.2f} s / {median[tool, cycle][1]:.2f} s" for tool in tools]
        print(f"{cycle + ' cycle, wall / CPU':<24}" + "".join(f"{cell:>20}" for cell in cells))
    for cycle in ("cold", "warm"):
        print(f"{'peak RSS, ' + cycle:<24}" + "".join(f"{median[tool, cycle][2]:>17.0f} MB" for tool in tools))
    for cycle in ("cold", "warm"):
        wall, cpu, _ = median["regwatch", cycle]
        print(
            f"{cycle}: regwatch wall x{wall / ideal:.2f} the network floor (ideal), x{wall / median['floor', cycle][0]:.2f} "
            f"the stdlib floor, x{wall / median['urlwatch', cycle][0]:.2f} urlwatch; CPU x{cpu / median['urlwatch', cycle][1]:.2f} "
            f"urlwatch, {cpu * 1000 / arguments.pages:.2f} ms per page"
        )


if __name__ == "__main__":
    main()
