"""The settings file's schema: one frozen model per section. Unknown keys are rejected; every
duration has bounds; cross-references (a route's channels, a source's kind) are checked here."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)

import scrapers
from monitor.attachments.extract import EXCEL_TYPES, PDF_TYPES, ReadableType
from monitor.config.values import DAY, Identifier, RegexList, Seconds, UserAgentText, format_duration, within
from monitor.guard import parse_allow_entry
from monitor.presets import expand


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ServiceConfig(_Section):
    # embedded: one process polls and delivers (APScheduler); distributed: `regwatch run` only
    # schedules, and `regwatch worker` processes run the jobs (procrastinate, PostgreSQL only).
    mode: Literal["embedded", "distributed"] = "embedded"
    tick: Annotated[Seconds, within(0.1, 3600)] = 15.0
    lease: Annotated[Seconds, within(10, DAY)] = 600.0
    poll_deadline: Annotated[Seconds, within(1, DAY)] = 180.0

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
    robots_ttl: Annotated[Seconds, within(0, 30 * DAY)] = 21600.0
    contact: UserAgentText = ""
    max_detail_fetches: int = Field(40, ge=0, le=10_000)
    detail_attempts: int = Field(3, ge=1, le=100)
    allow: Annotated[list[str], AfterValidator(_allow_entries)] = []


class AttachmentsConfig(_Section):
    """The files a release links to (PDF, Excel): fetched with its detail page, read in a bounded child process."""

    enabled: bool = True
    types: list[ReadableType] = [*PDF_TYPES, *EXCEL_TYPES]
    max_per_item: int = Field(5, ge=0, le=100)
    max_bytes: int = Field(10_000_000, ge=1024, le=1_000_000_000)
    timeout: Annotated[Seconds, within(1, 600)] = 20.0
    max_memory: int = Field(1_000_000_000, ge=100_000_000, le=64_000_000_000)
    max_chars: int = Field(50_000, ge=100, le=10_000_000)


def _corporate_number(number: str) -> str:
    """13 digits whose first is the check digit of the other twelve (法人番号)."""
    # Here, not at the top: the facts package brings Sudachi, which a config without 法人番号 never needs.
    from monitor.facts.identifiers import check_digit

    if not re.fullmatch(r"[0-9]{13}", number):
        raise ValueError(f"{number!r} is not a 法人番号 (13 digits)")
    if int(number[0]) != check_digit(number[1:]):
        raise ValueError(f"{number!r} is not a 法人番号: its check digit should be {check_digit(number[1:])}")
    return number


class WatchConfig(_Section):
    """What a team wants to hear about in any item of any source: its names, 法人番号, people and terms."""

    # Tuples: an entry is hashable, so a config's watchlist is compiled once (monitor.watch).
    name: str = Field(min_length=1)
    companies: tuple[Annotated[str, Field(min_length=1)], ...] = ()
    aliases: tuple[Annotated[str, Field(min_length=1)], ...] = ()
    corporate_numbers: tuple[Annotated[str, AfterValidator(_corporate_number)], ...] = ()
    people: tuple[Annotated[str, Field(min_length=1)], ...] = ()
    terms: tuple[Annotated[str, Field(min_length=1)], ...] = ()

    @model_validator(mode="after")
    def _watches_something(self) -> WatchConfig:
        if not (self.companies or self.aliases or self.corporate_numbers or self.people or self.terms):
            raise ValueError(f"watch {self.name!r} lists nothing to watch (companies, aliases, corporate_numbers, people, terms)")
        return self


class DeliveryConfig(_Section):
    max_attempts: int = Field(10, ge=1, le=1000)
    backoff: Annotated[Seconds, within(0, DAY)] = 30.0
    max_backoff: Annotated[Seconds, within(0, 7 * DAY)] = 3600.0
    batch: int = Field(50, ge=1, le=10_000)
    claim_timeout: Annotated[Seconds, within(0, DAY)] = 120.0
    hold: Annotated[Seconds, within(0, DAY)] = 300.0


class WorkerConfig(_Section):
    """A `regwatch worker` of distributed mode (monitor.distributed)."""

    concurrency: int = Field(16, ge=1, le=500)
    heartbeat: Annotated[Seconds, within(0.1, 3600)] = 10.0
    stalled_after: Annotated[Seconds, within(1, DAY)] = 30.0

    @model_validator(mode="after")
    def _stall_outlasts_heartbeats(self) -> WorkerConfig:
        # A live worker that missed one heartbeat must not look dead: its jobs would run twice.
        if self.stalled_after < 2 * self.heartbeat:
            raise ValueError(
                f"stalled_after ({format_duration(self.stalled_after)}) must be at least twice heartbeat "
                f"({format_duration(self.heartbeat)})"
            )
        return self


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


class MetricsConfig(_Section):
    port: int = Field(9464, ge=0, le=65535)  # 0: no endpoint
    host: str = "127.0.0.1"
    worker_port: int = Field(9465, ge=0, le=65535)  # a `regwatch worker`'s own; 0: none


class DashboardConfig(_Section):
    """`regwatch serve`: the web dashboard, its JSON API and Atom feeds (dashboard/)."""

    host: str = "127.0.0.1"
    port: int = Field(8080, ge=1, le=65535)
    secure_cookies: bool = True
    session_ttl: Annotated[Seconds, within(60, 30 * DAY)] = 43200.0
    login_attempts: int = Field(5, ge=1, le=1000)
    login_window: Annotated[Seconds, within(1, DAY)] = 300.0
    page_size: int = Field(50, ge=1, le=500)
    trusted_header: str = ""
    forwarded_allow_ips: str = "127.0.0.1"
    with_run: bool = False


class StoreConfig(_Section):
    versions_per_item: int = Field(20, ge=1, le=1000)


class LoggingConfig(_Section):
    format: Literal["text", "json"] = "text"


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
WATCH_CATEGORY = "watch"  # an item that mentions a [[watch]] entry, whatever its other categories


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
        if name in (*BUILT_IN_CATEGORIES, WATCH_CATEGORY):
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
    preset: str | None = None  # a key of the catalog (monitor/presets.toml); the other keys override it
    id: Identifier
    name: str = ""
    kind: str
    url: Annotated[str, Field(pattern=r"^https?://")]
    detail: str | None = None
    include_links: RegexList = []
    exclude_links: RegexList = []
    interval: Annotated[Seconds, within(1, 30 * DAY)] = 900.0
    jitter: Annotated[Seconds, within(0, DAY)] = 60.0
    enabled: bool = True
    options: dict[str, Any] = {}

    @model_validator(mode="before")
    @classmethod
    def _from_preset(cls, entry: Any) -> Any:
        if not isinstance(entry, dict):
            return entry
        try:
            return expand(entry)
        except KeyError as exc:
            raise ValueError(exc.args[0]) from None

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
    attachments: AttachmentsConfig = AttachmentsConfig()
    delivery: DeliveryConfig = DeliveryConfig()
    slack: SlackConfig = SlackConfig()
    smtp: SmtpConfig = SmtpConfig()
    health: HealthConfig = HealthConfig()
    metrics: MetricsConfig = MetricsConfig()
    logging: LoggingConfig = LoggingConfig()
    dashboard: DashboardConfig = DashboardConfig()
    store: StoreConfig = StoreConfig()
    worker: WorkerConfig = WorkerConfig()
    channels: dict[Identifier, ChannelConfig] = {}
    routes: list[RouteConfig] = []
    sources: list[SourceConfig] = []
    categories: list[CategoryConfig] = []
    watch: list[WatchConfig] = []

    @property
    def category_names(self) -> list[str]:
        return [*BUILT_IN_CATEGORIES, *(category.name for category in self.categories)]

    @property
    def alert_channels(self) -> list[str]:
        """The channels alerts go to one by one (an email channel gets the digest instead)."""
        return [name for name, channel in self.channels.items() if channel.kind != "email"]

    @property
    def stop_grace(self) -> float:
        """Seconds a stopping process lets its running polls finish: two fetch timeouts (a detail
        page after the list), never more than a poll may take."""
        return min(self.fetch.timeout * 2 + 5, self.service.poll_deadline)

    @property
    def source_names(self) -> dict[str, str]:
        """Each source's name as people read it (its id where it has none)."""
        return {source.id: source.name or source.id for source in self.sources}

    @model_validator(mode="after")
    def _references_resolve(self) -> Config:
        _require_unique("sources", [source.id for source in self.sources])
        _require_unique("routes", [route.name for route in self.routes])
        _require_unique("categories", [category.name for category in self.categories])
        _require_unique("watch", [entry.name for entry in self.watch])
        source_ids = {source.id for source in self.sources}
        for index, route in enumerate(self.routes):
            for category in route.categories:
                known = [*self.category_names, WATCH_CATEGORY]
                if category != "*" and category not in known:
                    raise ValueError(f"routes[{index}] ({route.name}): unknown category {category!r}; known: {', '.join(known)}")
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
