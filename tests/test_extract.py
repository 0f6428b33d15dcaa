import asyncio
from dataclasses import replace
from datetime import datetime, timezone

from monitor.config import SourceConfig
from monitor.extract import clean_item, list_items
from monitor.items import RawItem
from monitor.sources import resolve
from tests.conftest import page_from_bytes


def test_controls_are_stripped_from_every_text_of_a_list_item():
    raw = RawItem(
        " https://example.jp/a\x00b \n",
        "項目\x00入り\x07",
        "本文\x1b",
        datetime(2024, 2, 9, tzinfo=timezone.utc),
        {"k": ("v\x00", {"n": "\x01x"})},
    )
    assert clean_item(raw) == RawItem("https://example.jp/ab", "項目入り", "本文", raw.published_at, {"k": ["v", {"n": "x"}]})


def test_a_clean_list_item_is_passed_on_as_it_is():
    raw = RawItem("https://example.jp/a", "項目", attributes={"bureau": "総合通信基盤局"})
    assert clean_item(raw) is raw


def test_a_task_made_ready_by_a_pages_arrival_runs_before_the_page_is_parsed():
    """The next request to a host waits for its gate, which the page's arrival frees (played here
    by an event): it must not also wait for that page's parse (in a cycle of first-seen pages,
    every host's would)."""
    spec = resolve(SourceConfig(id="list", kind="html_list", url="https://example.jp/", options={"item": "li", "link": "a"}))
    page = page_from_bytes(b'<ul><li><a href="/a">a</a></li></ul>', "https://example.jp/", "text/html")
    order = []

    def parse_noted(*arguments):
        order.append("parse")
        return parse(*arguments)

    parse = spec.scraper.parse
    spec = replace(spec, scraper=replace(spec.scraper, parse=parse_noted))

    async def run():
        gate = asyncio.Event()

        async def next_request():
            await gate.wait()
            order.append("request")

        waiting = asyncio.create_task(next_request())
        await asyncio.sleep(0)
        gate.set()  # the page arrived: its host's gate is free
        items = await list_items(spec, [page])
        await waiting
        return items

    assert [item.link for item in asyncio.run(run())] == ["https://example.jp/a"]
    assert order == ["request", "parse"]
