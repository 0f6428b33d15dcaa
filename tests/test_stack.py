"""The image built and the compose stack run for real, where a Docker engine can start (a private
``dockerd`` when none answers; tests/docker_engine.py): a local Debian base stands in for
``python:3.11-slim`` and for ``postgres:16-alpine`` (no registry is reachable from CI), the regwatch
image is built from deploy/Dockerfile on it, and deploy/docker-compose.yml runs as it is (regwatch
read-only, migrate before it, health checks) with a config that polls a loopback site through the
Docker network's gateway and alerts a Slack-like server. The image size and each step's time are
written to test-artifacts/docker-stack.json and shown in the test summary.

Cold (a fresh machine) it takes 4 to 8 minutes on 2 cores, as busy as they are: debootstrap 1.5
to 3, the two image builds side by side 2 to 4, the stack half a minute; the base image and the
build cache stay in ~/.cache/regwatch-docker, so a second run takes about one.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack
from pathlib import Path

import httpx
import pytest

from tests.browser import ARTIFACTS
from tests.cli import (
    NEW_ORDER,
    NEW_ORDER_PATH,
    add_release,
    list_polls,
    local_settings,
    mic_press_source,
    publish,
    slack_messages,
    wait_for,
)
from tests.conftest import LocalSite
from tests.docker_engine import Engine, Unavailable, base_image, compose_command, engine
from tests.metrics_scrape import scrape, total
from tests.servers import PROJECT_ROOT, RunningServer, free_port, start

pytestmark = [pytest.mark.docker, pytest.mark.e2e]

HERE = Path(__file__).parent
FIGURES = ARTIFACTS / "docker-stack.json"
PASSWORD = "p@ss/w:rd%1"  # a database URL built by pasting it would break


class Steps:
    """Each step's wall time, in order (the figures the lead reports)."""

    def __init__(self) -> None:
        self.seconds: dict[str, float] = {}

    def timed(self, name: str, action: Callable[[], object]) -> object:
        started = time.monotonic()
        result = action()
        self.seconds[name] = round(time.monotonic() - started, 1)
        return result


@pytest.fixture
def docker() -> Iterator[Engine]:
    if compose_command() is None:
        pytest.skip("neither docker-compose nor the docker compose plugin is installed (.ci/run installs docker-compose)")
    try:
        with engine() as running:
            yield running
    except Unavailable as exc:
        pytest.skip(f"no Docker engine can run here: {exc}")


def test_the_image_runs_read_only_in_the_compose_stack_and_alerts_once(
    docker: Engine,
    site: LocalSite,
    slack_server: RunningServer,
    tmp_path: Path,
    record_property: Callable[[str, object], None],
):
    steps = Steps()
    steps.seconds["dockerd start"] = round(docker.startup_seconds, 1)
    started = time.monotonic()
    try:
        base = base_image(docker, steps.seconds)
    except Unavailable as exc:
        pytest.skip(str(exc))
    # Both at once: the PostgreSQL stand-in's apt-get and regwatch's pip mostly wait on the network.
    with ThreadPoolExecutor(2) as pool:
        builds = [
            pool.submit(steps.timed, "postgres image", lambda: docker.build(HERE / "docker", HERE / "docker" / "postgres.Dockerfile", "regwatch-postgres:stack-test", BASE_IMAGE=base)),
            pool.submit(steps.timed, "regwatch image", lambda: docker.build(PROJECT_ROOT, PROJECT_ROOT / "deploy" / "Dockerfile", "regwatch:stack-test", BASE_IMAGE=base)),
        ]  # fmt: skip
        for build in builds:
            build.result()
    size = int(docker("image", "inspect", "--format", "{{.Size}}", "regwatch:stack-test"))
    base_size = int(docker("image", "inspect", "--format", "{{.Size}}", base))

    publish(site)
    with ExitStack() as cleanup:
        network = f"regwatch-stack-{tmp_path.name[-20:]}".lower()
        docker("network", "create", network)
        cleanup.callback(docker, "network", "rm", network)
        gateway = docker("network", "inspect", "--format", "{{(index .IPAM.Config 0).Gateway}}", network).strip()
        # The containers reach the loopback servers through forwarders on the network's gateway.
        site_port, slack_port = (_forward(cleanup, gateway, server) for server in (site.server, slack_server))
        metrics_port, dashboard_port = free_port(), free_port()
        project = _project(tmp_path / "deploy", network, gateway, site_port, slack_port, metrics_port, dashboard_port)
        stack = _Compose(docker, project, network)
        cleanup.callback(lambda: steps.timed("down", stack.down))

        steps.timed("up until healthy", lambda: stack.up_until_healthy())
        wait_for(lambda: list_polls(site) >= 2, "two polls of the loopback site from inside the stack", 60)
        add_release(site, NEW_ORDER, NEW_ORDER_PATH)
        steps.timed("new item to alert", lambda: wait_for(lambda: _alerts(slack_server), "the new release's alert in Slack", 60))
        polls = list_polls(site)
        wait_for(lambda: list_polls(site) >= polls + 3, "three more polls", 60)
        assert len(_alerts(slack_server)) == 1, "one new item, one alert, however many polls see it"

        health = stack.exec("regwatch", "health", "--ready")
        assert health.returncode == 0, health.stdout + health.stderr
        samples = scrape(metrics_port)
        assert total(samples, "regwatch_polls_total", outcome="ok", source="mic-press") >= 3
        assert total(samples, "regwatch_deliveries_total", channel="default", outcome="sent") == 1
        assert docker("inspect", "--format", "{{.HostConfig.ReadonlyRootfs}}", stack.container("regwatch")).strip() == "true"
        # The dashboard service: healthy, and its login page on the host's loopback where compose publishes it.
        wait_for(lambda: stack.health("dashboard") in ("healthy", "unhealthy", "exited"), "the dashboard's health check", 60)
        assert stack.health("dashboard") == "healthy", stack("logs", "--no-color", "dashboard").stdout[-3000:]
        login = httpx.get(f"http://127.0.0.1:{dashboard_port}/login", timeout=10)
        assert login.status_code == 200 and 'name="password"' in login.text
        written = stack.exec("touch", "/opt/regwatch/written")
        assert written.returncode != 0 and "Read-only file system" in written.stderr

    figures = {
        "image_bytes": size,
        "image_mb": round(size / 1e6),
        "base_image_mb": round(base_size / 1e6),
        "seconds": steps.seconds,
        "total_seconds": round(time.monotonic() - started, 1),
    }
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    FIGURES.write_text(json.dumps(figures, indent=2), encoding="utf-8")
    record_property("figures", json.dumps(figures))


class _Compose:
    def __init__(self, docker: Engine, project: Path, name: str) -> None:
        self.docker = docker
        self.project = project
        self.name = name

    def __call__(self, *arguments: str, timeout: float = 300) -> subprocess.CompletedProcess[str]:
        command = [*compose_command(), "-p", self.name, "-f", "docker-compose.yml", "-f", "stack-test.yml", *arguments]
        return subprocess.run(command, cwd=self.project, env=self.docker.env(), capture_output=True, text=True, timeout=timeout)

    def container(self, service: str) -> str:
        return self("ps", "-q", service).stdout.strip()

    def exec(self, *command: str) -> subprocess.CompletedProcess[str]:
        return self("exec", "-T", "regwatch", *command)

    def up_until_healthy(self) -> None:
        started = self("up", "-d", "--no-build")
        assert started.returncode == 0, started.stdout + started.stderr
        wait_for(lambda: self.health("regwatch") in ("healthy", "unhealthy", "exited"), "regwatch's health check", 180)
        assert self.health("regwatch") == "healthy", self("logs", "--no-color").stdout[-6000:]
        assert self.health("postgres") == "healthy"
        migrate = self.docker("inspect", "--format", "{{.State.ExitCode}}", self.container("migrate")).strip()
        assert migrate == "0", self("logs", "--no-color", "migrate").stdout

    def health(self, service: str) -> str:
        container = self.container(service)
        if not container:
            return "none"
        state = self.docker(
            "inspect", "--format", "{{.State.Status}} {{if .State.Health}}{{.State.Health.Status}}{{end}}", container
        )
        status, _, health = state.strip().partition(" ")
        return health or status

    def down(self) -> None:
        stopped = self("down", "--volumes", "--remove-orphans")
        assert stopped.returncode == 0, stopped.stderr


def _project(
    directory: Path, network: str, gateway: str, site_port: int, slack_port: int, metrics_port: int, dashboard_port: int
) -> Path:
    """deploy/docker-compose.yml as it is, beside a config for the loopback servers, a .env, and an
    override: the local images, the test's network, and health checks every 2 s instead of 30 s."""
    directory.mkdir()
    shutil.copy(PROJECT_ROOT / "deploy" / "docker-compose.yml", directory)
    settings = local_settings(
        f"http://{gateway}:{slack_port}",
        overrides={
            # Only the gateway, where the forwarders listen: the address guard refuses every other private address.
            "fetch": {"allow": f'["{gateway}"]'},
            # As deploy/regwatch.toml has them (local_settings turns them off for tests outside containers).
            "metrics": {"host": '"0.0.0.0"', "port": "9464", "worker_port": "9465"},
            "dashboard": {"host": '"0.0.0.0"'},
        },
    )
    (directory / "regwatch.toml").write_text(settings + mic_press_source(f"http://{gateway}:{site_port}"), encoding="utf-8")
    (directory / ".env").write_text(
        f"POSTGRES_PASSWORD='{PASSWORD}'\nSLACK_BOT_TOKEN=xoxb-test\nREGWATCH_TAG=stack-test\n"
        f"POSTGRES_IMAGE=regwatch-postgres:stack-test\nREGWATCH_METRICS_PORT={metrics_port}\n"
        f"REGWATCH_DASHBOARD_PORT={dashboard_port}\n",
        encoding="utf-8",
    )
    (directory / "stack-test.yml").write_text(
        f"""
services:
  regwatch:
    healthcheck:
      interval: 2s
      start_period: 60s
  dashboard:
    healthcheck:
      interval: 2s
networks:
  default:
    external: true
    name: {network}
""",
        encoding="utf-8",
    )
    return directory


def _alerts(slack: RunningServer) -> list[dict]:
    return [message for message in slack_messages(slack) if NEW_ORDER in message["text"]]


def _forward(cleanup: ExitStack, listen: str, server: RunningServer) -> int:
    forwarder = start("tests.servers.forward", "--listen", listen, "--to", f"127.0.0.1:{server.port}")
    cleanup.callback(forwarder.stop)
    return forwarder.port
