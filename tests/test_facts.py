from datetime import date, datetime, timezone

import pytest

from monitor.facts import extract_facts
from monitor.facts.amounts import extract_amounts
from monitor.facts.dates import ResolvedDate, date_mentions, dates_of
from monitor.facts.deadlines import extract_deadlines
from monitor.facts.figures import Figure, extract_figures
from monitor.facts.identifiers import extract_corporate_numbers, extract_districts
from monitor.facts.names import Person, extract_organizations, extract_people, tokenize
from monitor.facts.numbers import parse_numeral
from monitor.items import Document
from monitor.text import normalize


def organizations(text: str) -> list[str]:
    text = normalize(text)
    return extract_organizations(text, tokenize(text))


def people(text: str) -> list[Person]:
    return extract_people(tokenize(normalize(text)))


@pytest.mark.parametrize(
    "numeral,value",
    [
        ("1億5000万", 150_000_000),
        ("百万", 1_000_000),
        ("三百五十万", 3_500_000),
        ("1,279", 1279),
        ("1.5億", 150_000_000),
        ("5千万", 50_000_000),
    ],
)
def test_numerals(numeral, value):
    assert parse_numeral(numeral) == value


def test_yen_amounts_as_integers():
    text = normalize("寄付300万円と１億５０００万円、百万円、約120万円。約120万件の個人データ、3万人の利用者。計300万円。")
    assert extract_amounts(text) == [3_000_000, 150_000_000, 1_000_000, 1_200_000]


def test_both_ends_of_a_range_and_yen_signs():
    assert extract_amounts(normalize("300万～500万円の寄付")) == [3_000_000, 5_000_000]
    assert extract_amounts(normalize("300～500万円")) == [3_000_000, 5_000_000]
    assert extract_amounts(normalize("¥1,000と￥20,000")) == [1000, 20000]
    assert extract_amounts(normalize("数百万円、100ドル")) == []


def test_era_boundaries_and_full_width_digits():
    dates, _ = dates_of(date_mentions(normalize("平成31年4月30日と令和元年5月1日、２０２４年２月９日、R6.12.3")))
    assert dates == ["2019-04-30", "2019-05-01", "2024-02-09", "2024-12-03"]
    assert dates_of(date_mentions("平成31年5月1日", None)) == ([], [])


def test_ranges_and_same_year_continue_the_year():
    dates, _ = dates_of(
        date_mentions(normalize("令和6年1月19日から2月9日まで。令和5年12月14日に報告、同月20日、同年12月25日に回答"))
    )
    assert dates == ["2024-01-19", "2024-02-09", "2023-12-14", "2023-12-20", "2023-12-25"]


def test_relative_dates_resolve_against_publication():
    published = date(2024, 2, 15)
    _, resolved = dates_of(
        date_mentions(
            normalize("きのう付けで返金。3年前の10月4日から31日まで。おととし。2月13日の会見。先月26日、来月"), published
        )
    )
    assert resolved == [
        ResolvedDate("きのう", "2024-02-14"),
        ResolvedDate("3年前の10月4日", "2021-10-04"),
        ResolvedDate("31日", "2021-10-31"),
        ResolvedDate("おととし", "2022"),
        ResolvedDate("2月13日", "2024-02-13"),
        ResolvedDate("先月26日", "2024-01-26"),
        ResolvedDate("来月", "2024-03"),
    ]
    assert dates_of(date_mentions("きのう", None)) == ([], [])  # nothing to resolve against


def test_corporate_numbers_with_a_wrong_check_digit_are_rejected():
    valid, rejected = extract_corporate_numbers("法人番号 7120001077523、法人番号 7120001077524")
    assert valid == ["7120001077523"]
    assert rejected[0].number == "7120001077524" and "expected 6" in rejected[0].reason


def test_organizations_full_names_abbreviations_and_no_anaphora():
    text = (
        "総務省は、西日本電信電話株式会社（以下「NTT西日本」といいます。）に対し行政指導を行った。同社は株式会社NTTドコモとは別に、"
        "地元の建設会社「北斗建設」と契約。JAXA＝宇宙航空研究開発機構。自民党石川県第3選挙区支部、あおば銀行、NTT法"
    )
    found = organizations(text)
    for name in (
        "総務省",
        "西日本電信電話株式会社",
        "NTT西日本",
        "株式会社NTTドコモ",
        "北斗建設",
        "JAXA",
        "宇宙航空研究開発機構",
        "自民党石川県第3選挙区支部",
        "あおば銀行",
    ):
        assert name in found
    for not_a_name in ("同社", "建設会社", "NTT"):
        assert not_a_name not in found


def test_bare_company_name_beside_the_full_one():
    assert organizations("東都モバイル株式会社は発表した。東都モバイルの社長は") == ["東都モバイル株式会社", "東都モバイル"]


def test_people_with_titles_before_and_after_the_name():
    found = people("西田昭二総務政務官。代表取締役社長　森林　正彰。岸田総理大臣。元日本代表の選手。金融庁あおば銀行")
    assert found == [Person("西田昭二", "総務政務官"), Person("森林正彰", "代表取締役社長"), Person("岸田", "総理大臣")]


def test_districts_and_survey_figures():
    assert extract_districts(normalize("衆議院石川3区選出、比例東海ブロック")) == ["石川3区", "比例東海"]
    figures = extract_figures(normalize("流出した顧客情報は約928万件に上る。47都道府県のうち35都道府県がCIOを任命している。"))
    assert figures == [
        Figure("流出した顧客情報", 9_280_000, "件", approximate=True),
        Figure("都道府県", 47, "都道府県", approximate=False),
        Figure("都道府県", 35, "都道府県", approximate=False, of=47),
    ]
    table = extract_figures(normalize("区分\t任命している\t任命していない\n都道府県\t38\t9\n"))
    assert [(figure.value, figure.of) for figure in table] == [(38, 47), (9, 47)]


def test_long_texts_are_tokenized_in_pieces_sudachi_accepts():
    long_text = "総務省は西日本電信電話株式会社に対し行政指導を行った。" * 3000
    assert "西日本電信電話株式会社" in extract_facts(Document("t", long_text)).organizations


def test_facts_of_a_document_use_its_publication_date():
    document = Document("寄付を返金", normalize("きのう300万円を返金"), datetime(2024, 2, 15, 7, 51, tzinfo=timezone.utc))
    facts = extract_facts(document).to_json()
    assert facts["amounts_jpy"] == [3_000_000] and facts["resolved_dates"] == [{"phrase": "きのう", "date": "2024-02-14"}]


PUBLISHED = date(2024, 2, 9)


def deadlines(text: str) -> list[tuple[str | None, str]]:
    line = normalize(text)
    return [(deadline.date, deadline.label) for deadline in extract_deadlines(line, PUBLISHED, date_mentions(line, PUBLISHED))]


def test_a_labelled_date_is_a_deadline_named_by_its_label():
    assert deadlines("意見提出期限：令和6年3月8日（金）正午") == [("2024-03-08", "意見提出期限")]
    assert deadlines("期限：令和6年3月8日までに報告すること") == [("2024-03-08", "報告期限")]


def test_a_date_before_madeni_is_a_deadline_named_by_what_is_due():
    assert deadlines("令和6年2月29日までに再発防止策の実施状況を報告するよう求めた") == [("2024-02-29", "報告期限")]
    assert deadlines("2024年3月15日までに書面で回答すること") == [("2024-03-15", "回答期限")]


def test_a_period_is_counted_from_the_publication_day():
    assert deadlines("1か月以内に報告するよう求めた") == [("2024-03-09", "報告期限")]
    assert deadlines("30日以内に改善計画を提出すること") == [("2024-03-10", "提出期限")]


def test_history_months_and_periods_of_doing_are_not_deadlines():
    assert deadlines("令和5年12月14日までに報告があった") == []  # before the publication: history
    assert deadlines("3月までに検討する") == []  # a month is not a day one can keep
    assert deadlines("令和6年2月10日から3月31日まで実施する") == []  # a period of doing, not of sending in
    assert deadlines("令和6年2月10日から3月11日まで意見を募集します") == [("2024-03-11", "意見提出期限")]
