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
from collections.abc import Mapping
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from monitor.errors import ChannelConfigError
from monitor.guard import AddressPolicy
from monitor.proxies import ProxySettings


@dataclass(frozen=True)
class Egress:
    policy: AddressPolicy
    proxies: ProxySettings
    # Destinations come from the config and do not change: each is checked once per process.
    _checked: dict[str, str | None] = field(default_factory=dict, compare=False, repr=False)

    @classmethod
    def from_allow(cls, allow: list[str], environ: Mapping[str, str] | None = None) -> Egress:
        return cls(AddressPolicy.from_entries(allow), ProxySettings.from_environment(os.environ if environ is None else environ))

    def proxy_for(self, url: str) -> str | None:
        """The proxy to reach ``url`` through, or None to connect directly (NO_PROXY included)."""
        parts = urlsplit(url)
        return self.proxies.for_url(parts.scheme, parts.hostname or "")

    def require(self, url: str, channel: str) -> None:
        """Raise ChannelConfigError (the channel is held until an operator acts) when ``url`` is refused."""
        if url not in self._checked:
            self._checked[url] = self.refusal(url)
        if self._checked[url]:
            raise ChannelConfigError(f"{channel}: {url}: {self._checked[url]}")

    def refusal(self, url: str) -> str | None:
        """Why ``url`` may not be reached, or None. A name that does not resolve here is left to the
        connection (or to the proxy, whose own rules then apply)."""
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https"):
            return f"scheme {parts.scheme!r} refused: only http and https are used"
        host = parts.hostname or ""
        if self.policy.host_allowed(host):
            return None
        try:
            answers = socket.getaddrinfo(host, parts.port or 443, type=socket.SOCK_STREAM)
        except (socket.gaierror, UnicodeError, ValueError):
            return None
        for *_, sockaddr in answers:
            reason = self.policy.refusal(host, ipaddress.ip_address(str(sockaddr[0]).split("%", 1)[0]))
            if reason:
                return f"refused by the address guard: {reason}"
        return None
