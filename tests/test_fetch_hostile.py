"""The fetcher against hostile answers and addresses (tests/servers/hostile.py, on loopback).

Each case asserts what a user relies on: the fetch ends with a clear error of the documented
kind, nothing is sent where the address guard forbids, and memory stays bounded.
"""

from __future__ import annotations

import asyncio
import time
import tracemalloc
from collections.abc import Iterator

import pytest

from monitor.config import FetchConfig
from monitor.errors import BadResponseError, BodyTooLargeError, FetchError, HTTPStatusError, RefusedURLError, TransportError
from monitor.fetch import Fetcher
from monitor.proxies import ProxySettings
from tests.servers import RunningServer, start

CAP = 1024 * 1024
# Only the first loopback address is allowed: the hostile server also listens on 127.0.0.2, and
# a request reaching it there would show the guard failed.
CONFIG = FetchConfig(min_host_interval=0, timeout=3, max_body_bytes=CAP, allow=["127.0.0.1"], respect_robots_txt=False)


@pytest.fixture(scope="module")
def hostile() -> Iterator[RunningServer]:
    server = start("tests.servers.hostile", "--host", "127.0.0.1", "--host", "127.0.0.2")
    yield server
    server.stop()


@pytest.fixture
def connections(hostile: RunningServer):
    hostile.control("DELETE", "/__connections__")
    return lambda: hostile.control("GET", "/__connections__")


def fetch(url: str, config: FetchConfig = CONFIG, proxies: ProxySettings | None = None):
    async def run():
        fetcher = Fetcher(config, proxies=proxies)
        try:
            return await fetcher.get(url)
        finally:
            await fetcher.aclose()

    return asyncio.run(run())


@pytest.mark.parametrize(
    ("target", "reason"),
    [
        ("http://127.0.0.2:{port}/secret", "127.0.0.2 is a loopback address"),
        ("http://169.254.169.254/latest/meta-data/", "169.254.169.254 is a link-local address"),
        ("http://10.255.255.1/admin", "10.255.255.1 is a private address"),
        ("http://100.64.0.1/", "a shared (CGNAT) address"),
        ("http://[::1]:{port}/secret", "::1 is a loopback address"),
        ("http://[::ffff:169.254.169.254]/", "a link-local address"),
        ("http://[fd00:ec2::254]/", "a unique-local (private) address"),
        ("http://2852039166/", "resolves to 169.254.169.254, which is a link-local address"),  # decimal spelling
        ("http://0x7f.2:{port}/secret", "resolves to 127.0.0.2"),  # hexadecimal spelling
        ("http://0251.0376.0251.0376/", "invalid URL"),  # octal spelling: not even a valid URL
        ("http://224.0.0.1/", "a multicast address"),
    ],
)
def test_a_redirect_to_a_refused_address_is_refused_before_any_connection(hostile, connections, target, reason):
    location = target.format(port=hostile.port)
    started = time.monotonic()
    with pytest.raises(RefusedURLError) as refused:
        fetch(f"{hostile.url}/redirect?to={location}")
    assert reason in str(refused.value)
    assert time.monotonic() - started < 2  # refused at once, not after a connection attempt timed out
    assert [line for line in connections() if line.startswith("GET /secret")] == []
    assert len(connections()) == 1  # the redirect itself, nothing after it


def test_the_source_itself_on_a_refused_address_is_refused_with_how_to_allow_it(hostile, connections):
    with pytest.raises(RefusedURLError, match=r"127\.0\.0\.2 is a loopback address; .*\[fetch\] allow"):
        fetch(f"http://127.0.0.2:{hostile.port}/page")
    assert connections() == []


def test_localhost_is_refused_unless_allowed(hostile, connections):
    nothing_allowed = CONFIG.model_copy(update={"allow": []})
    with pytest.raises(RefusedURLError, match=r"localhost resolves to (127\.0\.0\.1|::1), which is a loopback address"):
        fetch(f"http://localhost:{hostile.port}/page", nothing_allowed)
    assert connections() == []


def test_an_allowed_host_name_may_resolve_to_loopback(hostile):
    page = fetch(f"http://localhost:{hostile.port}/page", CONFIG.model_copy(update={"allow": ["localhost"]}))
    assert "普通のページ" in page.text


@pytest.mark.parametrize(
    "location", ["file:///etc/passwd", "gopher://127.0.0.1:70/1", "ftp://127.0.0.1/x", "javascript:alert(1)"]
)
def test_other_schemes_are_refused(hostile, location):
    with pytest.raises(RefusedURLError, match="only http and https are fetched"):
        fetch(f"{hostile.url}/redirect?to={location}")


def test_redirect_loops_and_long_chains_end_with_a_clear_error(hostile):
    with pytest.raises(BadResponseError, match="redirect loop"):
        fetch(f"{hostile.url}/loop/a")
    with pytest.raises(BadResponseError, match="more than 5 redirects"):
        fetch(f"{hostile.url}/chain/6")
    assert "普通のページ" in fetch(f"{hostile.url}/chain/5").text


def _peak_memory(call) -> int:
    tracemalloc.start()
    try:
        call()
    finally:
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
    return peak


@pytest.mark.parametrize(
    ("path", "error", "message"),
    [
        ("/bomb/gzip-gzip", BadResponseError, "stacks 2 layers"),
        ("/bomb/gzip", BodyTooLargeError, "counted after decompression"),
        ("/bomb/br", BodyTooLargeError, "counted after decompression"),
        ("/big/declared", BodyTooLargeError, "body of 52428803 bytes exceeds"),
        ("/big/chunked", BodyTooLargeError, "exceeds fetch.max_body_bytes"),
        ("/endless", BodyTooLargeError, "exceeds fetch.max_body_bytes"),
    ],
)
def test_bombs_and_oversized_bodies_stop_at_the_cap_with_bounded_memory(hostile, path, error, message):
    def call():
        with pytest.raises(error, match=message):
            fetch(hostile.url + path)

    assert _peak_memory(call) < 4 * CAP


@pytest.mark.parametrize("path", ["/slow/headers", "/slow/body", "/hang"])
def test_slow_loris_and_hanging_answers_end_at_the_timeout(hostile, path):
    started = time.monotonic()
    with pytest.raises(TransportError, match="no complete answer within 3s"):
        fetch(hostile.url + path)
    assert time.monotonic() - started < 5


def test_a_host_that_does_not_resolve_says_so_not_robots_txt():
    with pytest.raises(TransportError, match=r"cannot resolve host no-such-host\.invalid") as failed:
        fetch("http://no-such-host.invalid/page", CONFIG.model_copy(update={"respect_robots_txt": True}))
    assert "robots" not in str(failed.value)


def test_a_refused_connection_is_a_transport_error(hostile):
    with pytest.raises(TransportError, match="127.0.0.1:9|Connect|refused"):
        fetch("http://127.0.0.1:9/page")


def test_fetches_go_through_the_environment_proxy_and_the_guard_still_applies(hostile, connections, proxy):
    proxies = ProxySettings.from_environment({"HTTP_PROXY": proxy.url})
    page = fetch(f"{hostile.url}/page", proxies=proxies)
    assert "普通のページ" in page.text
    assert proxy.control("GET", "/__requests__") == [f"{hostile.url}/page"]
    # The proxy is trusted (the operator chose it), not what it is asked to reach.
    with pytest.raises(RefusedURLError, match="169.254.169.254 is a link-local address"):
        fetch("http://169.254.169.254/latest/meta-data/", proxies=proxies)
    with pytest.raises(RefusedURLError, match="127.0.0.2 is a loopback address"):
        fetch(f"{hostile.url}/redirect?to=http://127.0.0.2:{hostile.port}/secret", proxies=proxies)
    assert len(proxy.control("GET", "/__requests__")) == 2  # the page and the redirect; nothing refused reached it
    assert [line for line in connections() if line.startswith("GET /secret")] == []


def test_no_proxy_hosts_are_fetched_directly(hostile, proxy):
    proxies = ProxySettings.from_environment({"HTTP_PROXY": proxy.url, "NO_PROXY": "127.0.0.1"})
    assert "普通のページ" in fetch(f"{hostile.url}/page", proxies=proxies).text
    assert proxy.control("GET", "/__requests__") == []


@pytest.mark.parametrize(
    "environment",
    [
        {"HTTPS_PROXY": "{proxy}"},  # an http:// URL goes direct
        {"HTTP_PROXY": "{proxy}", "NO_PROXY": "127.0.0.1,localhost"},  # the usual local proxy set-up
    ],
)
def test_the_proxys_own_address_is_not_reachable_directly(proxy, environment):
    proxies = ProxySettings.from_environment({name: value.format(proxy=proxy.url) for name, value in environment.items()})
    nothing_allowed = CONFIG.model_copy(update={"allow": []})
    with pytest.raises(RefusedURLError, match="127.0.0.1 is a loopback address"):
        fetch(f"{proxy.url}/__requests__", nothing_allowed, proxies=proxies)


@pytest.mark.parametrize(
    ("url", "error", "message"),
    [
        ("{hostile}/weird-retry-after", HTTPStatusError, "HTTP 503"),
        ("{hostile}/redirect?to=//[bad/x", BadResponseError, "redirect to an invalid location"),
        ("http://127.0.0.1:99999/", RefusedURLError, "port 99999"),
        ("http://" + "a" * 70 + ".example/", FetchError, "a{70}"),
        ("http://a..example.com/", FetchError, r"a\.\.example"),
    ],
)
def test_odd_answers_and_links_end_in_fetch_errors(hostile, url, error, message):
    with pytest.raises(error, match=message):
        fetch(url.format(hostile=hostile.url))


def test_a_socks_or_schemeless_proxy_is_a_clear_error_that_hides_credentials():
    with pytest.raises(ValueError, match=r"the https proxy is socks5://…: only http:// and https:// proxies") as refused:
        ProxySettings.from_environment({"HTTPS_PROXY": "socks5://user:secret@proxy.corp:1080"})
    assert "secret" not in str(refused.value)
