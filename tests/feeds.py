"""Many small RSS feeds on the local site (tests/servers/site.py), for the distributed-mode test
and bench/scale.py: each feed is a source; an item added to a feed is a new item to alert."""

from __future__ import annotations

import re
from xml.sax.saxutils import escape

from tests.conftest import LocalSite

FEED_PATH = "/feeds/{feed}.xml"
_FEED_PATH = re.compile(re.escape(FEED_PATH).replace(re.escape("{feed}"), r"(\d+)"))


def feed_of(path: str) -> int | None:
    """The feed a request path asks for (a poll of that feed's source), or None."""
    found = _FEED_PATH.fullmatch(path)
    return int(found[1]) if found else None


def item_title(feed: int, number: int) -> str:
    """A title the built-in classifier files under guidance_notice, unique per feed and item."""
    return f"東都モバイル株式会社に対する行政指導について（第{feed}-{number}号）"


class LoopbackFeeds:
    def __init__(self, site: LocalSite, count: int, hosts: list[str] | None = None) -> None:
        self.site = site
        self.count = count
        port = site.server.port
        self.hosts = hosts or ["127.0.0.1"]
        self.bases = [f"http://{self.hosts[feed % len(self.hosts)]}:{port}" for feed in range(count)]
        self.items: dict[int, list[int]] = {feed: [0] for feed in range(count)}  # one item each to start with
        for feed in range(count):
            self._write(feed)

    def sources(self, interval: str, *, jitter: str = "0s") -> str:
        """The [[sources]] TOML of every feed."""
        return "".join(
            f'\n[[sources]]\nid = "feed-{feed}"\nkind = "feed"\nurl = "{self.bases[feed]}{FEED_PATH.format(feed=feed)}"\n'
            f'interval = "{interval}"\njitter = "{jitter}"\n'
            for feed in range(self.count)
        )

    def add_item(self, feed: int) -> str:
        """Publish one more item on ``feed``; returns its title."""
        number = self.items[feed][-1] + 1
        self.items[feed].append(number)
        self._write(feed)
        return item_title(feed, number)

    def _write(self, feed: int) -> None:
        base = self.bases[feed]
        entries = "".join(
            f"<item><title>{escape(item_title(feed, number))}</title><link>{base}/feeds/{feed}/{number}.html</link>"
            f"<pubDate>Thu, 15 Feb 2024 0{number % 10}:00:00 +0900</pubDate><description>総合通信基盤局</description></item>"
            for number in reversed(self.items[feed])
        )
        xml = (
            '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel>'
            f"<title>feed {feed}</title><link>{base}/</link><description>loopback feed</description>{entries}</channel></rss>"
        )
        self.site.write(FEED_PATH.format(feed=feed), xml)  # .xml: no per-path type table for the server to read
