"""Start-up benchmark: wall and CPU seconds of fresh ``regwatch`` processes, medians of several runs.

    python bench/startup.py [--runs 7] [--pages 10]

- ``regwatch --help``;
- ``regwatch poll --once --no-deliver`` with nothing to classify: N listing pages (as in
  bench/poll_cycle.py) on a loopback site, polled once beforehand, then unchanged (every page 304);
- the same poll where one page gained a release (one gated item to classify: the model loads).
CPU is the child's user + system time (os.wait4), so the load of a shared machine inflates wall
time much more than it does CPU time. Peak RSS is the child's own.

regwatch's own modules are compiled to bytecode first, as pip does when it installs the image: with
PYTHONDONTWRITEBYTECODE set (the image and this machine set it), an editable checkout would
otherwise compile every module again in every run (about 0.15 s of CPU). The test extras (selenium,
schemathesis) bring trio and rich, which httpcore and httpx import when present: a venv made from
requirements.lock alone, as the image is, starts faster than the test venv.
"""

from __future__ import annotations

import argparse
import compileall
import os
import random
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from poll_cycle import HOSTS, Site, page_urls, write_config  # noqa: E402

from tests.cli import regwatch_command  # noqa: E402
from tests.measure import run_measured  # noqa: E402
from tests.servers import start  # noqa: E402


def run_once(arguments: list[str], cwd: Path, env: dict[str, str]) -> tuple[float, float, float]:
    """Wall seconds, CPU seconds and peak RSS (MB) of one run."""
    result, usage = run_measured(arguments, cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    if result.returncode != 0:
        raise SystemExit(f"{' '.join(arguments)} failed (exit {result.returncode})")
    return usage.wall, usage.cpu, usage.peak_rss_mb


def measure(name: str, arguments: list[str], cwd: Path, env: dict[str, str], runs: int, before=None) -> None:
    results = []
    for _ in range(runs):
        if before:
            before()
        results.append(run_once(arguments, cwd, env))
    wall, cpu, rss = (statistics.median(column) for column in zip(*results, strict=True))
    print(f"{name:<34} wall {wall:5.2f}s  cpu {cpu:5.2f}s  peak RSS {rss:6.1f} MB  (median of {runs})", flush=True)


def compile_as_installed() -> None:
    """regwatch's modules to bytecode, as pip compiles an installed package (see the docstring)."""
    project = Path(__file__).resolve().parents[1]
    for package in ("monitor", "scrapers", "alerts", "dashboard"):
        compileall.compile_dir(project / package, quiet=1)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--pages", type=int, default=10)
    arguments = parser.parse_args()
    command = regwatch_command()
    compile_as_installed()
    with tempfile.TemporaryDirectory() as temp:
        workdir = Path(temp)
        site_root = workdir / "site"
        site_root.mkdir()
        site = Site(site_root, arguments.pages)
        server = start("tests.servers.site", "--root", str(site_root), *[f"--host={h}" for h in ["127.0.0.1", *HOSTS]])
        try:
            write_config(workdir, page_urls(server.port, arguments.pages), 10, 0.0)
            env = {**os.environ, "REGWATCH_DATABASE_URL": f"sqlite:///{workdir / 'bench.db'}"}
            poll = [*command, "poll", "--once", "--no-deliver"]
            run_once(poll, workdir, env)  # the baseline: every item first seen
            measure("regwatch --help", [*command, "--help"], workdir, env, arguments.runs)
            measure("regwatch poll --once (all 304)", poll, workdir, env, arguments.runs)
            rng = random.Random(0)
            measure(
                "regwatch poll --once (1 new item)",
                poll,
                workdir,
                env,
                arguments.runs,
                before=lambda: site.publish(1 / arguments.pages, rng),
            )
        finally:
            server.stop()


if __name__ == "__main__":
    main()
