"""Named organizations and people, read from Sudachi tokens (split mode C keeps 総務省,
個人情報保護委員会, 西日本電信電話 and 政務官 whole).

Organizations: ministries, agencies and commissions (…省, …庁, …委員会), companies (a legal form
such as 株式会社 with the name beside it), parties and named party branches, political groups
named in quotes, and other bodies whose name ends in a body word (…機構, …銀行, …協会). An
abbreviation declared as 以下「NTT西日本」 or written as JAXA＝宇宙航空研究開発機構 is kept
beside the full name. Anaphora (同社) and generic nouns (建設会社) are not names.

People: a surname and a given name (西田昭二, 森林 正彰), or a surname with a title (岸田総理大臣),
with the title attached before or after (代表取締役社長 森林 正彰, 西田昭二総務政務官).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

from sudachipy import Dictionary, SplitMode

_MAX_SUDACHI_BYTES = 40_000  # Sudachi refuses inputs over 49,149 bytes
_SENTENCE_END = re.compile(r"(?<=[。\n])")
_LEGAL_FORMS = ("株式会社", "有限会社", "合同会社", "合資会社", "合名会社", "(株)", "(有)")
_NON_PROFIT_FORMS = re.compile(
    r"^(?:一般|公益)?(?:社団|財団)法人$|^(?:独立行政|国立大学|地方独立行政|学校|医療|社会福祉|宗教|特定非営利活動|弁護士|税理士)法人$"
)
_BODY_SUFFIX = re.compile(
    r"(?:省|庁|委員会|人事院|会計検査院|内閣府|内閣官房|機構|協会|連合会|連盟|公社|公団|銀行|信用金庫|組合|財団|研究所|大学|事業団|会議所|放送協会|取引所|党|新選組|維新の会)$"
)
_PARTIES = re.compile(
    r"(?:自由民主党|自民党|立憲民主党|立憲|公明党|日本維新の会|維新|国民民主党|日本共産党|共産党|社民党|社会民主党|れいわ新選組|参政党)$"
)
_ANAPHORA = frozenset(
    {"同社", "同省", "同庁", "同党", "同支部", "同委員会", "同機構", "当社", "貴社", "弊社", "両社", "各社", "同行", "同会"}
)
_GENERIC = frozenset(
    {
        "委員会",
        "教育委員会",
        "党",
        "支部",
        "政党",
        "会社",
        "銀行",
        "組合",
        "協会",
        "大学",
        "省",
        "庁",
        "事務所",
        "政府",
        "国",
        "自治体",
    }
)
_NAME_AFTER_FORM = re.compile(r"([^\s、。,()「」・]{2,30}?)(?=に|は|が|を|から|と|の|へ|で|も|[()、。,\s]|$)")
# 私立大学, 地方銀行: a kind of body, not one body.
_GENERIC_KIND = re.compile(
    r"^(?:私立|国立|公立|県立|市立|地方|大手|中小|民間|外資|都市|地域|第二地方|ネット)(?:大学|銀行|信用金庫|病院|協会|組合)$"
)
_ACRONYM_BODIES = frozenset({"NHK", "JAXA", "NTT", "KDDI", "JR", "JA", "JICA", "JETRO", "NEXCO", "OECD", "WHO", "IMF"})
# Bodies whose names follow no rule above (センター is also a kind of place; 日銀 has no suffix).
_KNOWN_BODIES = re.compile(
    r"国民生活センター|日本銀行|日銀|日本取引所グループ|東京証券取引所|東証|日本郵便|日本年金機構|国立印刷局"
)
_REGIONAL_OFFICE = re.compile(r"(?:運輸局|総合通信局|財務局|経済産業局|整備局|厚生局|農政局|労働局|通信局)$")
_ABBREVIATION = re.compile(r"以下[,、]?\s*「([^」]{1,30})」")
_EQUALS = re.compile(r"([A-Za-z][A-Za-z0-9&.\-]{1,15})=([^\s、。()「」]{2,40})")
_QUOTED_GROUP = re.compile(
    r"(?:政治団体|資金管理団体|後援会|政治資金団体|会社|企業|業者|メーカー|事業者|法人)[「『]([^」』]{2,40})[」』]"
)
_QUOTED_COMPANY = re.compile(
    r"[「『]([^」』]{1,30}(?:建設|建工|土木|舗装|電設|設備|工業|開発|組|工務店|商事|産業|製作所|興業|物産|運送|不動産|ホールディングス|グループ))[」』]"
)
# Institution words that end a name Sudachi splits into common nouns (あおば + 銀行, 北斗 + 鉄道).
_INSTITUTION_WORDS = frozenset(
    {
        "銀行",
        "信用金庫",
        "信用組合",
        "鉄道",
        "機構",
        "協会",
        "連合会",
        "財団",
        "放送",
        "航空",
        "証券",
        "保険",
        "電力",
        "病院",
        "新聞",
        "電機",
    }
)
_GENERIC_NAME_PARTS = frozenset(
    {
        "地元",
        "大手",
        "民間",
        "国内",
        "海外",
        "地方",
        "全国",
        "中小",
        "公共",
        "ネット",
        "テレビ",
        "日本",
        "外資",
        "主要",
        "大規模",
        "都市",
        "地域",
        "民放",
        "国際",
        "公営",
    }
)
_NOT_A_NAME_AFTER = frozenset({"法", "法律", "会社", "事業者", "業界", "局", "番組", "事業", "各社", "サービス", "制度", "料金"})

_TITLES = (
    "内閣総理大臣",
    "総理大臣",
    "首相",
    "官房長官",
    "副大臣",
    "大臣政務官",
    "政務官",
    "大臣",
    "衆議院議員",
    "参議院議員",
    "議員",
    "副知事",
    "知事",
    "市長",
    "町長",
    "村長",
    "区長",
    "代表取締役社長",
    "代表取締役会長",
    "代表取締役",
    "社長",
    "副社長",
    "会長",
    "副会長",
    "理事長",
    "委員長",
    "幹事長",
    "政調会長",
    "総務会長",
    "党首",
    "総裁",
    "代表理事",
    "代表",
    "事務次官",
    "長官",
    "局長",
    "議長",
    "事務局長",
    "頭取",
    "監督",
    "教授",
)
_MINISTRY_PREFIXES = (
    "総務",
    "財務",
    "外務",
    "法務",
    "文部科学",
    "厚生労働",
    "農林水産",
    "経済産業",
    "国土交通",
    "環境",
    "防衛",
    "内閣府",
    "デジタル",
)
_HONORIFICS = ("氏", "さん", "様")
# Titles that only a person holds (代表 or 監督 may follow a team or a place).
_PERSONAL_TITLES = frozenset(
    {
        "内閣総理大臣",
        "総理大臣",
        "首相",
        "官房長官",
        "副大臣",
        "政務官",
        "大臣",
        "衆議院議員",
        "参議院議員",
        "議員",
        "知事",
        "市長",
        "町長",
        "村長",
        "社長",
        "会長",
        "理事長",
        "幹事長",
    }
) | {prefix + title for prefix in _MINISTRY_PREFIXES for title in ("大臣", "政務官", "副大臣")}
_KANJI = re.compile(r"[\u4e00-\u9fff々]")


@dataclass(frozen=True)
class Person:
    name: str
    title: str | None


class _Token:
    __slots__ = ("surface", "pos", "start", "end")

    def __init__(self, surface: str, pos: tuple[str, ...], start: int) -> None:
        self.surface = surface
        self.pos = pos
        self.start = start
        self.end = start + len(surface)

    @property
    def surname(self) -> bool:
        return self.pos[1] == "固有名詞" and self.pos[2] == "人名" and self.pos[3] in ("姓", "一般")

    @property
    def given_name(self) -> bool:
        return self.pos[1] == "固有名詞" and self.pos[2] == "人名" and self.pos[3] == "名"

    @property
    def place(self) -> bool:
        return self.pos[1] == "固有名詞" and self.pos[2] == "地名"


@lru_cache(maxsize=1)
def _sudachi() -> tuple[Dictionary, object, dict[int, tuple[str, ...]]]:
    dictionary = Dictionary(dict="core")
    return dictionary, dictionary.tokenizer(), {}


def tokenize(text: str) -> list[_Token]:
    """Sudachi split mode C tokens of NFKC text, fed in chunks that Sudachi accepts."""
    dictionary, tokenizer, pos_cache = _sudachi()
    tokens: list[_Token] = []
    offset = 0
    for chunk in _chunks(text):
        for morpheme in tokenizer.tokenize(chunk, SplitMode.C):
            pos_id = morpheme.part_of_speech_id()
            pos = pos_cache.get(pos_id)
            if pos is None:  # a few hundred distinct parts of speech: look each up once
                pos = pos_cache[pos_id] = tuple(dictionary.pos_of(pos_id)[:4])
            tokens.append(_Token(morpheme.surface(), pos, offset + morpheme.begin()))
        offset += len(chunk)
    return tokens


def _chunks(text: str) -> list[str]:
    """Pieces under Sudachi's byte limit, cut at sentence ends (a lone giant sentence by length)."""
    chunks: list[str] = []
    current: list[str] = []
    size = 0
    for sentence in _SENTENCE_END.split(text):
        while len(sentence.encode("utf-8")) > _MAX_SUDACHI_BYTES:
            cut = _MAX_SUDACHI_BYTES // 4  # at most 4 bytes a character
            _flush(chunks, current)
            current, size = [], 0
            chunks.append(sentence[:cut])
            sentence = sentence[cut:]
        sentence_bytes = len(sentence.encode("utf-8"))
        if size + sentence_bytes > _MAX_SUDACHI_BYTES:
            _flush(chunks, current)
            current, size = [], 0
        current.append(sentence)
        size += sentence_bytes
    _flush(chunks, current)
    return chunks


def _flush(chunks: list[str], parts: list[str]) -> None:
    if parts:
        chunks.append("".join(parts))


# Organizations -------------------------------------------------------------------------------


def extract_organizations(text: str, tokens: Sequence[_Token]) -> list[str]:
    found: list[str] = []
    index = 0
    while index < len(tokens):
        name, index = _organization_at(tokens, index, text)
        if name:
            found.append(name)
    found += _QUOTED_GROUP.findall(text) + _QUOTED_COMPANY.findall(text) + _KNOWN_BODIES.findall(text)
    found += _bare_company_names(text, found)
    found += [name for name in _ABBREVIATION.findall(text) if not _looks_like_a_term(name)]
    for short, long in _EQUALS.findall(text):
        if _BODY_SUFFIX.search(long) or short in _ACRONYM_BODIES:
            found += [short, long]
    return [name for name in dict.fromkeys(found) if name not in _ANAPHORA and name not in _GENERIC]


def _organization_at(tokens: Sequence[_Token], index: int, text: str) -> tuple[str | None, int]:
    """The organization named at ``index`` (or None), and the index after it."""
    token = tokens[index]
    following = index + 1
    if token.surface in _LEGAL_FORMS:
        return _company(tokens, index, text)
    if _NON_PROFIT_FORMS.match(token.surface):
        after, end = _noun_run(tokens, following, forward=True)
        return (token.surface + after if after else None), end
    if token.pos[0] != "名詞" or token.surface in _ANAPHORA:
        return None, following
    if _PARTIES.search(token.surface):
        return _party_branch(tokens, index) or token.surface, following
    if token.surface in _ACRONYM_BODIES:
        # Only standing alone: NTT法 names a law, NTTマーケティング… is another company's name.
        joined = following < len(tokens) and tokens[following].start == token.end and tokens[following].pos[0] == "名詞"
        return (None if joined else token.surface), following
    if _REGIONAL_OFFICE.search(token.surface) or (token.surface == "局" and index >= 2 and tokens[index - 2].place):
        return _regional_office(tokens, index), following
    if token.surface in _INSTITUTION_WORDS:
        return _split_institution(tokens, index), following
    if _BODY_SUFFIX.search(token.surface) and token.surface not in _GENERIC and not _GENERIC_KIND.match(token.surface):
        if token.surface.endswith("委員会") and index > 0 and tokens[index - 1].place:
            return tokens[index - 1].surface + token.surface, following  # 石川県教育委員会 is named by its place
        return (token.surface if token.pos[1] == "固有名詞" or len(token.surface) > 2 else None), following
    return None, following


def _bare_company_names(text: str, names: list[str]) -> list[str]:
    """東都モバイル beside 東都モバイル株式会社: a company's name without its legal form, where it stands alone."""
    bare: list[str] = []
    for name in names:
        for form in _LEGAL_FORMS:
            short = name.removeprefix(form).removesuffix(form) if form in name else ""
            if (
                len(short) >= 2
                and short != name
                and re.search(rf"{re.escape(short)}(?!{'|'.join(map(re.escape, _LEGAL_FORMS))})", text.replace(name, ""))
            ):
                bare.append(short)
    return bare


def _split_institution(tokens: Sequence[_Token], index: int) -> str | None:
    """あおば + 銀行, 地域情報化推進 + 機構: a short run of name tokens right before an institution word."""
    following = tokens[index + 1].surface if index + 1 < len(tokens) else ""
    if following in _NOT_A_NAME_AFTER or following in _LEGAL_FORMS:
        return None  # 放送法, 鉄道会社: not a name; 九州ケーブル放送株式会社: the company rule reads it
    start = index
    while start > 0 and index - start < 4:
        previous = tokens[start - 1]
        if (
            previous.end != tokens[start].start
            or previous.pos[0] not in ("名詞", "接尾辞", "接頭辞")
            or previous.pos[1] == "数詞"
        ):
            break
        if _BODY_SUFFIX.search(previous.surface):
            break
        start -= 1
    name_parts = [token.surface for token in tokens[start:index]]
    if not name_parts or all(part in _GENERIC_NAME_PARTS for part in name_parts):
        return None
    return "".join(name_parts) + tokens[index].surface


def _company(tokens: Sequence[_Token], index: int, text: str) -> tuple[str | None, int]:
    """株式会社 with the name after it (株式会社NTTドコモ) or before it (西日本電信電話株式会社)."""
    form = tokens[index].surface
    before, _ = _noun_run(tokens, index - 1, forward=False)
    if before and tokens[index - 1].end == tokens[index].start:
        return before + form, index + 1
    nxt = tokens[index + 1] if index + 1 < len(tokens) else None
    if nxt is not None and nxt.pos[0] == "助詞" and nxt.start == tokens[index].end:
        # 株式会社にじいろ保険: Sudachi reads the name's first kana as a particle; read the text instead.
        name = _NAME_AFTER_FORM.match(text, tokens[index].end)
        if name:
            end = next((i for i in range(index + 1, len(tokens)) if tokens[i].start >= name.end()), len(tokens))
            return form + name.group(1), end
    after, end = _noun_run(tokens, index + 1, forward=True, in_company=True)
    return (form + after if after else None), end


def _noun_run(tokens: Sequence[_Token], index: int, *, forward: bool, in_company: bool = False) -> tuple[str, int]:
    """The contiguous name-like tokens from ``index`` (stopping at particles, punctuation, spaces),
    and the index just past them in the direction read. After 株式会社 any word goes (ほしぞら
    reads as a verb and a noun) until a particle or punctuation ends the name."""
    parts: list[_Token] = []
    step = 1 if forward else -1
    while 0 <= index < len(tokens):
        token = tokens[index]
        fits = _name_part(token) or (in_company and token.pos[0] not in ("助詞", "助動詞", "補助記号", "空白", "接続詞"))
        if not fits or (parts and _gap(parts[-1], token, forward)):
            break
        parts.append(token)
        index += step
    if not forward:
        parts.reverse()
    while (
        parts
        and parts[0].pos[1] == "普通名詞"
        and parts[0].surface in ("地元", "大手", "同", "当", "各", "国内", "海外", "子会社", "親会社")
    ):
        parts.pop(0)
    return "".join(token.surface for token in parts), index


def _name_part(token: _Token) -> bool:
    if token.pos[0] == "名詞" and token.pos[1] != "代名詞":
        return token.surface not in _ANAPHORA and not token.surface.startswith(("同", "当"))
    return token.pos[0] in ("接尾辞", "接頭辞") or (token.pos[0] == "補助記号" and token.surface in ("・", "&", "-"))


def _gap(previous: _Token, token: _Token, forward: bool) -> bool:
    return (token.start != previous.end) if forward else (previous.start != token.end)


def _party_branch(tokens: Sequence[_Token], index: int) -> str | None:
    """自民党石川県第3選挙区支部: a party with the place, district and 支部 that follow it directly."""
    parts = [tokens[index].surface]
    named = False  # 自民党支部 or 公明党県連 alone name no particular branch
    for token in tokens[index + 1 : index + 9]:
        if token.pos[0] not in ("名詞", "接頭辞", "接尾辞") or token.start != len("".join(parts)) + tokens[index].start:
            return None
        if token.surface in ("支部", "総支部", "県連", "支部連合会"):
            return "".join(parts) + token.surface if named else None
        named = named or token.place or token.pos[1] == "数詞" or token.surface in ("第", "選挙区")
        parts.append(token.surface)
    return None


def _regional_office(tokens: Sequence[_Token], index: int) -> str:
    start = index
    while start > 0 and tokens[start - 1].pos[0] == "名詞" and tokens[start - 1].end == tokens[start].start and index - start < 3:
        start -= 1
        if tokens[start].place:
            break
    return "".join(token.surface for token in tokens[start : index + 1])


def _looks_like_a_term(name: str) -> bool:
    """以下「本件」, 「事業法」, 「ガイドライン」: defined terms that are not bodies."""
    return bool(re.search(r"(?:法|令|規則|ガイドライン|指針|計画|本件|事案|事業|業務|契約|システム|報告|制度)$", name))


# People --------------------------------------------------------------------------------------


def extract_people(tokens: Sequence[_Token]) -> list[Person]:
    people: dict[str, Person] = {}
    index = 0
    while index < len(tokens):
        found = _person_at(tokens, index)
        if found is None:
            index += 1
            continue
        person, consumed = found
        if person.name not in people or (people[person.name].title is None and person.title):
            people[person.name] = person
        index += consumed
    full_names = [name for name in people if len(name) > 2]
    return [
        person
        for name, person in people.items()
        if not any(full != name and full.startswith(name) for full in full_names)  # 西田 is 西田昭二
    ]


def _person_at(tokens: Sequence[_Token], index: int) -> tuple[Person, int] | None:
    token = tokens[index]
    next_index = _skip_space(tokens, index + 1)
    following = tokens[next_index] if next_index < len(tokens) else None
    spaced = next_index > index + 1
    if following is not None and following.given_name and _KANJI.search(following.surface) and _could_be_surname(token, spaced):
        name, end = token.surface + following.surface, next_index + 1
    elif token.surname and _title_after(tokens, index + 1)[0]:
        name, end = token.surface, index + 1
    elif token.place and _title_after(tokens, index + 1)[0] in _PERSONAL_TITLES:
        name, end = token.surface, index + 1  # 西田総務政務官: Sudachi reads 西田 as a place here
    else:
        return None
    title, after = _title_after(tokens, end)
    title = title or _title_before(tokens, index)
    return Person(name, title), max(after, end) - index


def _could_be_surname(token: _Token, spaced: bool) -> bool:
    """A surname before a given name: tagged as one, or (森林 正彰) a short kanji noun set off by a space."""
    if token.surname or token.place:
        return True
    return (
        spaced
        and token.pos[0] == "名詞"
        and 1 <= len(token.surface) <= 3
        and bool(re.fullmatch(r"[\u4e00-\u9fff々]+", token.surface))
    )


def _skip_space(tokens: Sequence[_Token], index: int) -> int:
    return index + 1 if index < len(tokens) and tokens[index].pos[0] == "空白" else index


def _title_after(tokens: Sequence[_Token], index: int) -> tuple[str | None, int]:
    """A title right after a name (総務政務官, 衆議院議員); honorifics (氏) end the name without a title."""
    if index >= len(tokens):
        return None, index
    first = tokens[index]
    if first.surface in _HONORIFICS:
        return None, index + 1
    if first.surface in _MINISTRY_PREFIXES and index + 1 < len(tokens) and tokens[index + 1].surface in _TITLES:
        return first.surface + tokens[index + 1].surface, index + 2
    if first.surface in ("衆議院", "参議院") and index + 1 < len(tokens) and tokens[index + 1].surface == "議員":
        return first.surface + "議員", index + 2
    if first.surface in _TITLES:
        return first.surface, index + 1
    return None, index


def _title_before(tokens: Sequence[_Token], index: int) -> str | None:
    """A title right before a name: 代表取締役社長 森林 正彰, 総務政務官の西田昭二."""
    position = index - 1
    if position >= 0 and tokens[position].pos[0] == "空白":
        position -= 1
    if position >= 0 and tokens[position].surface == "の":
        position -= 1
    if position < 0 or tokens[position].surface not in _TITLES:
        return None
    title = tokens[position].surface
    if position > 0 and tokens[position - 1].surface in _MINISTRY_PREFIXES:
        title = tokens[position - 1].surface + title
    return title
