"""Whether a compound names one organization, read from its head (the words it ends with) and
from what comes before the head.

Each kind of body has heads and a condition on the rest of the name:

- government (総務省, 警視庁), assemblies (国会, 衆院, 石川県議会), courts (東京地裁, 最高裁),
  prosecutors (東京地検), police (大阪府警): the head and, for the local ones, a place;
- councils and committees (中央教育審議会, 第三者委員会, 有識者会議, 公取委): a qualifier that is
  not generic (委員会, 小委員会 and 本会議 name no particular body);
- units of a body (総務省総合通信基盤局, 警視庁捜査2課, 大阪府警住之江署, 関東総合通信局): a
  parent body or a place before the unit;
- parties (自民党), their branches (自民党石川県連, 立憲民主党神奈川県第5区総支部: the party with a
  place or district), 後援会 and factions (安倍派) with the name before them;
- schools (東京大学, 金沢市立泉中学校), associations (日本国際博覧会協会) and companies
  (西日本電信電話株式会社, 東和精機, 関西電力送配電): a name-like part (a proper noun, a place,
  a name in kana or Latin letters) before the head;
- a proper noun Sudachi knows (関西電力, NTTドコモ, 日本銀行), unless it is an era, an event, a
  law or a place.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from enum import Enum

from monitor.facts.tokens import Token


class Kind(Enum):
    SITTING = "sitting"  # 本会議, 通常国会: never a body
    COMPANY_FORM = "company_form"
    LOCAL_BOARD = "local_board"
    COURT = "court"
    PROSECUTOR = "prosecutor"
    POLICE = "police"
    GOVERNMENT = "government"
    CABINET = "cabinet"
    ASSEMBLY = "assembly"
    COUNCIL = "council"
    PARTY_BRANCH = "party_branch"
    SUPPORTERS = "supporters"
    FACTION = "faction"
    PARTY = "party"
    UNIT = "unit"
    SCHOOL = "school"
    ASSOCIATION = "association"
    COMPANY = "company"
    NAMED = "named"


# Heads, tried in this order on the text that ends at a token boundary.
_HEADS: tuple[tuple[Kind, re.Pattern[str]], ...] = tuple(
    (kind, re.compile(f"(?:{pattern})$"))
    for kind, pattern in (
        # Sittings and stages of a trial: 本会議, 通常国会, 控訴審.
        (
            Kind.SITTING,
            r"本会議|(?:通常|臨時|特別|今|次期|前|延長)国会|第[0-9]+.*国会|総会|会合|大会|"
            r"(?:控訴|上告|差し?戻し|[一二三]|再|結|初|前|原|陪|不)審",
        ),
        (Kind.COMPANY_FORM, r"株式会社|有限会社|合同会社|合資会社|合名会社"),
        (Kind.LOCAL_BOARD, r"教育委員会|教委|選挙管理委員会|選管"),
        (Kind.COURT, r"最高裁判所|最高裁|(?:地方|高等|家庭|簡易)?裁判所|[地高家簡]裁"),
        (Kind.PROSECUTOR, r"最高検|[地高]検|検察庁"),
        (Kind.POLICE, r"[都道府県]警|警視庁|警察庁"),
        (Kind.GOVERNMENT, r"省|庁|内閣府|内閣官房|人事院|会計検査院"),
        (Kind.CABINET, r"内閣"),
        (Kind.ASSEMBLY, r"国会|衆院|参院|衆議院|参議院|議会"),
        (Kind.COUNCIL, r"委員会|委|審議会|審|会議|検討会|懇談会|協議会|研究会|調査会|WG|ワーキンググループ"),
        (Kind.PARTY_BRANCH, r"[都道府県]連|総支部|支部"),
        (Kind.SUPPORTERS, r"後援会"),
        (Kind.FACTION, r"派"),
        (Kind.PARTY, r"党|維新の会|新選組"),
        (
            Kind.UNIT,
            r"局|特捜部|本部|部会|分科会|部|課|室|署|隊|支社|支店|事務局|気象台|大学院|研究科|研究域|学部|小法廷|大法廷",
        ),
        (Kind.SCHOOL, r"大学|高等学校|高校|中学校|小学校|学園|学院|研究所|(?<=立.)(?:中|小|高)|(?<=立..)(?:中|小|高)"),
        (Kind.ASSOCIATION, r"機構|協会|連合会|連合|連盟|基金|会議所|取引所|組合|公社|公団|事業団|財団|教会|会"),
        (
            Kind.COMPANY,
            # Words that end a company's name (東和精機, 丸高建設, 広島みどり交通, ゼニスキャピタル).
            r"電力|送配電|製薬|精機|精工|建設|建工|工業|重工|工務店|組|商事|物産|産業|興業|製作所|電機|電気|電工|化学|"
            r"製鉄|鉄鋼|製紙|食品|フーズ|商会|ハウジング|ホーム|不動産|証券|銀行|信用金庫|信金|生命|損保|保険|交通|"
            r"運輸|運送|ロジスティクス|エクスプレス|航空|空輸|鉄道|電鉄|通信|通信社|新聞|新聞社|放送|"
            r"ホールディングス|グループ|コーポレーション|システムズ|ソリューションズ|テクノロジーズ|テック|ラボ|"
            r"キャピタル|トラベル|ガス|でんき|エナジー|リサーチ|データバンク|スチール|モーター|モーターズ|"
            r"自動車|モバイル|サービス|クラウド|ビットコイン",
        ),
    )
)
# Words that, right after a body's name, make the compound something else: a member (自衛隊員),
# an aircraft (日航機), a law (NTT法), both companies (NTT東西), a place inside (国会内).
_DERIVED = re.compile(r"^(?:.{0,2}員|機(?!長)|生|法|令|東西|系|製|内)")
# Facilities named after their owner (北陸電力志賀原子力発電所, JR吉田駅, 福井県庁) are places.
_FACILITY_WORDS = r"駅|空港|港|線|原発|発電所|号機|工場|庁舎|県庁|都庁|府庁|道庁|役場|役所|官邸|会館|ビル"
_FACILITY = re.compile(f"(?:{_FACILITY_WORDS})$")
_FACILITY_WORD = re.compile(_FACILITY_WORDS)
# Proper nouns Sudachi knows that are not bodies: eras, events, laws, places, facilities, kinds.
_NOT_A_BODY = re.compile(
    r"^(?:令和|平成|昭和|大正|明治|[A-Z]|BTC|ETH)$|"
    r"(?:地震|震災|災害|事故|事件|台風|豪雨|選挙|戦争|万博|博覧会|五輪|法|令|条例|納税|空港|駅|港|線|神社|寺|城|公園|"
    r"山|岳|川|湖|島|半島|ハウス|タワー|ドーム|センター|賞|杯|祭)$|"
    r"^(?:私立|公立|国立|県立|市立|都立|府立)(?:大学|高校|学校|中学校|小学校)$"
)
# Qualifiers that name no particular body: 小委員会, 同委員会, 本会議, 各党, 与党.
_GENERIC_QUALIFIERS = frozenset(
    {
        "小",
        "同",
        "各",
        "当",
        "本",
        "両",
        "親",
        "子",
        "専門",
        "特別",
        "常任",
        "全体",
        "合同",
        "与",
        "野",
        "政",
        "新",
        "一",
        "二",
        "三",
        "再",
        "不",
        "陪",
        "結",
        "初",
        "臨時",
        "定時",
        "定例",
        "緊急",
        "首脳",
        "国際",
        "同会",
        "大",
    }
)
_GENERIC_FACTIONS = re.compile(r"(?:主流|反主流|反対|賛成|推進|慎重|改革|保守|穏健|強硬|無|宗|学|流|党|右|左|一|分)$")
_PARTY_NAMES = re.compile(
    r"^(?:自由民主党|自民党|自民|立憲民主党|立憲|立民|公明党|公明|日本維新の会|維新|国民民主党|日本共産党|共産党|共産|"
    r"社民党|社会民主党|れいわ新選組|れいわ|参政党)$"
)
# Abbreviated parties written alone stand for the party only as 維新 does; 自民, 公明 and 共産
# alone are read as parties by Sudachi already, and 国民 or 立憲 alone are ordinary words.
_PARTY_WORDS_ALONE = frozenset({"維新"})
_GENERIC_KATAKANA = frozenset({"ネット", "インターネット", "オンライン", "デジタル", "モバイル", "クラウド", "ガス", "サービス"})
_LATIN_OR_KANA = re.compile(r"[A-Za-z0-9&.\-]+|[\u3041-\u309f]+|[\u30a1-\u30ffー]+")
# Bodies whose names follow no rule: news agencies named like their trade (共同通信, 時事通信).
_WELL_KNOWN = frozenset({"共同通信", "共同通信社", "時事通信", "時事通信社", "国民生活センター"})
_SCHOOL_FOUNDERS = re.compile(r"^(?:.*[都道府県市区町村]|私|公|国)立")


def head_kind(text: str) -> tuple[Kind, int] | None:
    """The kind of body whose head ``text`` ends with, and where the head starts."""
    for kind, head in _HEADS:
        match = head.search(text)
        if match:
            return kind, match.start()
    return None


def derived(tail: str) -> bool:
    """Whether ``tail``, written right after a body's name, makes the compound another thing."""
    return bool(_DERIVED.match(tail) or _FACILITY_WORD.search(tail))


def names_a_body(tokens: Sequence[Token], kind: Kind, head_start: int) -> bool:
    """Whether ``tokens``, ending with a head of ``kind`` that starts at character ``head_start`` of
    their text, name one particular body."""
    text = "".join(token.surface for token in tokens)
    qualifier = text[:head_start]
    before = [token for token in tokens if token.end - tokens[0].start <= head_start]  # whole tokens before the head
    if qualifier in _GENERIC_QUALIFIERS or qualifier.startswith(("同", "当", "各", "両")):
        return False
    has_place = any(token.place for token in before)
    match kind:
        case Kind.SITTING:
            return False
        case Kind.COMPANY_FORM:
            return bool(qualifier)
        case Kind.LOCAL_BOARD | Kind.COURT | Kind.PROSECUTOR:
            return has_place or text.startswith("最高") or _short_form(qualifier) or _has_parent(tokens, head_start)
        case Kind.POLICE:
            return len(text) >= 2
        case Kind.GOVERNMENT:
            return len(text) >= 3 and not _FACILITY.search(text)
        case Kind.CABINET:
            return any(token.person_name for token in before)
        case Kind.ASSEMBLY:
            return not text.endswith("議会") or has_place or _short_form(qualifier) or _has_parent(tokens, head_start)
        case Kind.COUNCIL:
            return _specific(qualifier, before) and (len(qualifier) >= 2 or not text.endswith(("委", "審")))
        case Kind.PARTY_BRANCH:
            if not any(_PARTY_NAMES.match(token.surface) for token in before) and text.endswith("支部"):
                return _has_parent(tokens, head_start)  # a court's or prosecutor's: 東京地裁立川支部
            return _party_branch(qualifier, before)
        case Kind.SUPPORTERS:
            return _specific(qualifier, before)
        case Kind.FACTION:
            return len(qualifier) >= 2 and not _GENERIC_FACTIONS.search(qualifier) and not qualifier[0].isdigit()
        case Kind.PARTY:
            return bool(_PARTY_NAMES.match(text)) or (len(tokens) == 1 and tokens[0].named_entity)
        case Kind.UNIT:
            if text.endswith("署") and before and all(token.proper for token in before):
                return True  # 金沢東署, 住之江署: named by their district, which Sudachi may read as a person
            return _has_parent(tokens, head_start) or (has_place and not text.endswith(("課", "室", "部")))
        case Kind.SCHOOL:
            return _named_school(text, qualifier, before)
        case Kind.ASSOCIATION:
            return _association(text, qualifier, before)
        case Kind.COMPANY:
            return _name_like(before) and not (len(before) == 1 and before[0].surface in _GENERIC_KATAKANA)
        case Kind.NAMED:
            return not _NOT_A_BODY.search(text)
    return False


def named_entity(tokens: Sequence[Token]) -> bool:
    """A proper noun Sudachi knows as one word (関西電力, 日本銀行), a party's short name, or a
    well-known body (共同通信)."""
    if "".join(token.surface for token in tokens) in _WELL_KNOWN:
        return True
    return len(tokens) == 1 and (
        tokens[0].named_entity and not _NOT_A_BODY.search(tokens[0].surface) or tokens[0].surface in _PARTY_WORDS_ALONE
    )


def short_form(text: str) -> bool:
    """県警, 府警, 市教委, 県連, 県議会: a body named by its kind of place alone."""
    return len(text) >= 2 and text[0] in "都道府県市町村" and not text.startswith(("道路", "都市", "市場", "県内"))


def _short_form(qualifier: str) -> bool:
    return qualifier in ("都", "道", "府", "県", "市", "町", "村")


def _has_parent(tokens: Sequence[Token], head_start: int) -> bool:
    """Whether a body is named before the unit (総務省|総合通信基盤局, 県警|交通指導課, 東京地検特捜部)."""
    text = "".join(token.surface for token in tokens)
    base = tokens[0].start
    ends = sorted({token.end - base for token in tokens if token.end - base <= head_start} | {head_start}, reverse=True)
    for end in (end for end in ends if end > 0):
        whole = [token for token in tokens if token.end - base <= end]
        if len(whole) == 1 and whole[0].end - base == end and named_entity(whole):
            return True
        found = head_kind(text[:end])
        if found is None or found[0] is Kind.SITTING:
            continue
        if whole and whole[-1].end - base == end:
            if names_a_body(whole, *found):
                return True
        elif found[1] >= 2 and found[0] is not Kind.UNIT:  # inside one word Sudachi reads whole: 東京地検|特捜部
            return True
    return False


def _specific(qualifier: str, tokens: Sequence[Token]) -> bool:
    return bool(qualifier) and qualifier not in _GENERIC_QUALIFIERS and not (tokens and all(token.numeral for token in tokens))


def _party_branch(qualifier: str, tokens: Sequence[Token]) -> bool:
    """自民党石川県連, 立憲民主党神奈川県第5区総支部: a party with a place or district; 自民支部 alone is generic."""
    party = next((i for i, token in enumerate(tokens) if _PARTY_NAMES.match(token.surface)), None)
    if party is None:
        return _short_form(qualifier)
    return any(token.place or token.numeral or token.person_name for token in tokens[party + 1 :])


def _association(text: str, qualifier: str, tokens: Sequence[Token]) -> bool:
    """日本国際博覧会協会, 鉄道貨物協会, 全国知事会; not 商工会議所 or 臨時総務会 alone."""
    if not _specific(qualifier, tokens):
        return False
    if _name_like(tokens):
        return True
    return len(tokens) >= 2 and not (text.endswith("会") and tokens[0].surface in _GENERIC_QUALIFIERS)


def _named_school(text: str, qualifier: str, tokens: Sequence[Token]) -> bool:
    if _NOT_A_BODY.search(text):
        return False
    own_name = _SCHOOL_FOUNDERS.sub("", qualifier)
    if not own_name or own_name in ("医科", "工業", "商業", "農業", "看護", "歯科", "薬科", "教育", "女子", "短期"):
        return False  # 市立中学校, 医科大学: a kind of school
    return _name_like(tokens) or own_name != qualifier


def _name_like(tokens: Sequence[Token]) -> bool:
    """A part that names something: a proper noun, or a word written in kana or Latin letters
    (not うち or ほか, which are function words written in kana)."""
    return any(
        token.proper or _LATIN_OR_KANA.fullmatch(token.surface) is not None and token.pos[2] not in ("副詞可能", "助数詞可能")
        for token in tokens
        if not token.numeral
    )


def quoted_council(content: str) -> bool:
    """「自治体DX推進に関する検討会」: a quoted name of a council, whatever words come before its head."""
    found = head_kind(content)
    return found is not None and found[0] is Kind.COUNCIL and found[1] >= 4
