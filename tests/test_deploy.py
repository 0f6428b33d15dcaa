"""The deployment files stay valid: compose against the compose-spec schema, the example config
against regwatch's own validation, and the Dockerfile against the tree it copies."""

import re
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from monitor.config import load_settings
from tests.docker_engine import compose_command
from tests.dockerfile import stages, volumes
from tests.servers import PROJECT_ROOT

DEPLOY = PROJECT_ROOT / "deploy"


def test_compose_file_matches_the_compose_specification():
    checker = Path(sys.executable).with_name("check-jsonschema")
    result = subprocess.run(
        [str(checker), "--builtin-schema", "vendor.compose-spec", str(DEPLOY / "docker-compose.yml")],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_compose_mounts_and_builds_what_exists():
    compose = (DEPLOY / "docker-compose.yml").read_text(encoding="utf-8")
    assert "./regwatch.toml:/config/regwatch.toml:ro" in compose and (DEPLOY / "regwatch.toml").exists()
    assert "dockerfile: deploy/Dockerfile" in compose


def test_example_config_is_valid():
    settings = load_settings(DEPLOY / "regwatch.toml", env={})
    assert settings.config.sources


def test_dockerfile_copies_existing_paths():
    for stage in stages():
        for sources, _ in stage.copies():
            for source in sources:
                assert (PROJECT_ROOT / source).exists(), source


def test_the_image_holds_every_package_the_project_installs():
    """The build installs what it copies: a package left out installs without a word and fails
    only when its command runs (dashboard/ was, and `regwatch serve` could not start)."""
    patterns = tomllib.loads((PROJECT_ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["packages"]["find"]["include"]
    packages = {path.parent.name for path in PROJECT_ROOT.glob("*/__init__.py") if any(path.parent.match(p) for p in patterns)}
    copied = {Path(source).name for sources, _ in stages()[0].copies() for source in sources}
    assert packages and packages <= copied, f"not copied into the image: {sorted(packages - copied)}"


def test_the_commented_team_setup_in_the_example_config_is_valid(tmp_path):
    example = (DEPLOY / "regwatch.toml").read_text(encoding="utf-8")
    commented = example[example.index("# Teams, each in its channel") :].splitlines()[2:]
    uncommented = "\n".join(line.removeprefix("#").removeprefix(" ") for line in commented)
    (tmp_path / "teams.toml").write_text(uncommented, encoding="utf-8")
    config = load_settings(tmp_path / "teams.toml", env={"SLACK_BOT_TOKEN": "xoxb-example"}).config
    assert [route.name for route in config.routes] == ["telecom", "politics", "morning"]
    assert config.channels["morning"].kind == "email" and config.health.channels == ["ops"]


# The stack as compose runs it, and the image as the Dockerfile builds it ----------------------


def compose() -> dict:
    from ruamel.yaml import YAML

    return YAML(typ="safe", pure=True).load((DEPLOY / "docker-compose.yml").read_text(encoding="utf-8"))


def _regwatch_services(services: dict) -> dict[str, dict]:
    return {name: service for name, service in services.items() if "dockerfile" in str(service.get("build", ""))}


def test_regwatch_runs_read_only_with_a_tmpfs_and_the_data_volume_the_image_declares():
    document = compose()
    services = _regwatch_services(document["services"])
    assert set(services) == {"migrate", "regwatch", "worker", "dashboard"}
    declared = volumes(stages()[-1])
    assert declared == ["/data"]
    for name, service in services.items():
        assert service["read_only"] is True, name
        assert "/tmp" in service["tmpfs"], name
        assert service["cap_drop"] == ["ALL"] and "no-new-privileges:true" in service["security_opt"], name
        mounts = {volume.split(":")[1]: volume.split(":")[0] for volume in service["volumes"]}
        # A named volume (not a path): the same one across `down` and `up`, no anonymous volume orphaned.
        assert mounts["/data"] in document["volumes"], name
        assert mounts["/config/regwatch.toml"] == "./regwatch.toml" and service["volumes"][0].endswith(":ro"), name


def test_every_service_has_a_health_check_or_is_one_shot_and_restarts_and_logs_within_limits():
    services = compose()["services"]
    assert services["postgres"]["healthcheck"]["test"][-1].startswith("pg_isready")
    assert services["regwatch"]["healthcheck"]["test"] == ["CMD", "regwatch", "health"]
    assert services["regwatch"]["restart"] == services["postgres"]["restart"] == "unless-stopped"
    assert services["migrate"]["command"] == ["db", "upgrade"] and services["migrate"]["restart"] == "no"
    assert services["migrate"]["depends_on"]["postgres"]["condition"] == "service_healthy"
    assert services["regwatch"]["depends_on"] == {
        "postgres": {"condition": "service_healthy"},
        "migrate": {"condition": "service_completed_successfully"},
    }
    for name, service in services.items():
        options = service["logging"]["options"]
        assert options["max-size"] and int(options["max-file"]) >= 1, name
    assert services["mailpit"]["profiles"] == ["mail"]
    # The health check and Prometheus reach the endpoint only if it listens beyond the container's loopback.
    metrics = load_settings(DEPLOY / "regwatch.toml", env={}).config.metrics
    assert metrics.host == "0.0.0.0" and any(port.endswith(f":{metrics.port}") for port in services["regwatch"]["ports"])
    # The dashboard starts with the stack, on the host's loopback only, bound beyond the container's.
    dashboard, options = services["dashboard"], load_settings(DEPLOY / "regwatch.toml", env={}).config.dashboard
    assert dashboard["command"] == ["serve"] and "profiles" not in dashboard
    assert options.host == "0.0.0.0" and [port.split(":", 1)[0] for port in dashboard["ports"]] == ["127.0.0.1"]
    assert all(port.endswith(f":{options.port}") for port in dashboard["ports"])
    assert dashboard["healthcheck"]["test"] == ["CMD", "regwatch", "health", "--dashboard"]
    assert dashboard["restart"] == "unless-stopped" and dashboard["depends_on"] == services["regwatch"]["depends_on"]
    assert services["worker"]["profiles"] == ["distributed"] and services["worker"]["command"] == ["worker"]
    assert services["worker"]["healthcheck"]["test"] == ["CMD", "regwatch", "health", "--worker"]
    assert (
        services["worker"]["restart"] == "unless-stopped"
        and services["worker"]["depends_on"] == services["regwatch"]["depends_on"]
    )


def test_secrets_come_from_the_env_file_and_the_database_password_by_itself():
    services = compose()["services"]
    for name, service in _regwatch_services(services).items():
        assert service["env_file"] == ".env", name
        environment = service["environment"]
        assert "REGWATCH_DATABASE_URL" not in environment, "a URL holds the password raw; pass the parts"
        assert environment["REGWATCH_DATABASE_PASSWORD"].startswith("${POSTGRES_PASSWORD:?"), name
        assert {"REGWATCH_DATABASE_HOST", "REGWATCH_DATABASE_USER", "REGWATCH_DATABASE_NAME"} <= set(environment), name
    compose_text = (DEPLOY / "docker-compose.yml").read_text(encoding="utf-8")
    example = (DEPLOY / ".env.example").read_text(encoding="utf-8")
    required = set(re.findall(r"\$\{(\w+):\?", compose_text))
    listed = set(re.findall(r"^(\w+)=", example, re.M))
    assert required <= listed, "every variable compose requires is in .env.example"
    assert {"SLACK_BOT_TOKEN", "REGWATCH_SMTP_USER", "REGWATCH_SMTP_PASSWORD"} <= listed


def test_the_env_file_is_neither_committed_nor_sent_to_the_build():
    assert "deploy/.env" in (PROJECT_ROOT / ".gitignore").read_text(encoding="utf-8").split(), "deploy/.env must be git-ignored"
    dockerignore = (PROJECT_ROOT / ".dockerignore").read_text(encoding="utf-8").split()
    assert {".git", ".venv", "deploy/.env", "test-artifacts", "*.db"} <= set(dockerignore)


def test_the_dockerfile_builds_in_stages_installs_the_lock_before_the_code_and_runs_unprivileged():
    text = (DEPLOY / "Dockerfile").read_text(encoding="utf-8")
    assert re.search(r"^ARG BASE_IMAGE=python:3\.11-slim$", text, re.M)
    build, runtime = stages()
    assert [name for name, _ in build.install_steps()] == ["dependencies", "project", "model"]
    order = [arguments for name, arguments in build.instructions if name in ("COPY", "RUN")]
    dependencies = next(i for i, line in enumerate(order) if "install.sh dependencies" in line)
    first_code = next(i for i, line in enumerate(order) if re.match(r"monitor\b", line))
    assert dependencies < first_code, "dependencies go in a layer before the code, so a code change reuses it"
    assert any("requirements.lock" in sources for sources, _ in build.copies())
    assert runtime.arguments("USER") and runtime.arguments("USER")[-1].split(":")[0] not in ("root", "0")
    assert runtime.env()["REGWATCH_MODEL_DIR"].startswith("/opt/") and runtime.env()["REGWATCH_CACHE_DIR"].startswith("/data/")
    assert runtime.arguments("HEALTHCHECK")[-1].endswith('CMD ["regwatch", "health"]')
    assert not [line for line in runtime.arguments("COPY") if "--from" not in line], (
        "the runtime stage takes only the build's output"
    )


def test_the_locks_pin_every_dependency_and_agree():
    project = tomllib.loads((PROJECT_ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    runtime, test = _pins(PROJECT_ROOT / "requirements.lock"), _pins(PROJECT_ROOT / "requirements-test.lock")
    for requirement in project["dependencies"]:
        assert _name(requirement) in runtime, f"{requirement} is not in requirements.lock: run deploy/lock.sh"
    for requirement in project["optional-dependencies"]["test"]:
        assert _name(requirement) in test, f"{requirement} is not in requirements-test.lock: run deploy/lock.sh"
    assert {name: version for name, version in test.items() if name in runtime} == runtime


def _name(requirement: str) -> str:
    return re.sub(r"[-_.]+", "-", re.match(r"[A-Za-z0-9._-]+", requirement).group(0)).lower()


def _pins(path: Path) -> dict[str, str]:
    return {
        _name(match.group(1)): match.group(2)
        for match in re.finditer(r"^([A-Za-z0-9._-]+)==(\S+)", path.read_text(encoding="utf-8"), re.M)
    }


def test_the_readme_commands_install_from_the_locks():
    readme = (PROJECT_ROOT / "README.md").read_text(encoding="utf-8").splitlines()
    run = next(line for line in readme if line.startswith("Run ("))
    test = next(line for line in readme if line.startswith("Test ("))
    assert "-c requirements.lock" in run and "-c requirements-test.lock" in test


def test_compose_itself_accepts_the_stack_and_passes_any_password_through(tmp_path):
    command = compose_command()
    if command is None:
        pytest.skip("neither docker-compose nor the docker compose plugin is installed (.ci/run installs docker-compose)")
    deploy = tmp_path / "deploy"
    deploy.mkdir()
    for name in ("docker-compose.yml", "regwatch.toml"):
        shutil.copy(DEPLOY / name, deploy / name)
    password = "p@ss/w:rd%$x #1"
    example = (DEPLOY / ".env.example").read_text(encoding="utf-8")
    (deploy / ".env").write_text(re.sub(r"^POSTGRES_PASSWORD=.*$", f"POSTGRES_PASSWORD='{password}'", example, flags=re.M))
    checked = subprocess.run(
        [*command, "--profile", "mail", "--profile", "distributed", "config", "-q"], cwd=deploy, capture_output=True, text=True
    )
    assert checked.returncode == 0, checked.stderr
    resolved = subprocess.run([*command, "config"], cwd=deploy, capture_output=True, text=True, check=True).stdout
    from ruamel.yaml import YAML

    environment = YAML(typ="safe", pure=True).load(resolved)["services"]["regwatch"]["environment"]
    assert environment["REGWATCH_DATABASE_PASSWORD"].replace("$$", "$") == password
