"""Where alerts may go: the channels' destinations (Slack's API, webhooks) pass the same address
guard as sources, and reach them through the environment's proxies (``HTTPS_PROXY``, ``NO_PROXY``),
as on a corporate network.

The destination is checked before the first request rather than at the connection, as sources are:
it is the operator's configuration, not a scraped link, so the check is about a typo or a hostile
config reaching the metadata service, not a page steering the fetcher.
"""

from __future__ import annotations

import ipaddress
import os
import socket
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from monitor.errors import ChannelConfigError
from monitor.guard import AddressPolicy, IPAddress
from monitor.proxies import ProxySettings


def addresses_here(host: str, port: int) -> list[IPAddress]:
    """Every address ``host`` resolves to from this machine; OSError or ValueError when it does not."""
    answers = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return [ipaddress.ip_address(str(sockaddr[0]).split("%", 1)[0]) for *_, sockaddr in answers]


@dataclass(frozen=True)
class Egress:
    policy: AddressPolicy
    proxies: ProxySettings
    resolve: Callable[[str, int], list[IPAddress]] = field(default=addresses_here, compare=False, repr=False)
    # Destinations come from the config and do not change: each is checked once per process, once
    # its name resolved (one that did not may resolve later, to anywhere).
    _checked: dict[str, str | None] = field(default_factory=dict, compare=False, repr=False)

    @classmethod
    def from_allow(cls, allow: list[str], environ: Mapping[str, str] | None = None) -> Egress:
        return cls(AddressPolicy.from_entries(allow), ProxySettings.from_environment(os.environ if environ is None else environ))

    def proxy_for(self, url: str) -> str | None:
        """The proxy to reach ``url`` through, or None to connect directly (NO_PROXY included)."""
        parts = urlsplit(url)
        return self.proxies.for_url(parts.scheme, parts.hostname or "")

    def require(self, url: str, channel: str) -> None:
        """Raise ChannelConfigError (the channel is held until an operator acts) when ``url`` is refused.
        A name that does not resolve here is left to the connection (or to the proxy, whose own
        rules then apply), and checked again next time."""
        if url in self._checked:
            reason = self._checked[url]
        else:
            reason, settled = self._judge(url)
            if settled:
                self._checked[url] = reason
        if reason:
            raise ChannelConfigError(f"{channel}: {url}: {reason}")

    def _judge(self, url: str) -> tuple[str | None, bool]:
        """Why ``url`` may not be reached (or None), and whether that answer holds for good: not
        when its name did not resolve."""
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https"):
            return f"scheme {parts.scheme!r} refused: only http and https are used", True
        host = parts.hostname or ""
        if self.policy.host_allowed(host):
            return None, True
        try:
            addresses = self.resolve(host, parts.port or 443)
        except (OSError, UnicodeError, ValueError):
            return None, False
        reason = next((reason for address in addresses if (reason := self.policy.refusal(host, address))), None)
        return (f"refused by the address guard: {reason}" if reason else None), True
