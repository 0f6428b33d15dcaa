from datetime import date, datetime, timezone

import pytest

from monitor.jpdates import era_date, parse_jp_date, parse_jp_datetime, parse_timestamp


def test_era_boundaries():
    assert era_date("平成", 31, 4, 30) == date(2019, 4, 30)
    assert era_date("令和", 1, 5, 1) == date(2019, 5, 1)
    assert parse_jp_date("令和元年5月1日") == date(2019, 5, 1)
    assert parse_jp_date("平成元年1月8日") == date(1989, 1, 8)
    assert parse_jp_date("令和6年2月9日") == date(2024, 2, 9)


@pytest.mark.parametrize("impossible", ["平成31年5月1日", "令和元年4月30日", "昭和64年1月8日"])
def test_dates_outside_their_era_are_rejected(impossible):
    assert parse_jp_date(impossible) is None


def test_western_numeric_and_letter_forms():
    assert parse_jp_date("2024年12月5日 16時00分") == date(2024, 12, 5)
    assert parse_jp_date("公示日:2026/08/25") == date(2026, 8, 25)
    assert parse_jp_date("R6.12.3 審議会") == date(2024, 12, 3)


def test_first_date_in_the_text_wins():
    assert parse_jp_date("報道資料 令和6年2月9日 … 令和6年1月19日付け回答") == date(2024, 2, 9)


def test_jst_wall_clock_times_become_utc():
    assert parse_jp_datetime("2026年7月8日6:23") == datetime(2026, 7, 7, 21, 23, tzinfo=timezone.utc)
    assert parse_jp_datetime("2024年12月5日 16時00分") == datetime(2024, 12, 5, 7, 0, tzinfo=timezone.utc)


def test_feed_timestamps():
    assert parse_timestamp("2021-07-19T05:00:00+09:00") == datetime(2021, 7, 18, 20, 0, tzinfo=timezone.utc)
    # e-Gov's malformed dc:date (no seconds, then Z)
    assert parse_timestamp("2026-08-24T15:00:Z") == datetime(2026, 8, 24, 15, 0, tzinfo=timezone.utc)
    assert parse_timestamp("Thu, 15 Feb 2024 16:51:00 +0900") == datetime(2024, 2, 15, 7, 51, tzinfo=timezone.utc)
    # NHK's <time datetime> has no offset: it is JST
    assert parse_timestamp("2024-12-05T16:00:51") == datetime(2024, 12, 5, 7, 0, 51, tzinfo=timezone.utc)
    assert parse_timestamp("not a date") is None
