"""Counts in running text: a numeral with a counter (約928万件, 3万2千人, 34か所, 4市町), a numeral
with the counted noun after の (1741の市区町村, 69の委託元), a numeral after a counted subject
(事業者が105に上る), and a bare count after 中 (15市町村中 6 → 6 of 15).

Not counts: money and dates (no counter), ages, durations and streaks (6か月間, 3回連続, 20年ぶり),
ordinals and names (第217, 2度目, 467便, 4号機, きらめき3号), per-unit bases (1人当たり, 1社あたり),
thresholds (人口5万人以上, 70万人を下回る) and whatever is quoted (「1円販売」).
"""

from __future__ import annotations

import re

from monitor.facts.figure import MUNICIPALITIES, PREFECTURES, Figure
from monitor.facts.numbers import NUMERAL, parse_numeral

_COUNTERS = (
    "市区町村|都道府県|市町村|事業者|自治体|委託元|回線|店舗|製品|世帯|集落|会派|団体|道県|府県|市町|町村|"
    "か所|カ所|ヶ所|ケ所|箇所|施設|機関|人|件|社|戸|台|本|校|棟|機|例|枚|回|党|組|館|点|羽|便|発|市|県|頭|匹|隻|名|度"
)
# Kanji that may follow a counter without making a compound of it: 3万2千人分, 59万5千人減,
# 約100人態勢, 16万人超, 2万件余り, 51市町村中.
_AFTER_COUNTER = r"分|減|増|超|余|強|弱|近|程|中|前後|態勢|体制|規模"
_COUNT = re.compile(
    rf"(?P<number>{NUMERAL})(?P<unit>{_COUNTERS})"
    r"(?!目|間|連続|ぶり|あたり|当たり|につき|ごと|ずつ|以上|以下|未満|以内|を下回|を割|割れ|差)"
)
# Words a counter starts (人口, 社長, 本部, 発表, 県警): after a numeral they are not counts.
_COMPOUNDS = re.compile(
    r"人(?:口|気|材|間|事|物|権|生|件費|的|体|格|種|工|形|命|民)|件(?:数|名)|社(?:長|員|会|内|外|名|債|宅|屋)|"
    r"本(?:柱|化|部|社|店|来|格|当|土|番|線|紙|誌|文|体|質|物)|台(?:風|湾|所|帳|数|地)|点(?:検|数|滅|灯|在|字|線)|"
    r"戸(?:籍|建|外|別|数)|機(?:能|関|会|構|材|器|械|種|長|動|密|体|運)|回(?:答|収|復|避|路|転|覧)|"
    r"校(?:長|舎|庭|内|外|正|則)|組(?:織|合|長|員|閣|成)|館(?:長|内)|市(?:長|議|民|場|内|外|立|役|街|政|販)|"
    r"県(?:長|議|民|内|外|立|庁|警|連|政|道|境)|党(?:首|員|内|派|本|則)|発(?:表|生|見|言|行|売|足|電|展|射|令|明|達)|"
    r"羽(?:田|毛|織|根)|名(?:義|簿|前|称|物|誉|所|目|人|刺|古|乗)|例(?:外|年|会|文|示|題)|便(?:利|乗|宜|名|器|所)|"
    r"頭(?:取|部|目)|度(?:合|量|数)"
)
# 1741の市区町村, 計69の委託元: the counted noun after の.
_COUNT_OF_NOUN = re.compile(
    rf"(?P<number>{NUMERAL})の(?P<unit>市区町村|都道府県|市町村|自治体|事業者|委託元|団体|企業|施設|機関)"
)
# 事業者が105に上る, 「消滅可能性自治体」が744に上る: the counted noun as the subject.
_COUNT_OF_SUBJECT = re.compile(
    rf"(?P<unit>市区町村|都道府県|市町村|自治体|事業者|団体|企業)」?(?:は|が)(?:全国で)?(?P<number>{NUMERAL})"
    rf"(?=に上|に達|だった|で|と|にとどま|。)"
)
# 15市町村中 6: a bare count of a total just given.
_PART_OF = re.compile(rf"(?P<total>{NUMERAL})(?P<unit>{_COUNTERS})中\s*(?P<number>{NUMERAL})(?![0-9]|{_COUNTERS}|%)")
_APPROXIMATE_BEFORE = re.compile(r"(?:約|およそ|最大|少なくとも|延べ|推定)$")
_APPROXIMATE_AFTER = re.compile(r"^分?(?:余り|超|近く|程度|前後|強|を超え)")
_ORDINAL_BEFORE = re.compile(r"(?:第|No\.?|[A-Za-z0-9])$")
# Quoted names and slogans (「1円販売」, 「103万円の壁」); speech, which ends in kana, is read.
_TERM_QUOTE = re.compile(r"「[^「」\n]*[^「」\n\u3041-\u309f]」")
# Counters that classify (人, 件, 台) rather than name what is counted (世帯, 店舗, 自治体).
_CLASSIFIERS = frozenset("人件社戸台本校棟機例枚回組館点羽便発頭匹隻名度") | {"か所", "カ所", "ヶ所", "ケ所", "箇所"}
_PARTICLE_OR_MARK = r"[\s「」()0-9:]|の|は|が|を|に|で|と|も|や|から|まで|より|へ|など"
_PHRASE_AFTER = re.compile(r"の([^\s、。「」()0-9:をがはにでともや]{1,15})")
# Words around a count that are not what it counts: このうち before a subject, 計 or 約 before the count.
_MARKERS_BEFORE = re.compile(r"^(?:(?:この|その)?うち|全国の|合計では?)")
_MARKERS_AFTER = re.compile(r"(?:計|約|全|延べ|最大|中|あたり|当たり)+$")
_NOUN_PHRASE = re.compile(r"[\u30a1-\u30ffー\u4e00-\u9fff々A-Za-z]")
# 47都道府県のうち, 51市町村中, 12市町で、このうち: the whole a later count is part of.
_WHOLE = re.compile(rf"(?P<total>{NUMERAL})(?:{_COUNTERS}|の[^\s、。]{{1,5}})(?:のうち|中|で、?(?:この|その)うち)")
_WHOLE_REACH = 40  # characters between the whole and the part
# 全1,741団体, 1741の市区町村を対象に, 計541事業者を対象に: the whole a survey covers.
_STATED_TOTAL = re.compile(
    rf"全(?P<total>{NUMERAL})(?:団体|市区町村|自治体)|(?P<surveyed>{NUMERAL})の?(?:団体|市区町村|自治体|事業者)を対象"
)
_KANJI_NUMERAL = re.compile(r"[〇一二三四五六七八九十百千万億]+")


def running_counts(text: str, skip: list[tuple[int, int]]) -> list[tuple[int, Figure]]:
    """(position, figure) for every count of running text outside ``skip`` spans and quotes."""
    skip = skip + [(quote.start(), quote.end()) for quote in _TERM_QUOTE.finditer(text)]
    found: list[tuple[int, Figure]] = []
    for pattern in (_COUNT, _COUNT_OF_NOUN, _COUNT_OF_SUBJECT):
        for match in pattern.finditer(text):
            figure = _figure(text, match, skip)
            if figure is not None:
                found.append((match.start("number"), figure))
    for match in _PART_OF.finditer(text):
        value, total = parse_numeral(match["number"]), parse_numeral(match["total"])
        if value and total and value <= total and not _skipped(match.start(), skip):
            what = _what(text, match.start("total"), match.end("unit"), match["unit"])
            found.append((match.start("number"), Figure(what, value, "団体", False, total)))
    return found


def _figure(text: str, match: re.Match[str], skip: list[tuple[int, int]]) -> Figure | None:
    start, end = match.start("number"), match.end()
    if _skipped(start, skip) or _ORDINAL_BEFORE.search(text[:start]) or not _plain_numeral(text, match):
        return None
    if _COMPOUNDS.match(text, match.start("unit")):
        return None
    value = parse_numeral(match["number"])
    unit = match["unit"]
    if not value or unit == "便" and value >= 100:  # 467便 is a flight's number
        return None
    if unit == "度" and not text.startswith("の", end):  # 2度の行政指導; not 30度 or 震度
        return None
    approximate = bool(_APPROXIMATE_BEFORE.search(text[:start].removesuffix("計")) or _APPROXIMATE_AFTER.match(text[end:]))
    what = _what(text, start, end, unit)
    return Figure(what, value, unit, approximate, _total(text, start, what, unit, value))


def _plain_numeral(text: str, match: re.Match[str]) -> bool:
    """Kanji numerals count only when they read as numbers (約六百人, 三十団体), not in words (一人暮らし, 統一)."""
    number = match["number"]
    if not _KANJI_NUMERAL.fullmatch(number):
        return True
    before = text[match.start("number") - 1 : match.start("number")]
    return len(number) >= 2 and not re.match(r"[\u4e00-\u9fff々]", before) or before == "約"


def _skipped(position: int, spans: list[tuple[int, int]]) -> bool:
    return any(start <= position < end for start, end in spans)


def _what(text: str, start: int, end: int, unit: str) -> str:
    """The noun phrase counted: after の (34か所の指定工場), right before the count (元運転手ら12人),
    the clause's subject (流出した顧客情報は約928万件), or the counter itself."""
    clause = text[max(text.rfind(mark, 0, start) for mark in "、。\n") + 1 : start]
    after = _PHRASE_AFTER.match(text, end)
    if after and unit in _CLASSIFIERS and not after.group(1).startswith(("うち", "ほか", "中", "約", "計")):
        return after.group(1)
    before = _MARKERS_AFTER.sub("", re.split(_PARTICLE_OR_MARK, clause)[-1])
    named = len(before) >= 2 and _NOUN_PHRASE.search(before) is not None
    if unit not in _CLASSIFIERS:  # 回答した1523の自治体: the phrase qualifies the counted noun
        return (before if named else "") + unit
    if named and not re.search(r"[\u3041-\u309f](?<![らち])$", before):  # a noun, or nouns with ら
        return before
    topic = re.match(r"(.*)(?<![にでと])(?:は|が)", clause)
    subject = re.split(r"(?<![にでと])[はが]", topic.group(1))[-1] if topic else ""
    return _MARKERS_BEFORE.sub("", subject) or unit


def _total(text: str, start: int, what: str, unit: str, value: int) -> int | None:
    """The whole a count is part of: written before it (47都道府県のうち35都道府県), or every
    prefecture or municipality when those are what the bodies counted are (都道府県で31団体)."""
    window = text[max(0, start - _WHOLE_REACH - 20) : start]
    wholes = [whole for whole in _WHOLE.finditer(window) if not re.search(r"[。\n]", window[whole.end() :])]
    if wholes and len(window) - wholes[-1].end() <= _WHOLE_REACH:
        total = parse_numeral(wholes[-1]["total"])
        if total and total > value:
            return total
    if unit in ("団体", "自治体"):
        clause = text[max(text.rfind("。", 0, start), text.rfind("、", 0, start)) + 1 : start]
        if "都道府県" in clause and value <= PREFECTURES:
            return PREFECTURES
        if re.search(r"市区町村|市町村", clause) and value <= MUNICIPALITIES:
            return MUNICIPALITIES
    elif unit not in ("事業者", "市区町村"):
        return None
    stated = [parse_numeral(match["total"] or match["surveyed"]) or 0 for match in _STATED_TOTAL.finditer(text)]
    return next((total for total in stated if total > value), None)
