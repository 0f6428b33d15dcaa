"""The operator's proxies, from the environment: ``HTTPS_PROXY``, ``HTTP_PROXY``, ``ALL_PROXY`` and
``NO_PROXY`` (lower-case names too), as on any corporate network where sources are reached only
through a proxy. Pure: the fetcher builds its connection pools from these settings.
"""

from __future__ import annotations

import urllib.request
from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import unquote, urlsplit


@dataclass(frozen=True)
class ProxySettings:
    """The proxies of the environment, by URL scheme, and the hosts that bypass them."""

    by_scheme: Mapping[str, str]
    environment: Mapping[str, str]

    @classmethod
    def from_environment(cls, environ: Mapping[str, str]) -> ProxySettings:
        proxies = _environment_proxies(environ)
        by_scheme = {scheme: proxies.get(scheme) or proxies.get("all", "") for scheme in ("http", "https")}
        for scheme, url in by_scheme.items():
            if url and not url.lower().startswith(("http://", "https://")):
                shown = url.split("://", 1)[0] + "://…" if "://" in url else "a value without a scheme"
                raise ValueError(f"the {scheme} proxy is {shown}: only http:// and https:// proxies are supported")
        return cls({scheme: url for scheme, url in by_scheme.items() if url}, proxies)

    def for_url(self, scheme: str, host: str) -> str | None:
        """The proxy for a URL of ``scheme`` on ``host``, or None to connect directly."""
        proxy = self.by_scheme.get(scheme)
        if proxy is None or urllib.request.proxy_bypass_environment(host, dict(self.environment)):
            return None
        return proxy


def _environment_proxies(environ: Mapping[str, str]) -> dict[str, str]:
    """Like urllib's getproxies_environment, but from the mapping given (lower-case names win)."""
    proxies: dict[str, str] = {}
    for name, value in environ.items():
        lowered = name.lower()
        if value and lowered.endswith("_proxy") and (name == lowered or lowered[:-6] not in proxies):
            proxies[lowered[:-6]] = value
    return proxies


@dataclass(frozen=True)
class Proxy:
    scheme: str
    host: str
    port: int
    auth: tuple[str, str] | None

    @classmethod
    def parse(cls, url: str) -> Proxy:
        parts = urlsplit(url)
        port = parts.port or (443 if parts.scheme == "https" else 80)
        auth = (unquote(parts.username or ""), unquote(parts.password or "")) if parts.username else None
        return cls(parts.scheme, (parts.hostname or "").lower(), port, auth)
