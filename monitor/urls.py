"""Canonical URLs: the identity of an item.

The same press release is linked as http and https, with tracking parameters, with or without
a fragment. Its canonical form uses https, a lower-case host without the default port, the
remaining query parameters sorted, and no fragment. The URL actually fetched is kept apart.
"""

from __future__ import annotations

from functools import lru_cache
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit, urlunsplit

_NOISE_PARAMS = frozenset({"fbclid", "gclid", "yclid", "mc_cid", "mc_eid", "igshid", "_", "cx_ref", "ref_src"})
_NOISE_PREFIXES = ("utm_", "hmb_", "ga_")


def is_noise_param(name: str) -> bool:
    lowered = name.lower()
    return lowered in _NOISE_PARAMS or lowered.startswith(_NOISE_PREFIXES)


def canonical_url(url: str, base: str | None = None) -> str:
    """Resolve ``url`` against ``base`` and reduce it to its canonical form."""
    return _canonical(urljoin(base, url.strip()) if base else url.strip())


@lru_cache(maxsize=1 << 16)
def _canonical(absolute: str) -> str:
    # Cached: a list page repeats the same links on every poll.
    parts = urlsplit(absolute)
    scheme = parts.scheme.lower()
    if scheme == "http":
        scheme = "https"
    netloc = parts.netloc.lower()
    if netloc.endswith((":80", ":443")):
        netloc = netloc.rsplit(":", 1)[0]
    query = parts.query
    if query:
        query = urlencode(sorted((k, v) for k, v in parse_qsl(query, keep_blank_values=True) if not is_noise_param(k)))
    return urlunsplit((scheme, netloc, parts.path or "/", query, ""))


def absolute_url(url: str, base: str) -> str:
    """Resolve a relative or protocol-relative link; keeps scheme and query as written."""
    url = url.strip()
    if url.startswith(("http://", "https://")):
        return url
    if url.startswith("/") and not url.startswith("//") and "/." not in url:
        return origin_of(base) + url  # the common root-relative link, without urljoin's cost
    return urljoin(base, url)


@lru_cache(maxsize=1024)
def origin_of(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"
