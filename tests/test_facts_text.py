"""The facts of an alert as a reader scans them: labelled, deduplicated, deadlines first."""

from datetime import date, datetime, timezone

from alerts.facts_text import fact_lines
from monitor.facts import extract_facts
from monitor.items import Document
from monitor.text import normalize

RELEASE = (
    "東都モバイル株式会社（法人番号 7120001077523）に対する行政指導",
    "総務省は、本日、東都モバイル株式会社（代表取締役社長　山田　太郎）に対し、行政指導を行いました。"
    "流出した顧客情報は約120万件に上ります。同社に対し、令和6年3月8日までに再発防止策の実施状況を報告するよう求めました。"
    "また、1か月以内に利用者への周知状況を報告するよう求めました。事案は令和5年12月14日に発覚しました。",
)


def lines_of(title: str, body: str, published: datetime) -> dict[str, str]:
    facts = extract_facts(Document(normalize(title), normalize(body), published)).to_json()
    return dict(fact_lines(facts, published.date()))


def test_deadlines_come_first_with_what_is_due_and_the_other_facts_are_labelled():
    published = datetime(2024, 2, 9, tzinfo=timezone.utc)
    lines = lines_of(*RELEASE, published)
    assert next(iter(lines)) == "期限"
    assert lines["期限"] == "報告期限 2024年3月8日(金)、報告期限 2024年3月9日(土)（公表から1か月以内）"
    assert lines["事業者"] == "東都モバイル株式会社（法人番号 7120001077523）"
    assert lines["人物"] == "山田太郎（代表取締役社長）"
    assert lines["組織"] == "総務省"
    assert lines["件数"] == "流出した顧客情報 約120万件"
    assert lines["日付"] == "2023年12月14日(木)"  # not the deadline again, nor the publication day


def test_survey_figures_with_their_totals_are_told_apart_from_other_counts():
    lines = lines_of(
        "CIOの任命状況",
        "47都道府県のうち38都道府県がCIOを任命している。説明会には約300人が参加した。",
        datetime(2024, 2, 9, tzinfo=timezone.utc),
    )
    assert "38都道府県（47のうち）" in lines["調査の数値"]
    assert lines["件数"].endswith("約300人")


def test_facts_stored_by_an_earlier_version_still_read():
    stored = {
        "organizations": ["北陸通信サービス株式会社", "総務省"],
        "corporate_number_owners": {"8220001012345": "北陸通信サービス株式会社"},
    }
    assert dict(fact_lines(stored, date(2024, 2, 9))) == {
        "事業者": "北陸通信サービス株式会社（法人番号 8220001012345）",
        "組織": "総務省",
    }
