"""Settings: built-in defaults (defaults.toml), one TOML file of the user's, and the environment.

Validated once at start and frozen. Errors name the file and the key, unknown keys are
rejected, and secrets are read only from the environment.

- ``values``: durations and their bounds, identifiers, pattern lists
- ``schema``: one model per section of the file
- ``loading``: defaults, the user's file and the environment into ``Settings``
"""

from monitor.config.loading import Settings, database_url, load_settings
from monitor.config.schema import (
    BUILT_IN_CATEGORIES,
    WATCH_CATEGORY,
    AttachmentsConfig,
    CategoryConfig,
    ChannelConfig,
    Config,
    DeliveryConfig,
    FetchConfig,
    HealthConfig,
    LoggingConfig,
    MetricsConfig,
    RouteConfig,
    ServiceConfig,
    SlackConfig,
    SmtpConfig,
    SourceConfig,
    WatchConfig,
)
from monitor.config.values import format_duration, parse_duration, within

__all__ = [
    "BUILT_IN_CATEGORIES", "WATCH_CATEGORY", "AttachmentsConfig", "WatchConfig", "CategoryConfig", "ChannelConfig", "Config", "DeliveryConfig", "FetchConfig", "HealthConfig",
    "LoggingConfig", "MetricsConfig", "RouteConfig", "ServiceConfig", "Settings", "SlackConfig", "SmtpConfig", "SourceConfig", "database_url",
    "format_duration", "load_settings", "parse_duration", "within",
]  # fmt: skip
