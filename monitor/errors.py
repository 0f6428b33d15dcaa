"""The one exception tree of regwatch.

    RegwatchError
    ├── ConfigError            a config file or environment value is invalid (names key and file)
    │   └── PatternTimeoutError  a configured regular expression exceeded its time budget on some text
    ├── FetchError             a page could not be fetched; carries the URL
    │   ├── HTTPStatusError    the server answered with an error status
    │   ├── BodyTooLargeError  the body exceeded fetch.max_body_bytes
    │   ├── RobotsDeniedError  robots.txt disallows the URL for our User-Agent
    │   ├── RefusedURLError    the scheme or the address is refused (address guard), or the URL is
    │   │                      invalid: nothing was sent, and retrying cannot help
    │   ├── BadResponseError   the answer is unusable: an unsupported or stacked Content-Encoding,
    │   │                      a corrupt compressed body, a redirect loop
    │   └── TransportError     connection, name resolution, timeout or protocol failure
    ├── DecodeError            bytes could not be decoded in any candidate charset
    ├── ParseError             a page did not have the structure its scraper expects
    ├── AttachmentError        an attachment's text could not be read within its bounds (size,
    │                          time, memory), or the file is not what its name says
    ├── StoreError             the database refused an operation
    └── DeliveryError          a channel did not accept an alert
        └── ChannelConfigError the channel itself is misconfigured (bad token, unknown channel);
                               retrying cannot help until an operator acts

Lower-level errors are wrapped with ``raise ... from exc`` at the edge that meets them,
so callers catch one family.
"""

from __future__ import annotations


class RegwatchError(Exception):
    """Base of every error regwatch raises on purpose."""


class ConfigError(RegwatchError):
    pass


class PatternTimeoutError(ConfigError):
    pass


class FetchError(RegwatchError):
    def __init__(self, url: str, message: str) -> None:
        super().__init__(f"{url}: {message}")
        self.url = url
        self.reason = message


class HTTPStatusError(FetchError):
    def __init__(self, url: str, status: int, retry_after: float | None = None) -> None:
        super().__init__(url, f"HTTP {status}")
        self.status = status
        self.retry_after = retry_after


class BodyTooLargeError(FetchError):
    pass


class RobotsDeniedError(FetchError):
    pass


class RefusedURLError(FetchError):
    pass


class BadResponseError(FetchError):
    pass


class TransportError(FetchError):
    pass


class DecodeError(RegwatchError):
    pass


class ParseError(RegwatchError):
    pass


class AttachmentError(RegwatchError):
    pass


class StoreError(RegwatchError):
    """``unavailable``: the database could not be reached or used at all (a connection refused, a
    lock held too long), as opposed to refusing this statement's data."""

    def __init__(self, message: str, *, unavailable: bool = False) -> None:
        super().__init__(message)
        self.unavailable = unavailable


class DeliveryError(RegwatchError):
    def __init__(self, message: str, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class ChannelConfigError(DeliveryError):
    pass
