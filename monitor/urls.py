"""Canonical URLs: the identity of an item.

The same press release is linked as http and https, with tracking parameters, with or without
a fragment. Its canonical form uses https, a lower-case host without the default port, the
remaining query parameters sorted, and no fragment. The URL actually fetched is kept apart.
"""

from __future__ import annotations

import re
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


# A URL with no query, fragment, user or blank, of ASCII letters, digits and the path's plain
# punctuation: what urlsplit would find in it is plain to see, and its canonical form is made
# without it (a fifth of the cost, for the links a list shows for the first time).
_PLAIN_URL = re.compile(r"https?://([a-z0-9.-]+(?::[0-9]+)?)(/[\w.~!$&'()*+,;=:@%/-]*)?", re.IGNORECASE | re.ASCII)


@lru_cache(maxsize=1 << 16)
def _canonical(absolute: str) -> str:
    # Cached: a list page repeats the same links on every poll.
    if plain := _PLAIN_URL.fullmatch(absolute):
        netloc, path = plain.groups()
        return f"https://{_without_default_port(netloc.lower())}{path or '/'}"
    return _canonical_by_parts(absolute)


def _canonical_by_parts(absolute: str) -> str:
    """The canonical form as urlsplit reads the URL: any URL's, and what the plain URLs' shortcut must give."""
    parts = urlsplit(absolute)
    scheme = parts.scheme.lower()
    if scheme == "http":
        scheme = "https"
    netloc = _without_default_port(parts.netloc.lower())
    query = parts.query
    if query:
        query = urlencode(sorted((k, v) for k, v in parse_qsl(query, keep_blank_values=True) if not is_noise_param(k)))
    return urlunsplit((scheme, netloc, parts.path or "/", query, ""))


def _without_default_port(netloc: str) -> str:
    return netloc.rsplit(":", 1)[0] if netloc.endswith((":80", ":443")) else netloc


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
