"""The deployment files stay valid: compose against the compose-spec schema, the example config
against regwatch's own validation, and the Dockerfile against the tree it copies."""

import re
import subprocess
import sys
from pathlib import Path

from monitor.config import load_settings
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
    for source in re.findall(r"^COPY (\S+)", (DEPLOY / "Dockerfile").read_text(encoding="utf-8"), re.M):
        assert (PROJECT_ROOT / source).exists(), source


def test_the_commented_team_setup_in_the_example_config_is_valid(tmp_path):
    example = (DEPLOY / "regwatch.toml").read_text(encoding="utf-8")
    commented = example[example.index("# Teams, each in its channel") :].splitlines()[2:]
    uncommented = "\n".join(line.removeprefix("#").removeprefix(" ") for line in commented)
    (tmp_path / "teams.toml").write_text(uncommented, encoding="utf-8")
    config = load_settings(tmp_path / "teams.toml", env={"SLACK_BOT_TOKEN": "xoxb-example"}).config
    assert [route.name for route in config.routes] == ["telecom", "politics", "morning"]
    assert config.channels["morning"].kind == "email" and config.health.channels == ["ops"]
