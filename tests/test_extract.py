from datetime import datetime, timezone

from monitor.extract import clean_item
from monitor.items import RawItem


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
