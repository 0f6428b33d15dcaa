"""Slot values for the corpus generator: all invented, split into a train and a test half so that
the test split names people, companies and places the model never saw."""

from __future__ import annotations

import random
from dataclasses import dataclass

from monitor.facts.identifiers import check_digit


def corporate_number(rng: random.Random) -> str:
    body = "".join(str(rng.randint(0, 9)) for _ in range(12))
    return f"{check_digit(body)}{body}"


@dataclass(frozen=True)
class Politician:
    name: str
    surname: str
    title: str
    district: str
    prefecture: str
    party: str


@dataclass(frozen=True)
class Company:
    name: str  # as written, legal form included
    short: str  # the abbreviation a release declares (以下「…」)
    ceo: str
    city: str
    number: str


_POLITICIANS = {
    "train": [
        ("山本", "一郎", "石川", "3"),
        ("佐々木", "健太", "福岡", "2"),
        ("高橋", "誠", "新潟", "4"),
        ("中村", "和彦", "岡山", "1"),
        ("小林", "正人", "長野", "5"),
        ("加藤", "裕子", "愛知", "7"),
        ("吉田", "浩二", "宮城", "3"),
        ("松本", "大輔", "熊本", "2"),
        ("井上", "直樹", "静岡", "6"),
        ("木村", "拓也", "群馬", "1"),
        ("清水", "修", "三重", "2"),
        ("森田", "洋平", "広島", "4"),
    ],
    "test": [
        ("橋本", "聡", "富山", "2"),
        ("石井", "誠一", "千葉", "9"),
        ("前田", "智子", "鹿児島", "3"),
        ("藤田", "健", "茨城", "5"),
        ("岡田", "典子", "香川", "1"),
        ("村上", "大樹", "秋田", "2"),
        ("近藤", "雅彦", "岐阜", "4"),
        ("遠藤", "隆", "山形", "3"),
    ],
}
_TITLES = ["衆議院議員", "総務政務官", "経済産業副大臣", "衆議院議員", "国土交通政務官", "衆議院議員"]
_PARTIES = {"train": ["自民党", "立憲民主党", "公明党"], "test": ["自民党", "日本維新の会", "国民民主党"]}

_BUILDERS = {
    "train": ["北斗建設", "大和土木", "みなと工業", "青葉建設", "東邦開発", "松風組", "ひばり建設", "丸山工務店"],
    "test": ["白山建設", "若葉土木", "朝日舗装", "千代田組", "さくら建工", "日進開発"],
}
_COMPANIES = {
    "train": [
        ("東都モバイル株式会社", "東都モバイル"),
        ("株式会社みらいコム", "みらいコム"),
        ("九州ケーブル放送株式会社", "九州ケーブル放送"),
        ("中部データリンク株式会社", "中部データリンク"),
        ("株式会社ひかりペイ", "ひかりペイ"),
        ("関東交通株式会社", "関東交通"),
        ("株式会社サンライズ航空", "サンライズ航空"),
        ("あおば通信株式会社", "あおば通信"),
        ("株式会社ネットステージ", "ネットステージ"),
    ],
    "test": [
        ("北陸テレコム株式会社", "北陸テレコム"),
        ("株式会社そよかぜネット", "そよかぜネット"),
        ("瀬戸内フェリー株式会社", "瀬戸内フェリー"),
        ("株式会社にじいろ保険", "にじいろ保険"),
        ("東海ライフライン株式会社", "東海ライフライン"),
        ("株式会社アクアクラウド", "アクアクラウド"),
    ],
}
_CEOS = {
    "train": ["佐藤 健一", "鈴木 一郎", "田中 良子", "伊藤 誠", "渡辺 隆", "山田 修", "中島 浩", "斎藤 明"],
    "test": ["西村 拓", "原田 美紀", "坂本 純", "増田 剛", "青木 彩", "松井 亮"],
}
_CITIES = {
    "train": ["東京都千代田区", "大阪府大阪市", "福岡県福岡市", "愛知県名古屋市"],
    "test": ["宮城県仙台市", "広島県広島市", "北海道札幌市"],
}
_BANKS = {"train": ["あおば銀行", "みずなみ銀行", "東西信用金庫"], "test": ["ひまわり銀行", "北海しんきん銀行"]}
_CITY_NAMES = {"train": ["金沢市", "新潟市", "熊本市", "高松市", "前橋市"], "test": ["富山市", "秋田市", "松江市", "函館市"]}


def politicians(split: str, rng: random.Random) -> list[Politician]:
    result = []
    for (surname, given, prefecture, number), title in zip(_POLITICIANS[split], _TITLES * 3, strict=False):
        result.append(
            Politician(surname + given, surname, title, f"{prefecture}{number}区", prefecture, rng.choice(_PARTIES[split]))
        )
    return result


def companies(split: str, rng: random.Random) -> list[Company]:
    return [
        Company(name, short, rng.choice(_CEOS[split]), rng.choice(_CITIES[split]), corporate_number(rng))
        for name, short in _COMPANIES[split]
    ]


def builders(split: str) -> list[str]:
    return list(_BUILDERS[split])


def banks(split: str) -> list[str]:
    return list(_BANKS[split])


def city_names(split: str) -> list[str]:
    return list(_CITY_NAMES[split])
