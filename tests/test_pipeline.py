"""The poll pipeline on both databases, against a real HTTP server on 127.0.0.1."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from sqlmodel import select

from monitor.config import load_settings
from monitor.diff import version_changes
from monitor.jpdates import utcnow
from monitor.models import EventRow, ItemRow, ListingRow, OutboxRow, SourceRow
from monitor.runtime import Runtime
from monitor.store.versions import item_versions
from tests.cli import NEW_ORDER, NEW_ORDER_PATH, add_release, revise_release
from tests.conftest import PAGES, LocalSite

LIST = "/menu_news/s-news/index.html"
GUIDANCE = "/menu_news/s-news/01kiban07_02000099.html"
SURVEY = "/menu_news/s-news/01gyosei07_02000200.html"
POPULATION = "/menu_news/s-news/01toukei01_01000300.html"


def publish_mic(site: LocalSite) -> None:
    site.copy("mic/s-news_index.html", LIST)
    site.copy("mic/press_release_guidance.html", GUIDANCE)
    site.copy("mic/press_release_cio_survey.html", SURVEY)
    site.copy("mic/press_release_population.html", POPULATION)


@pytest.fixture
def open_runtime(tmp_path: Path, database_url: str) -> Iterator[Callable[[str], Runtime]]:
    """Opens a Runtime on a config of the given [[sources]]; closed after the test."""
    opened: list[Runtime] = []

    def open_with(sources: str) -> Runtime:
        config = tmp_path / "regwatch.toml"
        config.write_text(
            '[fetch]\nmin_host_interval = "0s"\ntimeout = "5s"\nallow = ["127.0.0.1"]\n' + sources, encoding="utf-8"
        )
        opened.append(Runtime.open(load_settings(config, env={"REGWATCH_DATABASE_URL": database_url})))
        return opened[-1]

    yield open_with
    for runtime in opened:
        runtime.close()


@pytest.fixture
def mic_runtime(open_runtime, site: LocalSite) -> Runtime:
    publish_mic(site)
    return open_runtime(f'[[sources]]\nid = "mic-press"\nkind = "mic_press_list"\nurl = "{site.url}{LIST}"\n')


@pytest.fixture
def press_and_feed(open_runtime, site: LocalSite) -> Runtime:
    """The 報道資料 list and the 新着情報 feed, which lists two of its releases (read by mic_page)."""
    publish_mic(site)
    site.copy("mic/news.rdf", "/news.rdf")
    runtime = open_runtime(
        f'[[sources]]\nid = "mic-press"\nkind = "mic_press_list"\nurl = "{site.url}{LIST}"\n'
        f'[[sources]]\nid = "mic-news"\nkind = "feed"\nurl = "{site.url}/news.rdf"\ninclude_links = ["/menu_news/s-news/"]\ndetail = "mic_page"\n',
    )
    return runtime


def poll_all(runtime: Runtime, **options):
    async def run():
        fetcher = runtime.fetcher()
        try:
            return await runtime.pipeline(fetcher).poll(due_only=False, **options)
        finally:
            await fetcher.aclose()

    return asyncio.run(run())


def poll(runtime: Runtime, **options):
    (report,) = poll_all(runtime, **options)
    return report


def rows(runtime: Runtime, model):
    with runtime.store.session() as session:
        return list(session.exec(select(model)))


def alerted_titles(runtime: Runtime) -> list[str]:
    return sorted(row.payload["title"] for row in rows(runtime, OutboxRow))


def detail_requests(site: LocalSite) -> list[str]:
    return [r["path"] for r in site.requests() if r["path"] not in (LIST, "/robots.txt") and "/main_content/" not in r["path"]]


def test_first_poll_records_a_silent_baseline_without_detail_fetches(mic_runtime, site):
    runtime = mic_runtime
    report = poll(runtime)
    assert report.baseline and report.new == 3 and report.alerts == 0
    assert detail_requests(site) == []
    assert rows(runtime, EventRow) == [] and rows(runtime, OutboxRow) == []
    assert all(item.baseline for item in rows(runtime, ItemRow))
    # Each has its first version all the same, as listed.
    assert [len(versions_of(runtime, item.url)) for item in rows(runtime, ItemRow)] == [1, 1, 1]


def test_backfill_alerts_what_is_listed_with_detail_pages(mic_runtime, site):
    runtime = mic_runtime
    report = poll(runtime, backfill=True)
    assert (report.new, report.detail_fetches) == (3, 3)
    assert alerted_titles(runtime) == [
        "北陸通信サービス株式会社に対する行政指導",
        "地方公共団体におけるCIO及びCIO補佐官等の任命状況等の調査結果",
    ]
    guidance = next(item for item in rows(runtime, ItemRow) if item.url.endswith(GUIDANCE))
    assert guidance.attributes["bureau"] == "総合通信基盤局" and guidance.detail_fetched_at is not None
    (alert,) = [row.payload for row in rows(runtime, OutboxRow) if row.item_id == guidance.id]
    assert alert["categories"] == ["guidance_notice"] and alert["evidence"]["guidance_notice"]
    assert alert["facts"]["corporate_numbers"] == ["8220001012345"]
    assert {"総務省", "北陸通信サービス株式会社"} <= set(alert["facts"]["organizations"])
    assert "髙橋" in guidance.body_raw and "\u3000" in guidance.body_raw and "\u3000" not in guidance.body


def test_unchanged_page_answers_304_and_creates_nothing(mic_runtime, site):
    runtime = mic_runtime
    poll(runtime, backfill=True)
    site.clear_requests()
    report = poll(runtime)
    assert (report.not_modified, report.new, report.alerts) == (1, 0, 0)
    assert [r["status"] for r in site.requests() if r["path"] == LIST] == [304]


def test_a_page_that_gains_one_item_alerts_exactly_that_one(mic_runtime, site):
    runtime = mic_runtime
    poll(runtime)  # baseline
    add_release(site, NEW_ORDER, NEW_ORDER_PATH)
    site.clear_requests()
    report = poll(runtime)
    assert (report.new, report.updated, report.alerts) == (1, 0, 1)
    assert detail_requests(site) == [NEW_ORDER_PATH]
    assert alerted_titles(runtime) == [NEW_ORDER]


def test_a_changed_title_is_an_update_with_what_changed(mic_runtime, site):
    runtime = mic_runtime
    poll(runtime, backfill=True)
    old, new = "北陸通信サービス株式会社に対する行政指導", "北陸通信サービス株式会社に対する行政指導（訂正）"
    for path, fixture in ((LIST, "mic/s-news_index.html"), (GUIDANCE, "mic/press_release_guidance.html")):
        site.write(path, (PAGES / fixture).read_bytes().replace(old.encode("cp932"), new.encode("cp932")))
    report = poll(runtime)
    assert (report.new, report.updated) == (0, 1)
    (updated,) = [event for event in rows(runtime, EventRow) if event.kind == "updated"]
    (title_change,) = [change for change in updated.changes if change["field"] == "title"]
    assert (title_change["before"], title_change["after"]) == (old, new)  # as written, not normalized
    assert any(row.payload["event"] == "updated" and row.payload["title"] == new for row in rows(runtime, OutboxRow))


def item_at(runtime: Runtime, path: str) -> ItemRow:
    return next(item for item in rows(runtime, ItemRow) if item.url.endswith(path))


def events_of(runtime: Runtime, item: ItemRow) -> list[str]:
    return [event.kind for event in rows(runtime, EventRow) if event.item_id == item.id]


def versions_of(runtime: Runtime, path: str) -> list:
    with runtime.store.read() as connection:
        return item_versions(connection, item_at(runtime, path).id)


def test_a_release_revised_twice_has_three_versions_and_fetching_the_same_again_adds_none(mic_runtime, site):
    runtime = mic_runtime
    poll(runtime, backfill=True)
    first = "北陸通信サービス株式会社に対する行政指導"
    second, third = f"{first}（訂正）", f"{first}（再訂正）"
    revise_release(site, GUIDANCE, first, second)
    poll(runtime)
    revise_release(site, GUIDANCE, second, third)
    deadline = "その実施状況を令和6年{}までに報告するよう求めました。"
    page = (site.root / GUIDANCE.lstrip("/")).read_bytes()
    site.write(GUIDANCE, page.replace(deadline.format("3月8日").encode("cp932"), deadline.format("3月15日").encode("cp932")))
    poll(runtime)
    # Only the list changes: the release's page is fetched again and found as it was.
    listed = (site.root / LIST.lstrip("/")).read_bytes()
    site.write(LIST, listed.replace(third.encode("cp932"), f"{third}版".encode("cp932")))
    report = poll(runtime)
    assert report.detail_fetches == 1 and report.updated == 0
    versions = versions_of(runtime, GUIDANCE)
    assert [(v.number, v.title_raw, v.from_detail) for v in versions] == [(1, first, True), (2, second, True), (3, third, True)]
    assert versions[2].fingerprint == item_at(runtime, GUIDANCE).content_fingerprint
    # The page's body opens with its title: that line changes with it.
    title, body = version_changes(versions[0], versions[1])
    assert (title.field, title.before, title.after) == ("title", first, second)
    assert (body.field, body.removed, body.added) == ("body", (first,), (second,))
    title, body = version_changes(versions[1], versions[2])
    assert (title.field, title.before, title.after) == ("title", second, third)
    sentence = "総務省は、同社に対し、以下の事項を実施し、" + deadline
    assert (body.removed, body.added) == ((second, sentence.format("3月8日")), (third, sentence.format("3月15日")))
    assert [a["label"] for a in versions[2].attachments] == ["別紙１　行政指導文書（PDF）", "別添　事案の概要（Excel）"]


def test_a_detail_page_that_fails_for_now_holds_only_its_item_and_the_list_etag_is_saved(mic_runtime, site):
    runtime = mic_runtime
    site.respond(GUIDANCE, 503)
    report = poll(runtime, backfill=True)
    assert report.waiting == 1 and report.error is None and report.new == 2
    guidance = item_at(runtime, GUIDANCE)
    assert guidance.awaiting_detail and guidance.detail_attempts == 1 and "HTTP 503" in guidance.detail_error
    assert events_of(runtime, guidance) == []  # its alert waits for its body
    site.respond(GUIDANCE, None)
    site.clear_requests()
    again = poll(runtime)
    assert [r["status"] for r in site.requests() if r["path"] == LIST] == [304]  # the list's ETag was saved
    assert again.new == 1 and again.alerts == 1
    assert alerted_titles(runtime).count("北陸通信サービス株式会社に対する行政指導") == 1
    guidance = item_at(runtime, GUIDANCE)
    assert not guidance.awaiting_detail and guidance.detail_retry_at is None and guidance.detail_fetched_at is not None


def test_a_detail_page_that_keeps_failing_is_alerted_from_its_list_entry_then_updated_when_it_comes(mic_runtime, site):
    runtime = mic_runtime
    poll(runtime)  # the baseline
    add_release(site, NEW_ORDER, NEW_ORDER_PATH)
    site.respond(NEW_ORDER_PATH, 503)
    for attempt in (1, 2):
        report = poll(runtime)
        assert report.waiting == 1 and report.alerts == 0 and report.detail_failures == 1, attempt
    report = poll(runtime)  # fetch.detail_attempts = 3: the third failure settles it from the list
    assert report.waiting == 0 and report.new == 1
    item = item_at(runtime, NEW_ORDER_PATH)
    assert item.detail_attempts == 3 and item.detail_fetched_at is None and "HTTP 503" in item.detail_error
    assert item.detail_retry_at is not None  # tried again later (in an hour)
    assert events_of(runtime, item) == ["new"]

    site.respond(NEW_ORDER_PATH, None)
    report = poll(runtime)
    assert report.detail_fetches == 0  # not yet due
    with runtime.store.begin() as connection:  # an hour later
        connection.execute(ItemRow.__table__.update().where(ItemRow.__table__.c.id == item.id).values(detail_retry_at=utcnow()))
    report = poll(runtime)
    assert report.updated == 1 and report.alerts == 1  # the body makes it a guidance notice
    item = item_at(runtime, NEW_ORDER_PATH)
    assert item.detail_fetched_at is not None and item.detail_retry_at is None and item.detail_error is None
    assert events_of(runtime, item) == ["new", "updated"]
    update = next(event for event in rows(runtime, EventRow) if event.kind == "updated")
    assert [change["field"] for change in update.changes] == ["body", "attachments"]  # what the page brings


def test_a_baseline_item_whose_detail_page_fails_then_comes_raises_no_body_update(mic_runtime, site):
    runtime = mic_runtime
    poll(runtime)  # the baseline: recorded from the list, no detail page fetched
    revise_release(site, GUIDANCE, "北陸通信サービス株式会社に対する行政指導", "北陸通信サービス株式会社に対する行政指導（訂正）")
    site.respond(GUIDANCE, 503)
    report = poll(runtime)  # the list says the title changed: that much is an update at once
    assert report.updated == 1
    site.respond(GUIDANCE, None)
    guidance = item_at(runtime, GUIDANCE)
    with runtime.store.begin() as connection:  # an hour later, its detail page is tried again
        connection.execute(
            ItemRow.__table__.update().where(ItemRow.__table__.c.id == guidance.id).values(detail_retry_at=utcnow())
        )
    report = poll(runtime)
    assert report.detail_fetches == 1 and report.updated == 0  # the list never showed a body to compare
    assert [event.kind for event in rows(runtime, EventRow) if event.item_id == guidance.id] == ["updated"]
    assert item_at(runtime, GUIDANCE).detail_fetched_at is not None


def test_a_detail_page_that_is_gone_falls_back_to_the_list_entry_at_once(mic_runtime, site):
    runtime = mic_runtime
    site.respond(GUIDANCE, 404)
    report = poll(runtime, backfill=True)
    assert report.waiting == 0 and any("HTTP 404" in w for w in report.warnings)
    guidance = item_at(runtime, GUIDANCE)
    assert guidance.detail_fetched_at is None and guidance.attributes == {"bureau": "総合通信基盤局"}
    assert guidance.title == "北陸通信サービス株式会社に対する行政指導"
    assert guidance.detail_retry_at is not None and guidance.detail_attempts == 1
    assert events_of(runtime, guidance) == ["new"]


def test_a_failing_source_is_recorded_backed_off_and_recovers(mic_runtime, site):
    runtime = mic_runtime
    site.respond(LIST, 500)
    report = poll(runtime)
    (source,) = rows(runtime, SourceRow)
    assert report.error.endswith("HTTP 500") and source.consecutive_failures == 1 and source.last_error.endswith("HTTP 500")
    assert source.next_due_at > source.last_attempt_at and source.baseline_at is None
    site.respond(LIST, None)
    assert poll(runtime).baseline
    (source,) = rows(runtime, SourceRow)
    assert source.consecutive_failures == 0 and source.last_error is None


def test_a_broken_list_page_is_a_clear_error_and_loses_nothing(mic_runtime, site):
    runtime = mic_runtime
    poll(runtime)
    site.write(LIST, bytes(range(128, 256)) * 8)
    report = poll(runtime)
    assert "not valid in any of" in report.error
    assert len(rows(runtime, ItemRow)) == 3


def test_a_first_poll_listing_stored_items_records_their_listings_and_counts_only_new_ones(press_and_feed):
    runtime = press_and_feed
    press_report = poll(runtime, source_ids=["mic-press"])
    stored = {item.url: item for item in rows(runtime, ItemRow)}
    feed_report = poll(runtime, source_ids=["mic-news"])  # a baseline too: it looks nothing up

    assert (press_report.new, feed_report.listed, feed_report.new) == (3, 2, 0)
    items = {item.url: item for item in rows(runtime, ItemRow)}
    assert items.keys() == stored.keys() and {item.source_id for item in items.values()} == {"mic-press"}
    listed = [listing for listing in rows(runtime, ListingRow) if listing.source_id == "mic-news"]
    assert len(listed) == 2 and {listing.item_id for listing in listed} <= {item.id for item in items.values()}
    assert all(listing.fingerprint for listing in listed)
    sources = {row.id: row for row in rows(runtime, SourceRow)}
    assert (sources["mic-press"].items_seen, sources["mic-news"].items_seen) == (3, 0)
    assert sources["mic-news"].baseline_at is not None and not rows(runtime, EventRow)


def test_an_item_listed_by_two_sources_is_one_item_and_one_alert(press_and_feed):
    runtime = press_and_feed

    async def run():
        fetcher = runtime.fetcher()
        try:
            pipeline = runtime.pipeline(fetcher)
            await pipeline.poll(["mic-press"], due_only=False, backfill=True)
            return await pipeline.poll(["mic-news"], due_only=False, backfill=True)
        finally:
            await fetcher.aclose()

    (feed_report,) = asyncio.run(run())
    assert feed_report.listed == 2 and feed_report.new == 0
    assert len(rows(runtime, ItemRow)) == 3
    assert alerted_titles(runtime).count("北陸通信サービス株式会社に対する行政指導") == 1


def test_a_source_whose_url_is_malformed_fails_alone_with_the_reason(open_runtime, site):
    publish_mic(site)
    runtime = open_runtime(
        f'[[sources]]\nid = "mic-press"\nkind = "mic_press_list"\nurl = "{site.url}{LIST}"\n'
        '[[sources]]\nid = "typo"\nkind = "feed"\nurl = "http://[::1/news.rdf"\n'
    )
    reports = {report.source_id: report for report in poll_all(runtime)}
    assert reports["mic-press"].error is None and reports["mic-press"].baseline
    assert "invalid URL" in reports["typo"].error
