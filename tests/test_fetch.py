import asyncio
import time
from datetime import timedelta

import pytest

from monitor import __version__
from monitor.config import FetchConfig
from monitor.errors import BodyTooLargeError, HTTPStatusError, RobotsDeniedError, TransportError
from monitor.fetch import BodyLimit, Fetcher
from monitor.jpdates import utcnow
from monitor.store import Store
from monitor.store.robots import StoredRobots, keep_robots
from tests.conftest import LocalSite
from tests.servers import start

# The local test site is on loopback, which the address guard refuses unless allowed.
LOOPBACK = {"allow": ["127.0.0.1"]}
FAST = {"min_host_interval": 0, "timeout": 5, **LOOPBACK}


def fetch(config: FetchConfig, *urls_and_kwargs):
    async def run():
        fetcher = Fetcher(config)
        try:
            return [await fetcher.get(url, **kwargs) for url, kwargs in urls_and_kwargs]
        finally:
            await fetcher.aclose()

    return asyncio.run(run())


def test_conditional_get_returns_not_modified_with_the_stored_etag(site):
    url = site.write("/feed.xml", "<rss/>")
    (first,) = fetch(FetchConfig(**FAST), (url, {}))
    assert first.status == 200 and first.etag and first.content == b"<rss/>"
    (second,) = fetch(FetchConfig(**FAST), (url, {"etag": first.etag, "last_modified": first.last_modified}))
    assert second.not_modified and second.content == b""
    assert [r["status"] for r in site.requests() if r["path"] == "/feed.xml"] == [200, 304]


def test_user_agent_names_regwatch_and_its_version(site):
    url = site.write("/a.html", "<p>x</p>")
    fetch(FetchConfig(**FAST, contact="mailto:ops@example.jp"), (url, {}))
    agents = {r["user_agent"] for r in site.requests()}
    assert agents == {f"regwatch/{__version__} (+mailto:ops@example.jp)"}


def test_robots_txt_is_respected_and_read_once_per_host(site):
    site.write("/robots.txt", "User-agent: regwatch\nDisallow: /private/\n\nUser-agent: *\nDisallow: /\n")
    allowed = site.write("/public/a.html", "ok")
    denied = site.write("/private/b.html", "secret")

    async def run():
        fetcher = Fetcher(FetchConfig(**FAST))
        try:
            await fetcher.get(allowed)
            await fetcher.get(allowed)
            with pytest.raises(RobotsDeniedError, match="disallowed by .*/robots.txt"):
                await fetcher.get(denied)
        finally:
            await fetcher.aclose()

    asyncio.run(run())
    paths = [r["path"] for r in site.requests()]
    assert paths.count("/robots.txt") == 1 and "/private/b.html" not in paths


def robots_paths(site) -> list[str]:
    return [r["path"] for r in site.requests() if r["path"] == "/robots.txt"]


def in_next_process(store: Store, use, memory: StoredRobots | None = None, **config: object):
    """``use(fetcher)`` with a fresh fetcher (nothing cached in memory) over ``store``'s robots memory."""

    async def run():
        fetcher = Fetcher(FetchConfig(**{**FAST, **config}), robots_memory=memory or StoredRobots(store))
        try:
            return await use(fetcher)
        finally:
            await fetcher.aclose()

    return asyncio.run(run())


def test_robots_txt_is_kept_in_the_database_for_the_next_process_as_long_as_its_robots_ttl_allows(site, database_url):
    site.write("/robots.txt", "User-agent: *\nDisallow: /private/\n")
    allowed = site.write("/a.html", "ok")
    denied = site.write("/private/b.html", "secret")
    store = Store(database_url)
    store.upgrade()

    def next_process(*, recall_first: bool, robots_ttl: float = 3600) -> None:
        async def use(fetcher):
            if recall_first:  # as a poll does for the sources it claimed: one read for their origins
                await fetcher.recall_robots([allowed, denied])
            await fetcher.get(allowed)
            with pytest.raises(RobotsDeniedError, match="disallowed by .*/robots.txt"):
                await fetcher.get(denied)

        in_next_process(store, use, robots_ttl=robots_ttl)

    try:
        next_process(recall_first=True)  # nothing kept yet: the host is asked
        next_process(recall_first=True)  # its rules come from the database
        next_process(recall_first=False)  # read there by the first request itself
        assert robots_paths(site) == ["/robots.txt"]
        time.sleep(0.3)
        next_process(recall_first=True, robots_ttl=0.2)  # older than this config trusts: asked again
        assert robots_paths(site) == ["/robots.txt"] * 2
        assert "/private/b.html" not in [r["path"] for r in site.requests()]
    finally:
        store.dispose()


class CountedRobots(StoredRobots):
    """The database's robots memory, with the origins each read of it asked for."""

    def __init__(self, store: Store) -> None:
        super().__init__(store)
        self.recalls: list[list[str]] = []

    async def recall(self, origins, max_age):  # type: ignore[no-untyped-def]
        self.recalls.append(sorted(origins))
        return await super().recall(origins, max_age)


def test_the_kept_robots_txt_of_a_polls_origins_is_read_in_one_call(site, tmp_path, database_url):
    (tmp_path / "other").mkdir()
    other = LocalSite(tmp_path / "other", start("tests.servers.site", "--root", str(tmp_path / "other")))
    urls = [site.write("/a.html", "ok"), other.write("/b.html", "ok")]
    store = Store(database_url)
    store.upgrade()

    async def poll(fetcher):
        await fetcher.recall_robots(urls)
        return [(await fetcher.get(url)).content for url in urls]

    try:
        for _ in range(2):  # nothing kept, then both kept: one read each time, not one per origin
            memory = CountedRobots(store)
            assert in_next_process(store, poll, memory=memory) == [b"ok", b"ok"]
            assert memory.recalls == [sorted({site.url, other.url})]
        assert robots_paths(site) == robots_paths(other) == ["/robots.txt"]
    finally:
        other.server.stop()
        store.dispose()


def test_a_kept_robots_txt_is_trusted_only_for_what_is_left_of_robots_ttl(site, database_url):
    site.write("/robots.txt", "User-agent: *\nDisallow: /private/\n")
    url = site.write("/a.html", "ok")
    store = Store(database_url)
    store.upgrade()
    with store.begin() as connection:  # read 0.7 s ago by another process
        keep_robots(connection, site.url, "User-agent: *\nDisallow: /private/\n", utcnow() - timedelta(seconds=0.7))

    async def twice(fetcher):
        await fetcher.get(url)
        assert robots_paths(site) == []  # the kept one, for the 0.3 s robots_ttl leaves it
        await asyncio.sleep(0.5)
        await fetcher.get(url)

    try:
        in_next_process(store, twice, robots_ttl=1.0)
        assert robots_paths(site) == ["/robots.txt"]
    finally:
        store.dispose()


def test_a_robots_txt_the_host_could_not_serve_is_not_kept(site, database_url):
    site.respond("/robots.txt", 503)
    url = site.write("/a.html", "ok")
    store = Store(database_url)
    store.upgrade()
    try:
        with pytest.raises(RobotsDeniedError, match="HTTP 503; will retry"):
            in_next_process(store, lambda fetcher: fetcher.get(url))
        site.respond("/robots.txt", None)  # served again (a 404: no rules)
        assert in_next_process(store, lambda fetcher: fetcher.get(url)).content == b"ok"
        assert robots_paths(site) == ["/robots.txt"] * 2
    finally:
        store.dispose()


def test_a_database_that_cannot_keep_robots_txt_only_costs_a_request_for_it(site, tmp_path):
    url = site.write("/a.html", "ok")
    store = Store(f"sqlite:///{tmp_path / 'not-migrated.db'}")  # no robots_txt table: every read and write fails
    try:
        assert in_next_process(store, lambda fetcher: fetcher.get(url)).content == b"ok"
        assert in_next_process(store, lambda fetcher: fetcher.get(url)).content == b"ok"
        assert robots_paths(site) == ["/robots.txt"] * 2
    finally:
        store.dispose()


def test_unavailable_robots_txt_means_try_later(site):
    site.respond("/robots.txt", 503)
    url = site.write("/a.html", "ok")
    with pytest.raises(RobotsDeniedError, match="HTTP 503; will retry"):
        fetch(FetchConfig(**FAST), (url, {}))


def test_error_status_carries_retry_after(site):
    site.respond("/busy.html", 429, {"Retry-After": "120"})
    with pytest.raises(HTTPStatusError) as error:
        fetch(FetchConfig(**FAST), (site.url + "/busy.html", {}))
    assert error.value.status == 429 and error.value.retry_after == 120


def test_body_size_is_capped_after_decompression(site):
    url = site.write("/big.html", b"x" * 50_000)  # gzip-compressed to well under the cap on the wire
    with pytest.raises(BodyTooLargeError, match="exceeds fetch.max_body_bytes = 1024"):
        fetch(FetchConfig(**FAST, max_body_bytes=1024), (url, {}))
    assert site.requests()[-1]["status"] == 200


def test_a_body_over_a_callers_limit_names_the_key_that_set_it(site):
    url = site.write("/annex.pdf", b"%PDF" + bytes(4_000))
    config = FetchConfig(**FAST, max_body_bytes=2_000)
    with pytest.raises(BodyTooLargeError, match="exceeds attachments.max_bytes = 1000"):
        fetch(config, (url, {"limit": BodyLimit(1_000, "attachments.max_bytes")}))
    with pytest.raises(BodyTooLargeError, match="exceeds fetch.max_body_bytes = 2000"):  # the lower of the two applies
        fetch(config, (url, {"limit": BodyLimit(3_000, "attachments.max_bytes")}))


def test_unreachable_host_is_a_transport_error():
    with pytest.raises(TransportError):
        fetch(FetchConfig(**FAST, respect_robots_txt=False), ("http://127.0.0.1:9/nothing", {}))


def test_requests_to_one_host_are_spaced(site):
    urls = [site.write(f"/p{i}.html", "x") for i in range(3)]

    async def run():
        fetcher = Fetcher(FetchConfig(timeout=5, min_host_interval=0.3, respect_robots_txt=False, **LOOPBACK))
        try:
            started = time.monotonic()
            await asyncio.gather(*(fetcher.get(url) for url in urls))
            return time.monotonic() - started
        finally:
            await fetcher.aclose()

    assert asyncio.run(run()) >= 0.6


def test_redirects_are_followed_and_robots_checked_on_every_hop(site):
    site.write("/robots.txt", "User-agent: *\nDisallow: /blocked/\n")
    site.respond("/old.html", 301, {"Location": "/new.html"})
    site.respond("/to-blocked.html", 302, {"Location": "/blocked/x.html"})
    new = site.write("/new.html", "moved here")
    site.write("/blocked/x.html", "secret")
    (page,) = fetch(FetchConfig(**FAST), (site.url + "/old.html", {}))
    assert (page.url, page.final_url, page.content) == (site.url + "/old.html", new, b"moved here")
    with pytest.raises(RobotsDeniedError):
        fetch(FetchConfig(**FAST), (site.url + "/to-blocked.html", {}))


def test_compressed_bodies_arrive_decompressed(site):
    text = ("総務省は、本日、北陸通信サービス株式会社に対し行政指導を行いました。" * 60).encode("cp932")
    url = site.write("/release.html", text)
    (page,) = fetch(FetchConfig(**FAST), (url, {}))
    assert page.content == text


@pytest.fixture
def tls_site(tmp_path, loopback_certificate):
    cert, key = loopback_certificate
    root = tmp_path / "tls-site"
    root.mkdir()
    server = start("tests.servers.site", "--root", str(root), "--cert", str(cert), "--key", str(key))
    yield root, f"https://127.0.0.1:{server.port}"
    server.stop()


def test_https_is_verified_conditional_and_streams_large_bodies_whole(tls_site, loopback_certificate, monkeypatch):
    root, origin = tls_site
    body = bytes(range(256)) * 4096  # 1 MiB: more than a read buffers before it pauses the connection
    (root / "big.bin").write_bytes(body)
    with pytest.raises(TransportError, match="CERTIFICATE_VERIFY_FAILED"):
        fetch(FetchConfig(**FAST), (f"{origin}/big.bin", {}))
    monkeypatch.setenv("SSL_CERT_FILE", str(loopback_certificate[0]))  # a private CA, trusted
    first, second = fetch(FetchConfig(**FAST), (f"{origin}/big.bin", {}), (f"{origin}/big.bin", {"etag": "stale"}))
    assert first.status == 200 and first.content == body and second.content == body
    (again,) = fetch(FetchConfig(**FAST), (f"{origin}/big.bin", {"etag": first.etag}))
    assert again.not_modified and again.content == b""
