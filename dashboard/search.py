"""Free text as the store searches it: NFKC, split at spaces, each word with the other names of
the company it names (西日本電信電話 finds NTT西日本's items, and the reverse)."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from monitor.jpdates import JST
from monitor.store.search import ItemFilter, Term
from monitor.text import normalize

# Companies that press releases and news name in more than one way: the registered name, the
# short name the company itself uses, and the brand. Written as NFKC text (as items are stored).
_COMPANY_NAMES = (
    ("西日本電信電話", "NTT西日本", "エヌ・ティ・ティ西日本"),
    ("東日本電信電話", "NTT東日本", "エヌ・ティ・ティ東日本"),
    ("日本電信電話", "NTT持株", "エヌ・ティ・ティ株式会社"),
    ("NTTドコモ", "エヌ・ティ・ティ・ドコモ", "ドコモ"),
    ("NTTコミュニケーションズ", "エヌ・ティ・ティ・コミュニケーションズ", "NTTコム"),
    ("KDDI", "ケイディーディーアイ"),
    ("ソフトバンク", "SoftBank"),
    ("楽天モバイル", "Rakuten Mobile"),
    ("日本放送協会", "NHK"),
    ("LINEヤフー", "LINE Yahoo"),
    ("日本航空", "JAL"),
    ("全日本空輸", "ANA"),
)
_OTHER_NAMES = {name: names for names in _COMPANY_NAMES for name in names}


def terms(text: str) -> tuple[Term, ...]:
    """``NTT西日本 行政指導`` → (("NTT西日本", "西日本電信電話", …), ("行政指導",))."""
    words = dict.fromkeys(normalize(text).split())
    return tuple(_alternatives(word) for word in words)


def _alternatives(word: str) -> Term:
    names = _OTHER_NAMES.get(word, ())
    return (word, *(name for name in names if name != word))


def day_start(day: date | None) -> datetime | None:
    """The start of a JST day, for a filter by date."""
    return datetime.combine(day, time(), JST) if day else None


def item_filter(text: str | None, category: str | None, source: str | None, since: date | None, until: date | None) -> ItemFilter:
    """``until`` includes its whole day."""
    return ItemFilter(
        text=terms(text or ""),
        category=category or None,
        source_id=source or None,
        since=day_start(since),
        until=day_start(until + timedelta(days=1)) if until else None,
    )
