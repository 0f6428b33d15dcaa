"""The image where no Docker engine can start: deploy/Dockerfile's own steps (its COPY lines, then
deploy/install.sh as its RUN lines call it) into a fresh venv from the lock file, then the service
started as the container starts it: HOME unwritable, the venv, the model and the config read-only,
state only in a data directory, as the image's unprivileged user. It must load the model baked at build time (train nothing, write
nothing outside the data directory), poll a local site, alert, answer the image's health check
(`regwatch health`, and `--ready`), and stop cleanly on SIGTERM."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.cli import NEW_ORDER, NEW_ORDER_PATH, add_release, list_polls, mic_press_source, publish, wait_for
from tests.conftest import LocalSite
from tests.dockerfile import Stage, stages
from tests.processes import stop
from tests.servers import PROJECT_ROOT, free_port

pytestmark = pytest.mark.e2e


@dataclass
class ImageTree:
    """The image's filesystem, laid out under ``root``: /opt/regwatch/... is root/opt/regwatch/..."""

    root: Path
    runtime_env: dict[str, str]
    seconds: dict[str, float]

    def path(self, inside: str) -> Path:
        return self.root / inside.lstrip("/")


def _inside(root: Path, value: str) -> str:
    return str(root / value.lstrip("/")) if value.startswith("/") else value


@pytest.fixture(scope="module")
def image() -> Iterator[ImageTree]:
    build, runtime = stages()
    # Not under pytest's tmp_path (private to its owner): the service runs as the image's user.
    root = Path(tempfile.mkdtemp(prefix="regwatch-image-"))
    root.chmod(0o755)
    try:
        yield _install(build, runtime, root)
    finally:
        # Writable again where a run without root made the tree read-only: else nothing of it is removed.
        subprocess.run(["chmod", "-R", "u+w", str(root)], check=False)
        shutil.rmtree(root)


def _install(build: Stage, runtime: Stage, root: Path) -> ImageTree:
    workdir = root / "build"  # the build stage's WORKDIR
    workdir.mkdir()
    for sources, destination in build.copies():
        for source in sources:
            target = workdir / destination / Path(source).name if destination.endswith("/") else workdir / destination
            target.parent.mkdir(parents=True, exist_ok=True)
            copy = shutil.copytree if (PROJECT_ROOT / source).is_dir() else shutil.copy2
            copy(
                PROJECT_ROOT / source,
                target,
                **({"ignore": shutil.ignore_patterns("__pycache__")} if copy is shutil.copytree else {}),
            )
    # The build's environment: this machine's (pip's index and wheel cache), none of the test
    # session's REGWATCH_ settings, and the Dockerfile's ENV with its paths moved under root.
    env = {key: value for key, value in os.environ.items() if not key.startswith("REGWATCH_")}
    env.update({key: _inside(root, value) for key, value in build.env().items()})
    seconds = {}
    for step, target in build.install_steps():
        started = time.monotonic()
        result = subprocess.run(
            ["sh", str(workdir / "install.sh"), step, _inside(root, target)],
            cwd=workdir, env=env, capture_output=True, text=True, timeout=600,
        )  # fmt: skip
        assert result.returncode == 0, f"install.sh {step}:\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}"
        seconds[step] = time.monotonic() - started
    runtime_env = {key: _inside(root, value) for key, value in runtime.env().items() if key != "PATH"}
    runtime_env["PATH"] = ":".join(
        _inside(root, entry) if entry.startswith("/opt/") else entry for entry in runtime.env()["PATH"].split(":")
    )
    return ImageTree(root, runtime_env, seconds)


def _read_only_mounts() -> bool:
    """Bind mounts made read-only in a mount namespace of the service's own (root, util-linux)."""
    if os.geteuid() != 0 or shutil.which("unshare") is None:
        return False
    return subprocess.run(["unshare", "--mount", "true"], capture_output=True).returncode == 0


def image_user() -> int:
    """The uid the image runs as (its useradd)."""
    return int(re.search(r"useradd [^&]*--uid (\d+)", " ".join(stages()[-1].arguments("RUN"))).group(1))


def _start_read_only(command: list[str], read_only: list[Path], **popen) -> subprocess.Popen[str]:
    """``command`` as the image's user, each of ``read_only`` unwritable even to root; exec'd, so its
    pid is the service's."""
    if _read_only_mounts():
        script = "".join(f'mount --bind "{p}" "{p}" && mount -o remount,bind,ro "{p}" "{p}" && ' for p in read_only)
        user = image_user()
        drop = f'exec setpriv --reuid={user} --regid={user} --clear-groups "$@"'
        return subprocess.Popen(["unshare", "--mount", "sh", "-c", script + drop, "sh", *command], **popen)
    for path in read_only:  # not root: permissions suffice
        subprocess.run(["chmod", "-R", "a-w", str(path)], check=True)
    return subprocess.Popen(command, **popen)


def _files(directory: Path) -> dict[str, float]:
    return {str(path.relative_to(directory)): path.stat().st_mtime for path in directory.rglob("*")}


def test_the_image_install_runs_read_only_with_the_baked_model(image: ImageTree, site: LocalSite, tmp_path: Path):
    model_dir = Path(image.runtime_env["REGWATCH_MODEL_DIR"])
    assert list(model_dir.glob("classifier-*.pkl")), f"the build baked no model into {model_dir}"
    publish(site)
    config = image.root / "config"  # mounted read-only, as compose mounts it
    config.mkdir()
    (config / "regwatch.toml").write_text(
        f"""
[service]
tick = "1s"

[metrics]
port = {free_port()}   # the Docker health check asks it (`regwatch health`)

[fetch]
allow = ["127.0.0.1"]   # the local site; the address guard refuses loopback otherwise
min_host_interval = "0s"
"""
        + mic_press_source(site.url),
        encoding="utf-8",
    )
    home = image.root / "home"  # HOME exists but cannot be written, as a container's /nonexistent
    home.mkdir()
    data = image.path("/data")  # the volume: the only writable place, with /tmp
    data.mkdir()
    if _read_only_mounts():
        os.chown(data, image_user(), image_user())  # as the Dockerfile chowns /data
    model_before = _files(model_dir)
    env = {
        **{key: value for key, value in os.environ.items() if not key.startswith(("REGWATCH_", "XDG_", "SLACK_"))},
        **image.runtime_env,
        "HOME": str(home),
        "REGWATCH_CONFIG": str(config / "regwatch.toml"),
    }
    out, err = tmp_path / "stdout", tmp_path / "stderr"
    with out.open("w") as stdout, err.open("w") as stderr:
        service = _start_read_only(
            [str(image.path("/opt/regwatch/venv/bin/regwatch")), "run"],
            [home, config, image.path("/opt/regwatch")],
            cwd=data, env=env, stdout=stdout, stderr=stderr, text=True,
        )  # fmt: skip
        try:
            wait_for(lambda: list_polls(site) >= 2 or service.poll() is not None, "two polls of the local site", 60)
            assert service.poll() is None, err.read_text()
            add_release(site, NEW_ORDER, NEW_ORDER_PATH)
            wait_for(lambda: NEW_ORDER in out.read_text() or service.poll() is not None, "the new release's alert", 60)
            health = [
                subprocess.run(
                    [str(image.path("/opt/regwatch/venv/bin/regwatch")), "health", *flag], env=env, capture_output=True, text=True
                )
                for flag in ([], ["--ready"])
            ]
        finally:
            stop(service)
    log = err.read_text()
    assert NEW_ORDER in out.read_text(), log
    assert service.returncode == 0, log
    assert [check.returncode for check in health] == [0, 0], [check.stdout + check.stderr for check in health]
    assert "stopped" in log
    assert "training the classifier" not in log and "Read-only file system" not in log, log
    assert _files(model_dir) == model_before
    assert list(home.iterdir()) == []
    assert (data / "regwatch.db").exists()  # sqlite:///regwatch.db, relative to the WORKDIR /data
    assert not list(data.rglob("classifier-*.pkl")), "the service trained a model instead of loading the baked one"
    print(f"install steps (s): {image.seconds}")
