"""Long-running ``regwatch`` processes (the scheduler, workers) for tests and benchmarks: their logs
go to a file (a pipe nobody reads would fill and stall them), and each is stopped by its own pid."""

from __future__ import annotations

import os
import signal
import subprocess
from pathlib import Path

from tests.cli import Cli, regwatch_command


def stop(process: subprocess.Popen, timeout: float = 30.0) -> int:
    """SIGTERM, then SIGKILL if ``process`` has not stopped within ``timeout``; its exit code."""
    if process.poll() is None:
        os.kill(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.kill(process.pid, signal.SIGKILL)
            process.wait()
    return process.returncode


class Regwatch:
    def __init__(self, cli: Cli, name: str, *arguments: str) -> None:
        self.name = name
        self.log = cli.workdir / f"{name}.log"
        with self.log.open("w", encoding="utf-8") as log:
            self.process = subprocess.Popen(
                [*regwatch_command(), *arguments], cwd=cli.workdir, env=cli.env, stdout=log, stderr=subprocess.STDOUT
            )

    @property
    def pid(self) -> int:
        return self.process.pid

    def kill(self) -> None:
        """SIGKILL: no chance to finish anything, as when a machine dies."""
        os.kill(self.pid, signal.SIGKILL)
        self.process.wait()

    def stop(self, timeout: float = 30.0) -> int:
        """SIGTERM, then SIGKILL if it has not stopped within ``timeout``; its exit code."""
        return stop(self.process, timeout)

    def output(self) -> str:
        return Path(self.log).read_text(encoding="utf-8", errors="replace")
