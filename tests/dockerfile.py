"""Reading deploy/Dockerfile as the tests need it: its stages' instructions, COPY sources,
ENV settings and install steps, so that a test can check or repeat what the image does."""

from __future__ import annotations

import re
import shlex
from dataclasses import dataclass, field

from tests.servers import PROJECT_ROOT

DOCKERFILE = PROJECT_ROOT / "deploy" / "Dockerfile"


@dataclass
class Stage:
    name: str
    instructions: list[tuple[str, str]] = field(default_factory=list)  # (INSTRUCTION, arguments)

    def arguments(self, instruction: str) -> list[str]:
        return [arguments for name, arguments in self.instructions if name == instruction]

    def env(self) -> dict[str, str]:
        settings: dict[str, str] = {}
        for arguments in self.arguments("ENV"):
            for word in shlex.split(arguments):
                key, _, value = word.partition("=")
                settings[key] = value
        return settings

    def copies(self) -> list[tuple[list[str], str]]:
        """Each COPY from the build context (not --from another stage): (sources, destination)."""
        found = []
        for arguments in self.arguments("COPY"):
            words = arguments.split()
            if any(word.startswith("--from") for word in words):
                continue
            words = [word for word in words if not word.startswith("--")]
            found.append((words[:-1], words[-1]))
        return found

    def install_steps(self) -> list[tuple[str, str]]:
        """The deploy/install.sh steps its RUN lines take, in order: (step, target)."""
        return [step for arguments in self.arguments("RUN") for step in re.findall(r"\./install\.sh (\w+) (\S+)", arguments)]


def stages() -> list[Stage]:
    """deploy/Dockerfile's stages in order (continuation lines joined, comments dropped)."""
    text = re.sub(
        r"\\\n", " ", "\n".join(line for line in DOCKERFILE.read_text(encoding="utf-8").splitlines() if not line.startswith("#"))
    )
    found: list[Stage] = []
    for line in text.splitlines():
        instruction, _, arguments = line.strip().partition(" ")
        if not instruction:
            continue
        if instruction.upper() == "FROM":
            alias = re.search(r"\bAS (\S+)", arguments, re.I)
            found.append(Stage(alias.group(1) if alias else f"stage{len(found)}"))
        if found:
            found[-1].instructions.append((instruction.upper(), arguments.strip()))
    return found


def volumes(stage: Stage) -> list[str]:
    import json

    declared: list[str] = []
    for arguments in stage.arguments("VOLUME"):
        declared += json.loads(arguments) if arguments.startswith("[") else arguments.split()
    return declared
