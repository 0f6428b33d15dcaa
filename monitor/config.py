"""Settings: built-in defaults (defaults.toml), one TOML file of the user's, and the environment.

Validated once at start and frozen. Errors name the file and the key, unknown keys are
rejected, and secrets are read only from the environment.
"""

from __future__ import annotations

import math
import os
import re
import tomllib
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)

import scrapers
from monitor.errors import ConfigError
from monitor.guard import parse_allow_entry
from monitor.patterns import check_syntax
from monitor.proxies import ProxySettings

CONFIG_FILENAME = "regwatch.toml"
DEFAULT_DATABASE_URL = "sqlite:///regwatch.db"
# These lists are replaced whole by the user's; every other table merges key by key
# (so a user's [channels.default] replaces that one channel).
_LIST_SECTIONS = ("sources", "routes", "categories")
_DURATION = re.compile(r"^(?:(\d+(?:\.\d+)?)d)?(?:(\d+(?:\.\d+)?)h)?(?:(\d+(?:\.\d+)?)m)?(?:(\d+(?:\.\d+)?)s)?$")
_SECONDS_PER_UNIT = (86400, 3600, 60, 1)


def parse_duration(value: Any) -> float:
    """Seconds from ``30``, ``"90s"``, ``"10m"``, ``"1h30m"`` or ``"1d"``."""
    if isinstance(value, bool):
        raise ValueError("a duration is a number of seconds or a string such as '30s', '10m', '1h'")
    if isinstance(value, (int, float)):
        if not math.isfinite(value):
            raise ValueError(f"{value!r} is not a duration (use e.g. 30s, 10m, 1h)")
        return float(value)
    match = _DURATION.match(str(value).strip().lower()) if isinstance(value, str) and value.strip() else None
    if not match or not any(match.groups()):
        raise ValueError(f"invalid duration {value!r} (use e.g. 30s, 10m, 1h)")
    return sum(float(part) * unit for part, unit in zip(match.groups(), _SECONDS_PER_UNIT, strict=True) if part)


def _compile_all(patterns: list[str]) -> list[str]:
    for pattern in patterns:
        check_syntax(pattern)
    return patterns


def format_duration(seconds: float) -> str:
    """``90`` → ``1m30s``: how durations read in messages."""
    if seconds < 60 or seconds > 1000 * 86400:
        return f"{seconds:g}s"
    parts = []
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60), ("s", 1)):
        count, seconds = divmod(seconds, size)
        if count:
            parts.append(f"{count:g}{unit}")
    return "".join(parts)


def within(minimum: float, maximum: float) -> AfterValidator:
    """Bounds of a duration field. Every duration has some: an interval of 1e300 seconds would
    overflow the clock at the first poll."""

    def check(seconds: float) -> float:
        if seconds < minimum:
            raise ValueError(f"{format_duration(seconds)} is too short: at least {format_duration(minimum)}")
        if seconds > maximum:
            raise ValueError(f"{format_duration(seconds)} is too long: at most {format_duration(maximum)}")
        return seconds

    return AfterValidator(check)


_DAY = 86400.0
Seconds = Annotated[float, BeforeValidator(parse_duration)]
RegexList = Annotated[list[str], AfterValidator(_compile_all)]
Identifier = Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9_.-]*$", max_length=64)]


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ServiceConfig(_Section):
    tick: Annotated[Seconds, within(0.1, 3600)] = 15.0
    lease: Annotated[Seconds, within(10, _DAY)] = 600.0
    poll_deadline: Annotated[Seconds, within(1, _DAY)] = 180.0

    @model_validator(mode="after")
    def _deadline_within_lease(self) -> ServiceConfig:
        if self.poll_deadline >= self.lease:
            raise ValueError(
                f"poll_deadline ({format_duration(self.poll_deadline)}) must be shorter than lease "
                f"({format_duration(self.lease)}), or a slow poll would lose its lease to another poller"
            )
        return self


def _allow_entries(entries: list[str]) -> list[str]:
    for entry in entries:
        parse_allow_entry(entry)
    return entries


class FetchConfig(_Section):
    concurrency: int = Field(10, ge=1, le=500)
    timeout: Annotated[Seconds, within(0.1, 600)] = 20.0
    max_body_bytes: int = Field(10_000_000, ge=1024, le=1_000_000_000)
    per_host_concurrency: int = Field(1, ge=1, le=32)
    min_host_interval: Annotated[Seconds, within(0, 3600)] = 1.0
    respect_robots_txt: bool = True
    robots_ttl: Annotated[Seconds, within(0, 30 * _DAY)] = 21600.0
    contact: str = ""
    max_detail_fetches: int = Field(40, ge=0, le=10_000)
    detail_attempts: int = Field(3, ge=1, le=100)
    allow: Annotated[list[str], AfterValidator(_allow_entries)] = []


class DeliveryConfig(_Section):
    max_attempts: int = Field(10, ge=1, le=1000)
    backoff: Annotated[Seconds, within(0, _DAY)] = 30.0
    max_backoff: Annotated[Seconds, within(0, 7 * _DAY)] = 3600.0
    batch: int = Field(50, ge=1, le=10_000)
    claim_timeout: Annotated[Seconds, within(0, _DAY)] = 120.0
    hold: Annotated[Seconds, within(0, _DAY)] = 300.0


class SlackConfig(_Section):
    base_url: str = "https://slack.com/api/"
    min_interval: Annotated[Seconds, within(0, 3600)] = 1.0
    timeout: Annotated[Seconds, within(1, 600)] = 15.0


class SmtpConfig(_Section):
    host: str = "localhost"
    port: int = Field(587, ge=1, le=65535)
    security: Literal["none", "starttls", "tls"] = "starttls"
    sender: str = "regwatch@localhost"
    timeout: Annotated[Seconds, within(1, 600)] = 30.0


class HealthConfig(_Section):
    channels: list[str] = ["default"]
    failures: int = Field(3, ge=1)
    empty_polls: int = Field(2, ge=1)


_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+$")
_SEND_AT = re.compile(r"^([01][0-9]|2[0-3]):[0-5][0-9]$")


class ChannelConfig(_Section):
    kind: Literal["console", "slack", "email", "webhook"]
    channel: str | None = None  # slack: an ID (C0123ABCD) or #name
    to: list[str] = []  # email: the digest's recipients
    subject: str = "regwatch ダイジェスト"  # email
    send_at: str = "07:30"  # email: JST
    business_days_only: bool = True  # email: no digest on weekends and Japanese public holidays
    url: str | None = None  # webhook

    @model_validator(mode="after")
    def _kind_fields(self) -> ChannelConfig:
        if self.kind == "slack" and not self.channel:
            raise ValueError("a slack channel needs `channel` (an ID such as C0123ABCD, or #name)")
        if self.kind == "email":
            if not self.to:
                raise ValueError("an email channel needs `to` (its recipients)")
            for address in self.to:
                if not _EMAIL.match(address):
                    raise ValueError(f"{address!r} is not an e-mail address")
            if not _SEND_AT.match(self.send_at):
                raise ValueError(f"send_at {self.send_at!r} is not HH:MM")
        if self.kind == "webhook" and not (self.url or "").startswith(("http://", "https://")):
            raise ValueError("a webhook channel needs `url` (http or https)")
        return self


BUILT_IN_CATEGORIES = ("donation_refund", "guidance_notice", "cio_survey")


class CategoryConfig(_Section):
    """A category of the user's: include patterns (any one), exclude patterns (veto), and
    optionally a JSON Lines file of labelled examples (``regwatch train`` learns from it)."""

    name: Identifier
    description: str = ""
    include: Annotated[RegexList, Field(min_length=1)]
    exclude: RegexList = []
    examples: Path | None = None

    @field_validator("name")
    @classmethod
    def _not_built_in(cls, name: str) -> str:
        if name in BUILT_IN_CATEGORIES:
            raise ValueError(f"{name!r} is a built-in category")
        return name


_MENTION = re.compile(r"^(?:[UW][A-Z0-9]{2,}|(?:subteam\^)?S[A-Z0-9]{2,}|@?here|@?channel|@?everyone)$")


class RouteConfig(_Section):
    name: Identifier
    categories: list[str] = ["*"]
    sources: list[str] = ["*"]
    channels: list[str] = Field(min_length=1)
    events: list[Literal["new", "updated"]] = ["new", "updated"]
    min_score: float = Field(0.0, ge=0.0, le=1.0)
    mention: list[str] = []  # Slack user (U…), user group (S…) IDs, or here / channel

    @field_validator("mention")
    @classmethod
    def _slack_mentions(cls, mentions: list[str]) -> list[str]:
        for mention in mentions:
            if not _MENTION.match(mention):
                raise ValueError(f"{mention!r} is not a Slack user ID (U…), user group ID (S…), here or channel")
        return mentions


class SourceConfig(_Section):
    id: Identifier
    name: str = ""
    kind: str
    url: Annotated[str, Field(pattern=r"^https?://")]
    detail: str | None = None
    include_links: RegexList = []
    exclude_links: RegexList = []
    interval: Annotated[Seconds, within(1, 30 * _DAY)] = 900.0
    jitter: Annotated[Seconds, within(0, _DAY)] = 60.0
    enabled: bool = True
    options: dict[str, Any] = {}

    @field_validator("kind")
    @classmethod
    def _known_kind(cls, kind: str) -> str:
        try:
            scrapers.get_list_scraper(kind)
        except KeyError as exc:
            raise ValueError(exc.args[0]) from None
        return kind

    @field_validator("detail")
    @classmethod
    def _known_detail(cls, detail: str | None) -> str | None:
        if detail:
            try:
                scrapers.get_detail_parser(detail)
            except KeyError as exc:
                raise ValueError(exc.args[0]) from None
        return detail

    @field_validator("options")
    @classmethod
    def _valid_options(cls, options: dict[str, Any], info: ValidationInfo) -> dict[str, Any]:
        kind = info.data.get("kind")
        if kind is None:
            return options  # the kind itself is invalid and already reported
        try:
            scrapers.get_list_scraper(kind).options.model_validate(options)
        except ValidationError as exc:
            problems = "; ".join(
                f"{'.'.join(map(str, error['loc']))}: "
                + ("unknown key" if error["type"] == "extra_forbidden" else error["msg"].removeprefix("Value error, "))
                for error in exc.errors()
            )
            raise ValueError(f"{problems} (for kind {kind!r})") from None
        return options


class Config(_Section):
    service: ServiceConfig = ServiceConfig()
    fetch: FetchConfig = FetchConfig()
    delivery: DeliveryConfig = DeliveryConfig()
    slack: SlackConfig = SlackConfig()
    smtp: SmtpConfig = SmtpConfig()
    health: HealthConfig = HealthConfig()
    channels: dict[Identifier, ChannelConfig] = {}
    routes: list[RouteConfig] = []
    sources: list[SourceConfig] = []
    categories: list[CategoryConfig] = []

    @property
    def category_names(self) -> list[str]:
        return [*BUILT_IN_CATEGORIES, *(category.name for category in self.categories)]

    @model_validator(mode="after")
    def _references_resolve(self) -> Config:
        _require_unique("sources", [source.id for source in self.sources])
        _require_unique("routes", [route.name for route in self.routes])
        _require_unique("categories", [category.name for category in self.categories])
        source_ids = {source.id for source in self.sources}
        for index, route in enumerate(self.routes):
            for category in route.categories:
                if category != "*" and category not in self.category_names:
                    raise ValueError(
                        f"routes[{index}] ({route.name}): unknown category {category!r}; known: {', '.join(self.category_names)}"
                    )
            for channel in route.channels:
                if channel not in self.channels:
                    raise ValueError(
                        f"routes[{index}] ({route.name}): unknown channel {channel!r}; defined: {', '.join(sorted(self.channels))}"
                    )
            for source in route.sources:
                if source != "*" and source not in source_ids:
                    raise ValueError(f"routes[{index}] ({route.name}): unknown source {source!r}")
        for channel in self.health.channels:
            if channel not in self.channels:
                raise ValueError(f"health.channels: unknown channel {channel!r}; defined: {', '.join(sorted(self.channels))}")
            if self.channels[channel].kind == "email":
                raise ValueError(f"health.channels: {channel!r} is an email digest; source health needs an alerting channel")
        return self


def _require_unique(section: str, names: list[str]) -> None:
    seen: set[str] = set()
    for name in names:
        if name in seen:
            raise ValueError(f"{section}: {name!r} is defined twice")
        seen.add(name)


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
        database_url(env.get("REGWATCH_DATABASE_URL") or DEFAULT_DATABASE_URL),
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
