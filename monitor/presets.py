"""The catalog of sources: presets read from monitor/presets.toml, and a ``[[sources]]`` entry
expanded over the preset it names (the entry's keys win; its ``options`` merge key by key)."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

_CATALOG_KEYS = ("watches", "basis")


@dataclass(frozen=True)
class Preset:
    key: str
    name: str
    watches: str
    basis: str  # "real capture", "notes" or "unverified" (see presets.toml)
    source: dict[str, Any]  # the [[sources]] keys it sets

    @property
    def kind(self) -> str:
        return self.source["kind"]

    @property
    def url(self) -> str:
        return self.source["url"]


@cache
def presets() -> dict[str, Preset]:
    raw = tomllib.loads(resources.files("monitor").joinpath("presets.toml").read_text(encoding="utf-8"))
    return {
        key: Preset(
            key, entry["name"], entry["watches"], entry["basis"], {k: v for k, v in entry.items() if k not in _CATALOG_KEYS}
        )
        for key, entry in raw.items()
    }


def get_preset(key: str) -> Preset:
    try:
        return presets()[key]
    except KeyError:
        raise KeyError(f"unknown preset {key!r}; presets: {', '.join(presets())} (see `regwatch sources presets`)") from None


def expand(entry: dict[str, Any]) -> dict[str, Any]:
    """A ``[[sources]]`` entry with the keys of its preset filled in; ``id`` defaults to the preset's key."""
    if not entry.get("preset"):
        return entry
    preset = get_preset(entry["preset"])
    expanded = {"id": preset.key, **preset.source, **entry}
    if isinstance(entry.get("options"), dict):
        expanded["options"] = {**preset.source.get("options", {}), **entry["options"]}
    return expanded
