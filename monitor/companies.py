"""Companies that press releases and news name in more than one way: each group is one company's
registered name, the short name it uses itself and its brand, as NFKC text (as items are stored).

The watchlists (monitor.watch) match any name of a watched company, and the dashboard's search
(dashboard.search) finds an item by any of them. A group is one company only: 日本電信電話 is the
holding company, not NTT西日本, and 西日本鉄道 is a railway.
"""

from __future__ import annotations

from collections.abc import Iterable

KNOWN_COMPANIES: tuple[frozenset[str], ...] = tuple(
    frozenset(group)
    for group in (
        {"NTT西日本", "西日本電信電話", "エヌ・ティ・ティ西日本"},
        {"NTT東日本", "東日本電信電話", "エヌ・ティ・ティ東日本"},
        {"NTT", "日本電信電話", "NTT持株"},
        {"NTTドコモ", "NTT docomo", "エヌ・ティ・ティ・ドコモ", "ドコモ"},
        {"NTTデータ", "エヌ・ティ・ティ・データ"},
        {"NTTコミュニケーションズ", "エヌ・ティ・ティ・コミュニケーションズ", "NTTコム"},
        {"KDDI", "ケイディーディーアイ"},
        {"ソフトバンク", "SoftBank"},
        {"楽天モバイル", "Rakuten Mobile"},
        {"LINEヤフー", "LINE Yahoo"},
        {"JR東日本", "東日本旅客鉄道"},
        {"JR西日本", "西日本旅客鉄道"},
        {"JR東海", "東海旅客鉄道"},
        {"NHK", "日本放送協会"},
        {"日本郵便", "JP日本郵便"},
        {"日本航空", "JAL"},
        {"全日本空輸", "ANA"},
    )
)


def company_names(name: str, companies: Iterable[frozenset[str]] = KNOWN_COMPANIES) -> list[str]:
    """Every name of each company ``name`` is a name of (letters compared without case), none when
    it names no company of ``companies``: NTT西日本 → NTT西日本, エヌ・ティ・ティ西日本, 西日本電信電話."""
    folded = name.casefold()
    return [other for group in companies if folded in {n.casefold() for n in group} for other in sorted(group)]
