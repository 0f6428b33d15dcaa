"""`regwatch users add`, `regwatch serve` and `regwatch labels export` as an operator runs them:
a new editor signs in to the served dashboard, marks a label wrong, and the export shows it."""

from __future__ import annotations

import json
import signal
import subprocess
import time

import httpx
import pytest

from tests.cli import Cli, regwatch_command
from tests.dashboard_data import GUIDANCE, seeded_store, sign_in
from tests.processes import Regwatch
from tests.servers import free_port

pytestmark = pytest.mark.e2e


def wait_for(url: str, server: Regwatch, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert server.process.poll() is None, server.output()
        try:
            httpx.get(url, timeout=1.0)
            return
        except httpx.TransportError:
            time.sleep(0.2)
    raise AssertionError(f"regwatch serve did not answer at {url}:\n{server.output()}")


def test_an_editor_added_on_the_command_line_corrects_a_label_and_the_export_shows_it(tmp_path):
    url = f"sqlite:///{tmp_path / 'regwatch.db'}"
    database, ids = seeded_store(url)
    database.dispose()
    port = free_port()
    cli = Cli.configured(tmp_path, url, f"[metrics]\nport = 0\n\n[dashboard]\nsecure_cookies = false\nport = {port}\n")
    added = subprocess.run(
        [*regwatch_command(), "users", "add", "chief", "--role", "editor", "--password-stdin"],
        cwd=tmp_path, env=cli.env, input="a long password\n", capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert added.returncode == 0 and "user chief (editor) saved" in added.stdout, added.stderr
    server = Regwatch(cli, "serve", "serve")
    try:
        base = f"http://127.0.0.1:{port}"
        wait_for(f"{base}/login", server)
        # The compose stack's health check of the dashboard: it answers, and its database at head.
        assert cli("health", "--dashboard").stdout.startswith("/healthz: 200 ok: the database answers")
        with httpx.Client(base_url=base) as browser:
            token = sign_in(browser, "chief", "a long password")  # a login issues a new token
            item = f"/items/{ids[GUIDANCE]}"
            answer = browser.post(f"{item}/corrections", data={"csrf": token, "category": "guidance_notice", "present": "0"})
            assert answer.status_code == 303 and "誤りと報告" in browser.get(item).text
    finally:
        # uvicorn shuts down, then lets the signal end the process as it would have without it.
        assert server.stop() in (0, -signal.SIGTERM) and "Traceback" not in server.output(), server.output()
    assert "does not answer" in cli("health", "--dashboard", expect=1).stderr
    [line] = cli("labels", "export").stdout.splitlines()
    exported = json.loads(line)
    assert exported["title"] == GUIDANCE and exported["labels"] == [] and exported["predicted"] == ["guidance_notice"]
    assert [(c["category"], c["present"], c["author"]) for c in exported["corrections"]] == [("guidance_notice", False, "chief")]


def test_the_service_serves_the_dashboard_alongside_when_configured(tmp_path):
    from monitor.cli.dashboard import dashboard_alongside
    from monitor.config import Settings
    from monitor.config.schema import DashboardConfig
    from monitor.runtime import Runtime
    from tests.dashboard_data import config

    port = free_port()
    settings = config().model_copy(update={"dashboard": DashboardConfig(port=port, with_run=True)})
    runtime = Runtime.open(Settings(settings, None, f"sqlite:///{tmp_path / 'regwatch.db'}", None))
    try:
        with dashboard_alongside(runtime):
            deadline = time.monotonic() + 20
            while True:
                try:
                    assert httpx.get(f"http://127.0.0.1:{port}/login", timeout=1.0).status_code == 200
                    break
                except httpx.TransportError:
                    assert time.monotonic() < deadline, "the dashboard never answered"
                    time.sleep(0.1)
        with pytest.raises(httpx.TransportError):
            httpx.get(f"http://127.0.0.1:{port}/login", timeout=1.0)
    finally:
        runtime.close()
