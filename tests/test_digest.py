"""The daily digest email: what it contains (pure), how it renders, and sending it once per day
through a real SMTP server on 127.0.0.1."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from pathlib import Path

import pytest

from alerts.digest import DigestAttempt, Digests, is_business_day
from alerts.digest_view import build_digest
from alerts.email import digest_message, render, send_message
from monitor.config import ChannelConfig, RouteConfig, SmtpConfig, load_settings
from monitor.errors import ChannelConfigError, DeliveryError
from monitor.models import SourceRow
from tests.browser import ink_ratio, screenshot
from tests.conftest import Mailbox

WINDOW = (datetime(2024, 2, 8, 22, 30, tzinfo=timezone.utc), datetime(2024, 2, 9, 22, 30, tzinfo=timezone.utc))
DAY = date(2024, 2, 13)
MORNING = ChannelConfig(kind="email", to=["desk@example.jp"], subject="regwatch 朝刊")
ROUTES = [
    RouteConfig(name="morning", categories=["guidance_notice", "donation_refund"], channels=["morning"]),
    RouteConfig(name="telecom", categories=["*"], channels=["telecom"]),
]
NAMES = {"mic-press": "総務省 報道資料", "nhk-politics": "NHK 政治"}
SOURCES = [
    SourceRow(id="mic-press", kind="mic_press_list", url="https://x"),
    SourceRow(id="nhk-politics", kind="nhk_feed", url="https://y"),
    SourceRow(
        id="nhk-society",
        kind="nhk_feed",
        url="https://z",
        health="broken",
        broken_reason="failed 3 polls in a row; last error: HTTP 503",
    ),
    SourceRow(id="old", kind="feed", url="https://w", enabled=False, health="broken"),
]


def event(
    item_id: int,
    title: str,
    labels: list[str],
    kind: str = "new",
    source_id: str = "mic-press",
    link: str | None = None,
    facts=None,
):
    return {
        "kind": kind,
        "source_id": source_id,
        "created_at": WINDOW[0] + timedelta(hours=item_id),
        "item_id": item_id,
        "title_raw": title,
        "link": link or f"https://www.soumu.go.jp/menu_news/s-news/{item_id}.html",
        "published_at": WINDOW[0],
        "labels": labels,
        "scores": {label: 0.9 for label in labels},
        "evidence": {label: ["行政指導を行いました"] for label in labels if label == "guidance_notice"},
        "facts": facts or {},
    }


# An event row carries its item's current title and classification (store.events_between).
HOKURIKU = {
    "organizations": ["北陸通信サービス株式会社"],
    "corporate_numbers": ["1234567890123"],
    "corporate_number_owners": {"1234567890123": "北陸通信サービス株式会社"},
}
EVENTS = [
    event(1, "北陸通信サービス株式会社に対する行政指導（訂正）", ["guidance_notice"], facts=HOKURIKU),
    event(2, "東都モバイル株式会社に対する業務改善命令", ["guidance_notice"]),
    event(1, "北陸通信サービス株式会社に対する行政指導（訂正）", ["guidance_notice"], kind="updated", facts=HOKURIKU),
    event(
        3,
        "政務官の支部 200万円の寄付を返金",
        ["donation_refund"],
        source_id="nhk-politics",
        link="javascript:void(0)",
        facts={"amounts_jpy": [2_000_000]},
    ),
    event(4, "自治体CIOの任命状況", ["cio_survey"]),  # the morning list does not subscribe to it
    event(5, "人口推計（令和6年1月報）", []),
]


def test_the_digest_groups_its_subscribed_categories_with_counts_facts_and_updates():
    digest = build_digest("morning", MORNING, ROUTES, EVENTS, SOURCES, NAMES, WINDOW, DAY)
    assert [(s.category, len(s.entries)) for s in digest.sections] == [("donation_refund", 1), ("guidance_notice", 2)]
    assert digest.count == 3
    assert digest.subject == "regwatch 朝刊 2024年2月13日(火): 新着3件（政治資金 寄付の返金 1件、行政指導・命令 2件）"
    guidance = digest.sections[1].entries
    latest = guidance[0].view
    assert latest.title.endswith("（訂正）") and guidance[0].updated  # one entry per item, showing its latest state
    assert latest.header == "行政指導・命令（更新）"
    assert ("事業者", "北陸通信サービス株式会社（法人番号 1234567890123）") in latest.facts
    assert latest.evidence == (("行政指導・命令", ("行政指導を行いました",)),)
    donation = digest.sections[0].entries[0].view
    assert donation.url is None and donation.meta[0] == "NHK 政治" and ("金額", "200万円") in donation.facts
    assert digest.healthy == 2 and [s.id for s in digest.failing] == ["nhk-society"]


def test_an_entry_shows_the_alert_view_lead_bureau_attachments_and_what_an_update_changed():
    release = {
        **event(7, "電気通信事業者に対する指導", ["guidance_notice"], kind="updated"),
        "lead": "総務省は、本日、株式会社Xに対し、再発防止策を講ずるよう文書により指導しました。詳細は別紙のとおりです。",
        "attributes": {
            "bureau": "総合通信基盤局",
            "attachments": [
                {
                    "label": "別紙1",
                    "url": "https://www.soumu.go.jp/a.pdf",
                    "excerpt": "別紙1 行政指導文書 株式会社X 代表取締役 殿",
                },
                {"label": "別紙2", "url": "https://www.soumu.go.jp/b.xlsx"},  # not read: a link alone
            ],
        },
        "changes": [{"field": "body", "added": ["報告期限を延長しました。"]}],
    }
    (section,) = build_digest("morning", MORNING, ROUTES, [release], SOURCES, NAMES, WINDOW, DAY).sections
    view = section.entries[0].view
    assert view.lead.startswith("総務省は、本日、株式会社Xに対し") and "担当 総合通信基盤局" in view.meta
    assert view.attachments == (
        ("別紙1", "https://www.soumu.go.jp/a.pdf", "別紙1 行政指導文書 株式会社X 代表取締役 殿"),
        ("別紙2", "https://www.soumu.go.jp/b.xlsx", ""),
    )
    assert view.changes == ("本文に追加: 報告期限を延長しました。",)
    text, html = render(build_digest("morning", MORNING, ROUTES, [release], SOURCES, NAMES, WINDOW, DAY))
    for part in (text, html):
        assert "総合通信基盤局" in part and "別紙1" in part and "本文に追加: 報告期限を延長しました。" in part
        assert "「別紙1 行政指導文書 株式会社X 代表取締役 殿」" in part
    assert '<a href="https://www.soumu.go.jp/a.pdf"' in html and '<a href="https://www.soumu.go.jp/b.xlsx"' in html
    assert ink_ratio(screenshot(html, "digest-attachments.png", width=760)) > 0.02


def test_deadlines_come_first_soonest_first_and_link_to_their_items():
    later = event(
        1,
        "意見募集",
        ["guidance_notice"],
        facts={"deadlines": [{"date": "2024-03-08", "label": "意見提出期限", "phrase": "3月8日まで"}]},
    )
    sooner = event(
        2,
        "報告徴求",
        ["guidance_notice"],
        facts={"deadlines": [{"date": "2024-02-29", "label": "報告期限", "phrase": "2月29日までに"}]},
    )
    digest = build_digest("morning", MORNING, ROUTES, [later, sooner], SOURCES, NAMES, WINDOW, DAY)
    assert [(d.text, d.title, d.anchor) for d in digest.deadlines] == [
        ("2024年2月29日(木) 報告期限", "報告徴求", "item-2"),
        ("2024年3月8日(金) 意見提出期限", "意見募集", "item-1"),
    ]
    text, html = render(digest)
    assert text.index("期限") < text.index("■ 行政指導・命令") and "2024年2月29日(木) 報告期限: 報告徴求" in text
    assert html.index('href="#item-2"') < html.index('id="item-2"') and 'href="#category-guidance_notice"' in html


def test_an_empty_day_still_says_nothing_is_new_and_how_the_sources_are():
    digest = build_digest("morning", MORNING, ROUTES, [EVENTS[-1]], SOURCES, NAMES, WINDOW, DAY)
    assert digest.sections == [] and digest.subject.endswith("新着なし")
    text, html = render(digest)
    for part in (text, html):
        assert "この期間の新着はありません" in part and "正常 2 / 異常 1" in part
        assert "failed 3 polls in a row; last error: HTTP 503" in part


def test_scraped_markup_is_text_in_the_html_part():
    hostile = event(9, '<script>alert("x")</script> <!channel> <@U123> & 株式会社', ["guidance_notice"])
    digest = build_digest("morning", MORNING, ROUTES, [hostile], SOURCES, NAMES, WINDOW, DAY)
    text, html = render(digest)
    assert "<script>" not in html and "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;" in html
    assert "&lt;!channel&gt; &lt;@U123&gt; &amp; 株式会社" in html
    assert '<script>alert("x")</script> <!channel>' in text  # plain text is shown as is


def test_the_message_is_multipart_alternative_with_a_japanese_subject_that_encodes():
    digest = build_digest("morning", MORNING, ROUTES, EVENTS, SOURCES, NAMES, WINDOW, DAY)
    message = digest_message(digest, MORNING, "regwatch@example.jp")
    raw = message.as_bytes()
    assert raw.isascii()  # headers are RFC 2047 words, bodies transfer-encoded
    assert message.get_content_type() == "multipart/alternative"
    assert [part.get_content_type() for part in message.iter_parts()] == ["text/plain", "text/html"]
    assert message["Subject"] == digest.subject
    assert "regwatch.digest.morning.2024-02-13" in message["Message-ID"]


@pytest.mark.parametrize(
    ("day", "business"),
    [
        (date(2024, 2, 9), True),  # Friday
        (date(2024, 2, 10), False),  # Saturday
        (date(2024, 2, 12), False),  # 振替休日 for 建国記念の日 on a Sunday
        (date(2024, 2, 23), False),  # 天皇誕生日
        (date(2024, 5, 6), False),  # 振替休日 in Golden Week
        (date(2026, 9, 22), False),  # 国民の休日 between 敬老の日 and 秋分の日
        (date(2026, 11, 26), True),
    ],
)
def test_business_days_skip_weekends_and_japanese_public_holidays(day, business):
    assert is_business_day(day) is business


@pytest.fixture
def digests(tmp_path: Path, database_url: str, smtp_server, store_at_head):
    config = tmp_path / "regwatch.toml"
    config.write_text(
        f"""
[smtp]
host = "127.0.0.1"
port = {smtp_server.port}
security = "none"
sender = "regwatch@example.jp"
timeout = "5s"

[delivery]
backoff = "0s"

[channels.morning]
kind = "email"
to = ["desk@example.jp", "legal@example.jp"]
subject = "regwatch 朝刊"

[[routes]]
name = "everything"
channels = ["default", "morning"]
""",
        encoding="utf-8",
    )
    settings = load_settings(
        config,
        env={
            "REGWATCH_SMTP_USER": smtp_server.USER,
            "REGWATCH_SMTP_PASSWORD": smtp_server.PASSWORD,
            "REGWATCH_DATABASE_URL": database_url,
        },
    )
    return Digests(store_at_head(), settings)


# 2024-02-13 07:30 JST, a Tuesday; 2024-02-12 was a substitute holiday.
TUESDAY_MORNING = datetime(2024, 2, 12, 22, 30, tzinfo=timezone.utc)


def test_one_digest_a_business_day_goes_out_once_with_credentials(digests, smtp_server):
    assert digests.schedule("morning", TUESDAY_MORNING)
    assert not digests.schedule("morning", TUESDAY_MORNING + timedelta(minutes=1))  # the same JST day
    assert digests.send_due(TUESDAY_MORNING) == [
        DigestAttempt(True, "digest morning 2024-02-13: sent to desk@example.jp, legal@example.jp (0 items)")
    ]
    assert digests.send_due(TUESDAY_MORNING + timedelta(hours=1)) == []
    (message,) = smtp_server.messages()
    assert message["Subject"] == "regwatch 朝刊 2024年2月13日(火): 新着なし"
    assert message["To"] == "desk@example.jp, legal@example.jp"
    assert "この期間の新着はありません" in message.get_body(("plain",)).get_content()


def test_no_digest_on_a_public_holiday(digests, smtp_server):
    assert not digests.schedule("morning", TUESDAY_MORNING - timedelta(days=1))  # Monday 2024-02-12, 振替休日
    assert digests.send_due(TUESDAY_MORNING) == []
    assert smtp_server.messages() == []


def test_a_refusing_mail_server_delays_the_digest_and_it_goes_out_once_later(digests, smtp_server):
    smtp_server.refuse(True)
    digests.schedule("morning", TUESDAY_MORNING)
    (failed,) = digests.send_due(TUESDAY_MORNING)
    assert not failed.sent and "451" in failed.line
    smtp_server.refuse(False)
    later = TUESDAY_MORNING + timedelta(minutes=5)
    (sent,) = digests.send_due(later)
    assert sent.sent and sent.line.startswith("digest morning 2024-02-13: sent")
    assert digests.send_due(later + timedelta(minutes=5)) == []
    assert len(smtp_server.messages()) == 1


def test_the_next_digest_starts_where_the_last_one_ended(digests):
    digests.schedule("morning", TUESDAY_MORNING)
    wednesday = TUESDAY_MORNING + timedelta(days=1)
    assert digests.next_window("morning", wednesday) == (TUESDAY_MORNING, wednesday)


def test_wrong_smtp_credentials_give_a_clear_error_and_the_digest_waits(tmp_path, smtp_server):
    digest = build_digest("morning", MORNING, ROUTES, [], SOURCES, NAMES, WINDOW, DAY)
    smtp = SmtpConfig(host="127.0.0.1", port=smtp_server.port, security="none", timeout=5)
    with pytest.raises(ChannelConfigError, match=rf"smtp 127.0.0.1:{smtp_server.port}: authentication refused \(535\)"):
        send_message(digest_message(digest, MORNING, "regwatch@example.jp"), smtp, smtp_server.USER, "wrong")
    assert smtp_server.messages() == []


def test_the_service_schedules_each_digest_at_its_jst_time(tmp_path, smtp_server):
    from apscheduler.schedulers.asyncio import AsyncIOScheduler

    from monitor.jpdates import JST
    from monitor.runtime import Runtime
    from monitor.schedule import Service

    (tmp_path / "regwatch.toml").write_text(
        '[channels.morning]\nkind = "email"\nto = ["desk@example.jp"]\nsend_at = "07:30"\n', encoding="utf-8"
    )
    settings = load_settings(tmp_path / "regwatch.toml", env={"REGWATCH_DATABASE_URL": f"sqlite:///{tmp_path / 'r.db'}"})
    runtime = Runtime.open(settings)
    try:
        scheduler = AsyncIOScheduler(timezone=JST)
        Service(runtime).add_digest_jobs(scheduler)
        job = scheduler.get_job("digest-morning")
        evening = datetime(2024, 2, 12, 23, 0, tzinfo=JST)
        assert job.trigger.get_next_fire_time(None, evening) == datetime(2024, 2, 13, 7, 30, tzinfo=JST)
        assert scheduler.get_job("digests") is not None  # the retry of failed digests
    finally:
        runtime.close()


@pytest.mark.parametrize(("security", "server_tls"), [("starttls", "starttls"), ("tls", "implicit")])
def test_the_digest_goes_over_starttls_or_implicit_tls_with_a_verified_certificate(
    tmp_path, monkeypatch, loopback_certificate, security, server_tls
):
    cert, key = loopback_certificate
    mailbox = Mailbox.start(tmp_path / "spool", "--tls", server_tls, "--cert", str(cert), "--key", str(key))
    try:
        digest = build_digest("morning", MORNING, ROUTES, EVENTS, SOURCES, NAMES, WINDOW, DAY)
        smtp = SmtpConfig(host="127.0.0.1", port=mailbox.port, security=security, timeout=5)
        with pytest.raises(DeliveryError, match="CERTIFICATE_VERIFY_FAILED"):  # not trusted yet: nothing is sent
            send_message(digest_message(digest, MORNING, "regwatch@example.jp"), smtp, Mailbox.USER, Mailbox.PASSWORD)
        monkeypatch.setenv("SSL_CERT_FILE", str(cert))  # how a private CA is trusted
        send_message(digest_message(digest, MORNING, "regwatch@example.jp"), smtp, Mailbox.USER, Mailbox.PASSWORD)
        (message,) = mailbox.messages()
        assert message["Subject"] == digest.subject
    finally:
        mailbox.stop()


def test_a_server_that_requires_starttls_refuses_a_plain_session_clearly(tmp_path, loopback_certificate):
    cert, key = loopback_certificate
    mailbox = Mailbox.start(tmp_path / "spool", "--tls", "starttls", "--cert", str(cert), "--key", str(key))
    try:
        digest = build_digest("morning", MORNING, ROUTES, [], SOURCES, NAMES, WINDOW, DAY)
        smtp = SmtpConfig(host="127.0.0.1", port=mailbox.port, security="none", timeout=5)
        with pytest.raises(ChannelConfigError, match=rf"smtp 127.0.0.1:{mailbox.port}: .*after STARTTLS; set \[smtp\] security"):
            send_message(digest_message(digest, MORNING, "regwatch@example.jp"), smtp, Mailbox.USER, Mailbox.PASSWORD)
        assert mailbox.messages() == []
    finally:
        mailbox.stop()
