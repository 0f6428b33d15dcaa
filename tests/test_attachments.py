"""Attachments: a Japanese PDF and an Excel survey table made here are read in a bounded child
process, their text classified with the item and their figures labelled facts; hostile files end
in a clear error, and a changed file is an update."""

from __future__ import annotations

import asyncio
import json
import re
from pathlib import Path

import pytest
from sqlmodel import select

from alerts.render import notice_text
from monitor.attachments.bounded import Bounds, read_bounded
from monitor.config import load_settings
from monitor.diff import changes
from monitor.errors import AttachmentError
from monitor.facts import extract_facts
from monitor.items import Alert, Document, ItemContent
from monitor.models import AttachmentRow, OutboxRow
from monitor.runtime import Runtime
from monitor.store import StoredContent
from monitor.text import normalize
from tests.attachment_files import NOTICE_LINES, crowded_pdf, japanese_pdf, survey_workbook, zip_bomb_workbook
from tests.blockkit import message_html
from tests.browser import ink_ratio, screenshot
from tests.cli import NEW_ORDER, Cli, add_release, local_settings, revise_release, slack_messages

BOUNDS = Bounds(timeout=20, max_memory=1_000_000_000, max_chars=50_000, max_inflated=200_000_000)


def facts_of(text: str):
    return extract_facts(Document("東都モバイル株式会社に対する行政指導", normalize(text)))


def test_a_japanese_pdf_gives_its_text_and_its_facts():
    text = read_bounded(japanese_pdf(), "pdf", BOUNDS)
    assert "東都モバイル株式会社 代表取締役社長 殿" in text
    facts = facts_of(text)
    assert [(figure.what, figure.value, figure.unit, figure.approximate) for figure in facts.figures] == [
        ("顧客情報", 9_280_000, "件", True)
    ]
    assert [deadline.date for deadline in facts.deadlines] == ["2024-03-08"]


def test_an_excel_survey_table_becomes_labelled_figures():
    text = read_bounded(survey_workbook(), "xlsx", BOUNDS)
    assert "区分\t任命している\t任命していない\n都道府県\t38\t9\n市区町村\t1279\t462" in text
    figures = [(figure.what, figure.value, figure.of) for figure in facts_of(text).figures]
    assert figures == [
        ("CIOを任命している都道府県", 38, 47),
        ("CIOを任命していない都道府県", 9, 47),
        ("CIOを任命している市区町村", 1279, 1741),
        ("CIOを任命していない市区町村", 462, 1741),
    ]


def test_text_is_cut_at_max_chars():
    assert len(read_bounded(japanese_pdf(pages=20), "pdf", Bounds(20, 1_000_000_000, 100, 1))) == 100


@pytest.mark.parametrize(
    "data,kind,bounds,reason",  # files that take a second to make are made when their case runs
    [
        (b"<html>Not Found</html>", "pdf", BOUNDS, "not a PDF file"),
        (b"%PDF-1.4\n1 0 obj garbage", "pdf", BOUNDS, "unreadable PDF"),
        (b"PK\x03\x04 truncated", "xlsx", BOUNDS, r"not an Excel \(zip\) file"),
        (lambda: zip_bomb_workbook(50_000_000), "xlsx", Bounds(20, 1_000_000_000, 50_000, 10_000_000), "inflates to 50,000,"),
        # About 3 s of CPU to read: the child is stopped after one.
        (crowded_pdf, "pdf", Bounds(1, 1_000_000_000, 10_000_000, 1), "more than 1s of CPU"),
        # Too little memory to even load the parser: the child dies, and says why it most likely did.
        # (The interpreter and the reading code take about 16 MB of address space, pypdf 53 MB.)
        (japanese_pdf, "pdf", Bounds(20, 28_000_000, 50_000, 1), "attachments.max_memory"),
    ],
    ids=["html", "corrupt-pdf", "corrupt-zip", "zip-bomb", "cpu", "memory"],
)
def test_a_hostile_or_huge_file_gives_a_clear_error(data, kind, bounds, reason):
    with pytest.raises(AttachmentError, match=reason):
        read_bounded(data() if callable(data) else data, kind, bounds)


def test_a_linked_file_whose_bytes_changed_is_a_change_of_the_item():
    stored = StoredContent(
        "件名", "本文", "件名", "本文", "https://example.jp/a.html", ({"label": "別紙1", "url": "a.pdf", "sha256": "1"},)
    )
    content = ItemContent("件名", "本文")
    now = [{"label": "別紙1", "url": "a.pdf", "sha256": "2"}, {"label": "別紙2", "url": "b.xlsx", "sha256": "3"}]
    (change,) = changes(stored, content, compare_body=True, attachments=now)
    assert (change.field, change.added, change.removed, change.changed) == ("attachments", ("別紙2",), (), ("別紙1",))
    unread_now = [{"label": "別紙1", "url": "a.pdf", "sha256": ""}]
    assert changes(stored, content, compare_body=True, attachments=unread_now) == ()


LIST = "/menu_news/s-news/index.html"
PDF_PATH = "/main_content/000925123.pdf"  # 別紙１ of the release page fixture
EXCEL_PATH = "/main_content/000925124.xlsx"  # 別添 of the release page fixture
RELEASE = "/menu_news/s-news/01kiban07_02000100.html"


@pytest.mark.e2e
def test_a_release_linking_a_pdf_and_an_excel_file_is_alerted_with_excerpt_and_figures_then_a_new_pdf_is_an_update(
    tmp_path: Path, site, slack_server
):
    site.copy("mic/s-news_index.html", LIST)
    sources = f'\n[[sources]]\nid = "mic-press"\nkind = "mic_press_list"\nurl = "{site.url}{LIST}"\n'
    cli = Cli.configured(tmp_path, f"sqlite:///{tmp_path / 'regwatch.db'}", local_settings(slack_server.url) + sources)
    cli("poll", "--once")  # the baseline
    site.write(PDF_PATH, japanese_pdf(), "application/pdf")
    site.write(EXCEL_PATH, survey_workbook())
    add_release(site, NEW_ORDER, RELEASE)
    cli("poll", "--once")
    (message,) = slack_messages(slack_server)
    text = message["text"]
    assert (
        f"添付: 別紙１　行政指導文書（PDF） {site.url}{PDF_PATH}\n  「別紙1 行政指導文書 東都モバイル株式会社 代表取締役社長 殿"
        in text
    )
    assert "調査の数値: CIOを任命している都道府県 38団体（47のうち）" in text  # the Excel table's figures
    assert "顧客情報 約928万件" in next(line for line in text.splitlines() if line.startswith("件数: "))  # the PDF's
    assert "「別紙1 行政指導文書 東都モバイル株式会社" in json.dumps(message["blocks"], ensure_ascii=False)
    assert ink_ratio(screenshot(message_html(message["blocks"], time="7:52"), "alert-attachments.png", width=720)) > 0.02

    site.write(PDF_PATH, japanese_pdf((*NOTICE_LINES, "令和6年2月20日 一部訂正")), "application/pdf")
    revise_release(site, RELEASE, NEW_ORDER, NEW_ORDER + "（訂正）")  # the list changes: the page is fetched again
    cli("poll", "--once")
    update = slack_messages(slack_server)[-1]["text"]
    assert update.startswith("[regwatch] 行政指導・命令（更新）")
    assert "変更 内容が変わった添付: 別紙１　行政指導文書（PDF）" in update
    cli("poll", "--once")
    assert len(slack_messages(slack_server)) == 2


def test_an_alert_carries_each_attachment_s_excerpt_to_every_channel():
    alert = Alert.from_json(
        {
            "key": "k", "event": "new", "item_id": 1, "source_id": "mic-press", "source_name": "総務省 報道資料",
            "title": "東都モバイル株式会社に対する業務改善命令", "url": "https://www.soumu.go.jp/r.html", "published_at": None,
            "categories": ["guidance_notice"], "scores": {}, "evidence": {}, "facts": {},
            "attachments": [{"label": "別紙1", "url": "https://www.soumu.go.jp/a.pdf", "type": "pdf", "excerpt": "別紙1 行政指導文書"}],
        }
    )  # fmt: skip
    assert alert.to_json()["attachments"][0]["excerpt"] == "別紙1 行政指導文書"  # the webhook's body
    assert "添付: 別紙1 https://www.soumu.go.jp/a.pdf\n  「別紙1 行政指導文書」" in notice_text(alert)  # the console's


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_a_huge_or_broken_attachment_is_kept_with_its_reason_and_the_item_is_alerted_all_the_same(
    tmp_path: Path, database_url: str, site
):
    runtime = mic_press_runtime(tmp_path, site, database_url, attachments="max_bytes = 50_000\n")
    try:
        poll(runtime)  # the baseline
        site.write(PDF_PATH, b"%PDF-1.4\n" + bytes(60_000), "application/pdf")  # over max_bytes
        site.write(EXCEL_PATH, b"PK\x03\x04 not really a workbook")
        add_release(site, NEW_ORDER, RELEASE)
        report = poll(runtime)
        assert report.new == 1 and report.alerts == 1
        with runtime.store.session() as session:
            stored = {row.url.rsplit("/", 1)[-1]: row for row in session.exec(select(AttachmentRow))}
            (alert,) = [row.payload for row in session.exec(select(OutboxRow))]
    finally:
        runtime.close()
    assert re.fullmatch(
        r"http://\S+/000925123\.pdf: body (of 60009 bytes )?exceeds attachments\.max_bytes = 50000( \(counted after decompression\))?",
        stored["000925123.pdf"].error,
    )
    assert stored["000925124.xlsx"].error.startswith("not an Excel (zip) file")
    assert stored["000925124.xlsx"].sha256 and not stored["000925124.xlsx"].text
    assert [attachment["excerpt"] for attachment in alert["attachments"]] == ["", ""]  # links, without an excerpt


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_a_revised_release_s_unchanged_attachment_keeps_its_text_and_a_changed_one_is_read_again(
    tmp_path: Path, database_url: str, site
):
    runtime = mic_press_runtime(tmp_path, site, database_url)
    try:
        poll(runtime)  # the baseline
        site.write(PDF_PATH, japanese_pdf(), "application/pdf")
        site.write(EXCEL_PATH, survey_workbook())
        add_release(site, NEW_ORDER, RELEASE)
        poll(runtime)
        with runtime.store.session() as session:  # a text no reading gives: only kept, never read
            (workbook,) = session.exec(select(AttachmentRow).where(AttachmentRow.url == site.url + EXCEL_PATH))
            workbook.text = "前回読んだ本文"
            session.add(workbook)
            session.commit()
        site.write(PDF_PATH, japanese_pdf((*NOTICE_LINES, "令和6年2月20日 一部訂正")), "application/pdf")
        revise_release(site, RELEASE, NEW_ORDER, NEW_ORDER + "（訂正）")  # the page is fetched again
        report = poll(runtime)
        with runtime.store.session() as session:
            stored = {row.url.rsplit("/", 1)[-1]: row for row in session.exec(select(AttachmentRow))}
    finally:
        runtime.close()
    assert report.updated == 1
    assert stored["000925124.xlsx"].text == "前回読んだ本文"  # same bytes: the text read before
    assert "一部訂正" in stored["000925123.pdf"].text  # new bytes: read again


def mic_press_runtime(tmp_path: Path, site, database_url: str, attachments: str = "") -> Runtime:
    """The runtime of one MIC press list on the local site, with ``attachments`` settings."""
    site.copy("mic/s-news_index.html", LIST)
    config = tmp_path / "regwatch.toml"
    config.write_text(
        f'[fetch]\nmin_host_interval = "0s"\ntimeout = "5s"\nallow = ["127.0.0.1"]\n[attachments]\n{attachments}'
        f'[[sources]]\nid = "mic-press"\nkind = "mic_press_list"\nurl = "{site.url}{LIST}"\n',
        encoding="utf-8",
    )
    return Runtime.open(load_settings(config, env={"REGWATCH_DATABASE_URL": database_url}))


def poll(runtime: Runtime):
    async def run():
        fetcher = runtime.fetcher()
        try:
            return await runtime.pipeline(fetcher).poll(due_only=False)
        finally:
            await fetcher.aclose()

    (report,) = asyncio.run(run())
    return report
