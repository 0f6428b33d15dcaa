"""A Docker engine for the stack test (tests/test_stack.py): the one that answers, or a private
``dockerd`` started here, and the local Debian base image that stands in for ``python:3.11-slim``
where no image registry is reachable.

The private engine keeps its images and build cache under ~/.cache/regwatch-docker (a second run
reuses them) and its sockets in a temporary directory; it touches neither the host's firewall
(no iptables rules, no default bridge: builds use the host's network, as the host reaches PyPI and
the Debian mirror) nor anything another engine owns, and it is stopped by its pid.
"""

from __future__ import annotations

import fcntl
import hashlib
import os
import re
import shutil
import signal
import subprocess
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import IO

CACHE = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "regwatch-docker"
CA_BUNDLE = Path(os.environ.get("SSL_CERT_FILE") or "/etc/ssl/certs/ca-certificates.crt")
SUITE = "bookworm"  # python3.11, the version of python:3.11-slim
# What deploy/Dockerfile needs of its base (useradd and groupadd are in minbase), as deploy/README.md makes it.
BASE_PACKAGES = ("python3", "python3-venv", "ca-certificates")


class Unavailable(Exception):
    """No engine can run here; the message says why (the test skips with it)."""


@dataclass
class Engine:
    host: str  # DOCKER_HOST
    client: str  # a docker client that builds with BuildKit (build secrets, cache mounts)
    startup_seconds: float = 0.0  # how long a private dockerd took to answer

    def env(self) -> dict[str, str]:
        return {**os.environ, "DOCKER_HOST": self.host, "DOCKER_BUILDKIT": "1"}

    def __call__(self, *arguments: str, stdin: IO[bytes] | None = None, timeout: float = 900) -> str:
        result = subprocess.run([self.client, *arguments], env=self.env(), stdin=stdin, capture_output=True, timeout=timeout)
        if result.returncode != 0:
            raise AssertionError(f"docker {' '.join(arguments)}: exit {result.returncode}\n{result.stderr.decode()[-4000:]}")
        return result.stdout.decode()

    def has_image(self, reference: str) -> bool:
        return subprocess.run([self.client, "image", "inspect", reference], env=self.env(), capture_output=True).returncode == 0

    def build(self, context: Path, dockerfile: Path, tag: str, **build_args: str) -> None:
        """BuildKit, on the host's network, with the host's CA bundle as the ``ca_bundle`` secret."""
        arguments = ["build", "--network", "host", "--progress", "plain", "-t", tag, "-f", str(dockerfile)]
        if CA_BUNDLE.exists():
            arguments += ["--secret", f"id=ca_bundle,src={CA_BUNDLE}"]
        for name, value in build_args.items():
            arguments += ["--build-arg", f"{name}={value}"]
        self(*arguments, str(context))


def buildkit_client() -> str:
    """A docker client that builds with BuildKit: one with the buildx plugin, or one older than 23
    (BuildKit built in, as Debian's docker.io 20.10)."""
    candidates = dict.fromkeys(path for path in (shutil.which("docker"), "/usr/bin/docker") if path and Path(path).exists())
    for client in candidates:
        if subprocess.run([client, "buildx", "version"], capture_output=True).returncode == 0:
            return client
        version = subprocess.run([client, "--version"], capture_output=True, text=True).stdout
        found = re.search(r"version (\d+)\.", version)
        if found and int(found.group(1)) < 23:
            return client
    raise Unavailable("no docker client that builds with BuildKit (Debian: apt-get install docker.io)")


def compose_command() -> list[str] | None:
    if shutil.which("docker-compose"):
        return ["docker-compose"]
    if shutil.which("docker") and subprocess.run(["docker", "compose", "version"], capture_output=True).returncode == 0:
        return ["docker", "compose"]
    return None


def _answers(client: str, host: str) -> bool:
    probe = subprocess.run(
        [client, "version", "--format", "{{.Server.Version}}"], env={**os.environ, "DOCKER_HOST": host}, capture_output=True
    )
    return probe.returncode == 0


@contextmanager
def engine() -> Iterator[Engine]:
    """The engine that answers at DOCKER_HOST (or the default socket), else a private dockerd
    started here and stopped by its pid at the end."""
    client = buildkit_client()
    existing = os.environ.get("DOCKER_HOST") or "unix:///var/run/docker.sock"
    if _answers(client, existing):
        yield Engine(existing, client)
        return
    if os.geteuid() != 0 or shutil.which("dockerd") is None:
        raise Unavailable("no Docker engine answers, and a private dockerd needs root and dockerd (apt-get install docker.io)")
    CACHE.mkdir(parents=True, exist_ok=True)
    with _cache_lock(), tempfile.TemporaryDirectory(prefix="rwd-") as run:
        yield from _private_dockerd(client, Path(run))


@contextmanager
def _cache_lock() -> Iterator[None]:
    """One private engine per cache at a time: a second test run waits for the first."""
    with open(CACHE / "lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        yield


def _private_dockerd(client: str, run: Path) -> Iterator[Engine]:
    _stop_leftover()
    host = f"unix://{run}/docker.sock"
    log = run / "dockerd.log"
    with log.open("w") as output:
        daemon = subprocess.Popen(
            ["dockerd", "--data-root", str(CACHE / "engine"), "--exec-root", str(run / "exec"), "-H", host,
             "--pidfile", str(run / "dockerd.pid"), "--bridge=none", "--iptables=false", "--ip-masq=false",
             "--default-address-pool", "base=10.213.0.0/16,size=24"],
            stdout=output, stderr=subprocess.STDOUT, start_new_session=True,
        )  # fmt: skip
    (CACHE / "dockerd.pid").write_text(str(daemon.pid))
    try:
        started = time.monotonic()
        while not _answers(client, host):
            if daemon.poll() is not None or time.monotonic() > started + 60:
                raise Unavailable(f"a private dockerd did not start:\n{log.read_text()[-2000:]}")
            time.sleep(0.2)
        private = Engine(host, client, time.monotonic() - started)
        yield private
        # The cache stays bounded: images a code change replaced, and the oldest build cache.
        for prune in (["image", "prune", "--force"], ["builder", "prune", "--force", "--keep-storage", "4GB"]):
            subprocess.run([client, *prune], env=private.env(), capture_output=True, timeout=300)
    finally:
        _stop(daemon)
        (CACHE / "dockerd.pid").unlink(missing_ok=True)


def _stop(daemon: subprocess.Popen) -> None:
    if daemon.poll() is None:
        os.kill(daemon.pid, signal.SIGTERM)
        try:
            daemon.wait(timeout=60)
        except subprocess.TimeoutExpired:
            os.kill(daemon.pid, signal.SIGKILL)
            daemon.wait()


def _stop_leftover() -> None:
    """A private dockerd of a run that was killed holds the data root; it is ours, so stop it."""
    pid_file = CACHE / "dockerd.pid"
    if not pid_file.exists():
        return
    pid = int(pid_file.read_text())
    try:
        command = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
    except OSError:
        return
    if command[0].endswith(b"dockerd") and str(CACHE / "engine").encode() in command:
        os.kill(pid, signal.SIGTERM)
        deadline = time.monotonic() + 60
        while Path(f"/proc/{pid}").exists() and time.monotonic() < deadline:
            time.sleep(0.2)


# The local base image -------------------------------------------------------------------------


def debian_mirror() -> str:
    """The Debian mirror apt uses here (deb822 ``URIs:`` or a one-line ``deb`` entry)."""
    sources = [Path("/etc/apt/sources.list"), *sorted(Path("/etc/apt/sources.list.d").glob("*"))]
    for path in sources:
        text = path.read_text(encoding="utf-8", errors="replace") if path.is_file() else ""
        for uri in re.findall(r"^(?:URIs:|deb)\s+(?:\[[^]]*\]\s+)?(https?://\S+)", text, re.M):
            if uri.rstrip("/").endswith("/debian"):
                return uri.rstrip("/")
    return "http://deb.debian.org/debian"


def base_image(engine: Engine, timings: dict[str, float]) -> str:
    """``regwatch-base-python:<key>``: Debian minbase with python3 and venv, made by debootstrap and
    ``docker import``. The key changes with the recipe and each week (security updates); an image
    of the current key is reused."""
    mirror = debian_mirror()
    week = time.strftime("%G-W%V")
    key = hashlib.sha256(f"{SUITE} {mirror} {' '.join(BASE_PACKAGES)} {week}".encode()).hexdigest()[:12]
    tag = f"regwatch-base-python:{key}"
    if engine.has_image(tag):
        return tag
    if shutil.which("debootstrap") is None:
        raise Unavailable("debootstrap is not installed (apt-get install debootstrap): it makes the local base image")
    try:
        urllib.request.urlopen(f"{mirror}/dists/{SUITE}/Release", timeout=10).close()
    except OSError as exc:
        raise Unavailable(f"the Debian mirror {mirror} is unreachable ({exc}): no local base image can be made") from exc
    with tempfile.TemporaryDirectory(prefix="regwatch-rootfs-", dir=CACHE) as scratch:
        root = Path(scratch) / "root"
        started = time.monotonic()
        result = subprocess.run(
            ["debootstrap", "--variant=minbase", f"--include={','.join(BASE_PACKAGES)}", SUITE, str(root), mirror],
            capture_output=True, text=True, timeout=900,
        )  # fmt: skip
        assert result.returncode == 0, f"debootstrap:\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}"
        timings["debootstrap"] = round(time.monotonic() - started, 1)
        started = time.monotonic()
        # Downloaded packages and package lists are the build machine's business, not the image's.
        for leftover in ("var/cache/apt/archives", "var/lib/apt/lists"):
            subprocess.run(["find", str(root / leftover), "-type", "f", "-delete"], check=True)
        tar = subprocess.Popen(["tar", "-C", str(root), "--numeric-owner", "-c", "."], stdout=subprocess.PIPE)
        with tar.stdout:
            engine("import", "--change", 'CMD ["bash"]', "-", tag, stdin=tar.stdout)
        assert tar.wait() == 0, "tar of the base tree failed"
        timings["import"] = round(time.monotonic() - started, 1)
    return tag
