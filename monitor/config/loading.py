"""Loading the settings: built-in defaults (defaults.toml) merged with one TOML file of the
user's, then the environment (secrets are read only from there). Errors name the file and the key."""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

from pydantic import (
    ValidationError,
)

from monitor.config.database_env import database_url_from_environment
from monitor.config.schema import Config
from monitor.errors import ConfigError
from monitor.proxies import ProxySettings

CONFIG_FILENAME = "regwatch.toml"
# These lists are replaced whole by the user's; every other table merges key by key
# (so a user's [channels.default] replaces that one channel).
_LIST_SECTIONS = ("sources", "routes", "categories", "watch")


@dataclass(frozen=True)
class Settings:
    """The validated configuration plus what comes from the environment."""

    config: Config
    path: Path | None
    database_url: str
    slack_token: str | None
    smtp_user: str | None = None
    smtp_password: str | None = None
    proxies: ProxySettings = ProxySettings({}, {})

    @property
    def origin(self) -> str:
        return str(self.path) if self.path else "built-in defaults"

    @property
    def secrets(self) -> tuple[str, ...]:
        """What the logs must never show: the Slack token, the SMTP password and the database
        password (as written in the URL and decoded)."""
        password = urlsplit(self.database_url).password or ""
        found = (self.slack_token or "", self.smtp_password or "", password, unquote(password))
        return tuple(dict.fromkeys(secret for secret in found if secret))


def default_config_path(explicit: str | os.PathLike[str] | None, env: dict[str, str]) -> Path | None:
    """``--config PATH``, else ``$REGWATCH_CONFIG``, else ./regwatch.toml when it exists."""
    if explicit:
        return Path(explicit)
    if env.get("REGWATCH_CONFIG"):
        return Path(env["REGWATCH_CONFIG"])
    local = Path(CONFIG_FILENAME)
    return local if local.exists() else None


def load_settings(path: str | os.PathLike[str] | None = None, env: dict[str, str] | None = None) -> Settings:
    env = dict(os.environ) if env is None else env
    config_path = default_config_path(path, env)
    raw = _defaults()
    if config_path is not None:
        raw = merge(raw, _read_toml(config_path))
    config = _validate(_resolve_example_paths(raw, config_path), config_path)
    _require_example_files(config, config_path)
    token = env.get("SLACK_BOT_TOKEN") or None
    if token is None:
        slack_channels = [name for name, channel in config.channels.items() if channel.kind == "slack"]
        if slack_channels:
            raise ConfigError(
                f"{config_path or 'built-in defaults'}: channels.{slack_channels[0]}: kind 'slack' needs "
                "SLACK_BOT_TOKEN in the environment (secrets are never read from the file)"
            )
    try:
        proxies = ProxySettings.from_environment(env)
    except ValueError as exc:
        raise ConfigError(f"environment: {exc}") from None
    return Settings(
        config,
        config_path,
        database_url(database_url_from_environment(env)),
        token,
        env.get("REGWATCH_SMTP_USER") or None,
        env.get("REGWATCH_SMTP_PASSWORD") or None,
        proxies,
    )


_SUPPORTED_DATABASES = (
    "sqlite:///PATH, or postgresql://USER:PASSWORD@HOST:PORT/DATABASE (also written postgres:// or postgresql+psycopg://)"
)


def database_url(url: str) -> str:
    """The SQLAlchemy URL of ``REGWATCH_DATABASE_URL``: SQLite, or PostgreSQL through psycopg 3.

    ``postgres://`` (as many hosts hand it out) and ``postgresql://`` name the same database;
    regwatch talks to it with psycopg 3. Anything else is refused before any connection.
    """
    scheme, separator, rest = url.partition("://")
    if not separator:
        raise ConfigError(f"REGWATCH_DATABASE_URL is not a URL; supported: {_SUPPORTED_DATABASES}")
    dialect, _, driver = scheme.lower().partition("+")
    if dialect == "sqlite" and driver in ("", "pysqlite"):
        if not rest.startswith("/"):
            raise ConfigError(
                f"REGWATCH_DATABASE_URL: a SQLite URL is sqlite:///relative/path or sqlite:////absolute/path, not {url!r}"
            )
        return url
    if dialect in ("postgresql", "postgres"):
        if driver not in ("", "psycopg"):
            raise ConfigError(
                f"REGWATCH_DATABASE_URL: the PostgreSQL driver {driver!r} is not installed; "
                "use postgresql://… (regwatch connects with psycopg 3)"
            )
        if not rest or rest.startswith("/"):
            raise ConfigError("REGWATCH_DATABASE_URL: a PostgreSQL URL needs a host, e.g. postgresql://regwatch@db:5432/regwatch")
        return f"postgresql+psycopg://{rest}"
    raise ConfigError(f"REGWATCH_DATABASE_URL: {dialect!r} databases are not supported; supported: {_SUPPORTED_DATABASES}")


def _resolve_example_paths(raw: dict[str, Any], path: Path | None) -> dict[str, Any]:
    """Example files are named relative to the config file that names them."""
    if path is None or not isinstance(raw.get("categories"), list):
        return raw
    categories = [
        {**category, "examples": str(path.parent / category["examples"])}
        if isinstance(category, dict) and isinstance(category.get("examples"), str)
        else category
        for category in raw["categories"]
    ]
    return {**raw, "categories": categories}


def _require_example_files(config: Config, path: Path | None) -> None:
    for index, category in enumerate(config.categories):
        if category.examples is not None and not category.examples.is_file():
            raise ConfigError(
                f"{path or 'built-in defaults'}: categories[{index}] ({category.name}).examples: no such file {category.examples}"
            )


def merge(defaults: dict[str, Any], user: dict[str, Any]) -> dict[str, Any]:
    merged = dict(defaults)
    for key, value in user.items():
        if key in _LIST_SECTIONS or not (isinstance(value, dict) and isinstance(merged.get(key), dict)):
            merged[key] = value
        else:
            merged[key] = {**merged[key], **value}
    return merged


def _defaults() -> dict[str, Any]:
    return tomllib.loads(resources.files("monitor").joinpath("defaults.toml").read_text(encoding="utf-8"))


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(f"{path}: no such config file") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: not valid TOML: {exc}") from None


def _validate(raw: dict[str, Any], path: Path | None) -> Config:
    try:
        return Config.model_validate(raw)
    except ValidationError as exc:
        raise ConfigError("\n".join(_describe(error, raw, path) for error in exc.errors())) from None


def _describe(error: dict[str, Any], raw: dict[str, Any], path: Path | None) -> str:
    location = _key_path(error["loc"], raw)
    message = "unknown key" if error["type"] == "extra_forbidden" else error["msg"].removeprefix("Value error, ")
    where = f"{path or 'built-in defaults'}: {location}" if location else f"{path or 'built-in defaults'}"
    return f"{where}: {message}"


def _key_path(location: tuple[Any, ...], raw: dict[str, Any]) -> str:
    text, node = "", raw
    for part in location:
        if isinstance(part, int):
            text += f"[{part}]"
            node = node[part] if isinstance(node, list) and part < len(node) else {}
            label = node.get("id") or node.get("name") if isinstance(node, dict) else None
            text += f" ({label})" if label else ""
        else:
            text += f".{part}" if text else str(part)
            node = node.get(part, {}) if isinstance(node, dict) else {}
    return text
