"""A command run in a fresh process and measured: wall and CPU seconds and peak resident memory,
for tests (a memory bound) and benchmarks (bench/startup.py, bench/peers.py)."""

from __future__ import annotations

import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

# Forks from a small process of its own: Linux keeps the peak RSS of the address space a process
# replaces at exec, so a child of the (larger) caller would report the caller's peak. It writes the
# child's figures to the file named first and exits as the child did; the child keeps its stdout and
# stderr.
_LAUNCHER = """
import os, sys, time
started = time.perf_counter()
child = os.fork()
if child == 0:
    os.execvp(sys.argv[2], sys.argv[2:])
_, status, usage = os.wait4(child, 0)
wall = time.perf_counter() - started
with open(sys.argv[1], "w") as figures:
    figures.write(f"{wall} {usage.ru_utime + usage.ru_stime} {usage.ru_maxrss}")
sys.exit(os.waitstatus_to_exitcode(status))
"""


@dataclass(frozen=True)
class Usage:
    wall: float  # seconds, start-up included
    cpu: float  # user + system seconds of the command's process
    peak_rss_mb: float


def run_measured(command: list[str], **run: Any) -> tuple[subprocess.CompletedProcess, Usage]:
    """``subprocess.run(command, **run)``, and what the command's process used."""
    with tempfile.TemporaryDirectory() as scratch:
        figures = Path(scratch) / "usage"
        result = subprocess.run([sys.executable, "-c", _LAUNCHER, str(figures), *command], **run)
        wall, cpu, peak_kb = (float(figure) for figure in figures.read_text().split())
    return result, Usage(wall, cpu, peak_kb / 1024)
