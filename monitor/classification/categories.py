"""Category definitions: the gate that says whether an item is about the subject at all, and the
cues a model weighs.

A gate is high-recall on purpose: it only spares the model items that cannot be about the subject
(most news), so each of its groups lists every way the subject is written. The decision is the
model's. Cues are features, not rules: phrases that speak for (+1) or against (-1) a category,
one for each part and each "not" of its definition. A cue reads either the normalized text or
the lemmas (Sudachi dictionary forms joined by spaces: 返しました → 返す ます た), so one cue
covers every inflection. The positive cues' matches are the evidence shown with a label.

Users add categories in the config: ``include`` patterns are the gate (any one suffices),
``exclude`` patterns veto, and a file of labelled examples trains a model as for the built-ins.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Literal, Protocol

from monitor.patterns import Pattern
from monitor.text import shorten


class Searcher(Protocol):
    """A built-in ``re`` pattern, or a configured one with a time budget (monitor.patterns)."""

    @property
    def pattern(self) -> str: ...

    def search(self, text: str) -> Any: ...


@dataclass(frozen=True)
class Cue:
    name: str
    pattern: re.Pattern[str]
    polarity: int  # +1 for, -1 against
    on: Literal["text", "lemmas"] = "text"


@dataclass(frozen=True)
class CategorySpec:
    name: str
    gate: tuple[Searcher, ...]  # each must match the text
    cues: tuple[Cue, ...] = ()
    # Lemmas of the category's event (返す, 指導, 調査): the words around them say whether it
    # happened, was decided, was only considered, demanded, denied or lifted (features.py).
    anchors: frozenset[str] = frozenset()
    exclude: tuple[Pattern, ...] = ()  # vetoes (user categories)
    examples: str | None = None  # path of labelled examples (user categories)
    description: str = ""
    built_in: bool = field(default=False, compare=False)

    def gated(self, text: str) -> bool:
        return all(pattern.search(text) for pattern in self.gate) and not any(pattern.search(text) for pattern in self.exclude)


def _text(name: str, expression: str, polarity: int) -> Cue:
    return Cue(name, re.compile(expression), polarity, "text")


def _lemmas(name: str, expression: str, polarity: int) -> Cue:
    return Cue(name, re.compile(expression), polarity, "lemmas")


# Lemma alternations: the dictionary forms of each idea (寄附 and 寄付 are both written).
_DONATION = "寄付|寄附|献金|政治献金|パーティー券|カンパ|政治資金"
_GIVE_BACK = "返す|返金|返還|返却|返納|送り返す|払い戻す|払い戻し|返済|戻す"
_REGULATOR = (
    r"総務省|金融庁|経済産業省|経産省|国土交通省|国交省|厚生労働省|厚労省|消費者庁|個人情報保護委員会|個情委|公正取引委員会|公取委|"
    r"農林水産省|農水省|文部科学省|環境省|デジタル庁|原子力規制委員会|証券取引等監視委員会|[^\s、。]{1,8}(?:運輸局|総合通信局|通信局|"
    r"財務局|財務事務所|経済産業局|厚生局|労働局|地方整備局|農政局)|(?:都|道|府|県)(?:庁|知事)"
)
_ACTION = (
    r"行政指導|指導|厳重注意|注意|警告|勧告|命令|命じ|命ず|行政処分|処分|措置|是正|改善を?求め|改善を?要求|再発防止を?求め|報告を?求め|"
    r"報告徴求|報告徴収|要請|申し入れ|申入れ|指示"
)

BUILT_IN: tuple[CategorySpec, ...] = (
    CategorySpec(
        "donation_refund",
        description="a politician's branch, support group or political organisation returned (or will return) a donation",
        gate=(re.compile(r"寄付|寄附|献金|政治資金|パーティー券|カンパ"), re.compile(r"返|戻|還")),
        cues=(
            _lemmas("donation_given_back", rf"(?:{_DONATION})[^。]{{0,60}}?(?:{_GIVE_BACK})", +1),
            _lemmas("given_back_donation", rf"(?:{_GIVE_BACK})[^。]{{0,20}}?(?:{_DONATION})", +1),
            _text("political_actor", r"支部|後援会|政治団体|資金管理団体|政党|議員|事務所|陣営|党|政経|政治塾|県連|後援", +1),
            _lemmas(
                "done",
                rf"(?:{_GIVE_BACK})(?: 為る| する)?(?: 終える| 済み| 済む)?(?: ます)? た|(?:{_GIVE_BACK}) 済み|手続き を 取る",
                +1,
            ),
            _lemmas(
                "decided",
                rf"(?:{_GIVE_BACK})(?: 為る| する)?(?: 方針| 考え| 意向| 予定| こと に 為る| こと に する| へ| 決める|と 発表)",
                +1,
            ),
            _text(
                "unlawful_donor",
                r"公職選挙法|政治資金規正法|上限|補助金|請負|受注|公共工事|公共事業|外国人|外資|外国法人|違法|抵触",
                +1,
            ),
            _lemmas(
                "only_considering",
                rf"(?:{_GIVE_BACK})[^。]{{0,16}}?(?:検討|判断|協議|視野|相談)|(?:{_GIVE_BACK})[^。]{{0,6}}? か",
                -1,
            ),
            _lemmas("denied", rf"(?:{_GIVE_BACK})[^。]{{0,10}}?(?:ない|必要 は ない|考え は ない|応じる ない|拒む|否定)", -1),
            _lemmas("demanded", rf"(?:{_GIVE_BACK})[^。]{{0,10}}?(?:求める|要求|迫る|促す|声)", -1),
            _text(
                "other_refunds",
                r"運賃|料金|チケット|授業料|受講料|給付金|ふるさと納税|返礼品|募金|クラウドファンディング|義援金|購入者|利用者|払戻金|還付",
                -1,
            ),
            _text("state_money", r"政党交付金|政務活動費|国庫|交付金の返還|立法事務費|文書通信交通滞在費", -1),
            _text("report_correction", r"収支報告書を?(?:訂正|修正)|記載漏れ|不記載|記載していなかった", -1),
            _text("party_tickets", r"パーティー券の?(?:販売|価格|売り上げ|収入|購入)|政治資金パーティー", -1),
        ),
        anchors=frozenset({"返す", "返金", "返還", "返却", "返納", "送り返す", "戻す", "払い戻す", "返戻", "返付", "返済"}),
        built_in=True,
    ),
    CategorySpec(
        "guidance_notice",
        description="a ministry, agency or commission addresses guidance or an order to a named company or body",
        gate=(re.compile(_ACTION),),
        cues=(
            _text(
                "administrative_action",
                r"行政指導|業務改善命令|業務停止命令|事業停止命令|停止命令|是正命令|報告徴求命令|措置命令|排除措置命令|課徴金納付命令|"
                r"安全確保命令|業務改善勧告|厳重注意|行政処分|措置（指導）|措置\(指導\)|指導文書|警告書",
                +1,
            ),
            _text("regulator", _REGULATOR, +1),
            _text(
                "addressed",
                r"に対し(?:て|、)?[^。]{0,80}?(?:指導|勧告|命令|命じ|要請|注意|警告|処分|求め|措置)|に対する[^。]{0,40}?(?:指導|命令|勧告|措置|警告|注意)",
                +1,
            ),
            _text(
                "a_company",
                r"株式会社|（株）|\(株\)|有限会社|合同会社|銀行|信用金庫|信用組合|証券|保険|電力|通信|放送|航空|鉄道|交通|運輸|社に",
                +1,
            ),
            _text("statutory_basis", r"法に基づ|法第[0-9]+条|の規定に基づ|文書により|文書で|書面で|法違反", +1),
            _lemmas(
                "acted",
                r"(?:指導|勧告|命令|注意|警告|要請|処分|措置|文書)[^。]{0,12}?(?:行う|出す|為る|する|手渡す|手交|交付|実施|講ずる|発出)[^。]{0,6}?た|命ずる|命じる",
                +1,
            ),
            _lemmas("asked", r"(?:改善|再発 防止|報告|是正|徹底)[^。]{0,16}?(?:求める|要求|命じる|命ずる|指示)", +1),
            _text("deadline", r"までに(?:報告|提出|改善)|報告期限|提出期限|以内に(?:報告|提出)", +1),
            _lemmas("only_considering", r"(?:指導|処分|命令|勧告)[^。]{0,12}?(?:検討|視野|方向)|(?:指導|処分)[^。]{0,6}? か", -1),
            _text(
                "school_or_sports",
                r"学校|部活|生徒|児童|教諭|教員|学習指導|進路指導|生徒指導|選手|監督|コーチ|競技|チーム|教室|子ども|サッカー|野球|指導者|技術指導",
                -1,
            ),
            _text("health_guidance", r"保健指導|栄養指導|服薬指導|生活習慣病|医師の指導|療養指導", -1),
            _text("personnel_recommendation", r"人事院|給与勧告|人事委員会", -1),
            _text("public_warning", r"注意喚起|注意を呼びかけ|呼びかけ|ご注意|気をつけ|警戒|注意報|詐欺", -1),
            _text(
                "guidelines",
                r"ガイドライン|指針|手引|解説|Q&A|よくある質問|事例を紹介|一律|全国の|各(?:都道府県|自治体|事業者)|業界団体",
                -1,
            ),
            _text("lifted", r"解除|終了|取り消|撤回|打ち切|受理", -1),
            _text("court_or_police", r"判決|逮捕|書類送検|送検|家宅捜索|起訴|地裁|高裁|最高裁|容疑", -1),
            _text("outage_only", r"障害が発生|つながりにくく|不具合|復旧作業|原因を調べ|復旧", -1),
            _text("policy_evaluation", r"行政評価|政策評価|勧告の方向性|改善措置状況|勧告に対する", -1),
            _text("own_measures", r"社内処分|社内調査|役員報酬の返上|おわび|謝罪|再発防止策を発表|自主的", -1),
        ),
        anchors=frozenset(
            {
                "指導",
                "命令",
                "勧告",
                "注意",
                "警告",
                "処分",
                "措置",
                "要請",
                "命ずる",
                "命じる",
                "求める",
                "是正",
                "申し入れる",
                "指示",
            }
        ),
        built_in=True,
    ),
    CategorySpec(
        "cio_survey",
        description="published figures of a survey of local governments on CIO / digital talent appointments or DX progress",
        gate=(
            re.compile(
                r"CIO|情報化統括責任者|最高情報責任者|統括責任者|デジタル人材|外部人材|DX|デジタル化|情報化|情報システム|ガバメントクラウド|標準化|デジタル"
            ),
            # Local governments, or the words a survey of them is titled with (状況, 任用).
            re.compile(
                r"都道府県|市区町村|市町村|地方公共団体|地方自治体|自治体|団体|県内|道内|府内|市|町|村|県|状況|調査|任用|任命"
            ),
        ),
        cues=(
            _text("survey", r"調査|調べ|アンケート|集計|取りまとめ|とりまとめ|まとめ|結果|状況", +1),
            _text(
                "all_local_governments",
                r"都道府県|市区町村|市町村|地方公共団体|全国の(?:自治体|市区町村)|全(?:自治体|団体)|県内[0-9]+|1,?741",
                +1,
            ),
            _text(
                "counts",
                r"[0-9][0-9,]*\s*(?:団体|市区町村|市町村|都道府県|自治体)|[0-9.]+\s*(?:%|％|パーセント)|割合|[0-9]割|…\s*[0-9]|[0-9]+(?:団体|件)",
                +1,
            ),
            _text("appointment", r"任命|配置|登用|確保|活用|委嘱|設置", +1),
            _text("cio_terms", r"CIO|情報化統括責任者|最高情報責任者|CIO補佐官|デジタル人材|外部人材|自治体DX|DX推進", +1),
            _text("a_company", r"株式会社|企業|社内|上場|民間企業の|メーカー|社長", -1),
            _text("one_municipality", r"^[^\n]{0,12}?(?:市|町|村|区)(?:\s|が|は)|(?:市|町|村)長が|市長は|町長は", -1),
            _text("a_meeting", r"フォーラム|セミナー|シンポジウム|講演|研修会|勉強会|説明会|開催|求人|募集", -1),
            _text("announced_only", r"調査を(?:開始|始め|実施する|行う)|調査票|実施予定|予定です|来年度から", -1),
            _text("policy_not_figures", r"支援策|支援する|制度を設け|予算案|計画を改定|改定し|方針を|派遣する", -1),
            _text("other_subject", r"防災|避難|観光|子育て|ごみ|財政|決算|公債費|人口|感染症|選挙|ふるさと納税|公共施設", -1),
        ),
        anchors=frozenset({"調査", "任命", "配置", "登用", "確保", "CIO", "集計", "取りまとめる", "アンケート"}),
        built_in=True,
    ),
)


_CLAUSE_END = re.compile(r"[。\n！？!?]")
_MAX_CLAUSE = 100


def evidence(spec: CategorySpec, text: str, anchor_offsets: Sequence[int]) -> tuple[str, ...]:
    """The sentences that speak for the category, in the order they appear (at most three): those
    holding one of its event words (``anchor_offsets``) or a positive cue's match."""
    offsets = list(anchor_offsets)
    for cue in spec.cues:
        if cue.polarity > 0 and cue.on == "text":
            match = cue.pattern.search(text)
            if match:
                offsets.append(match.start())
    sentences: dict[int, str] = {}
    for offset in sorted(offsets):
        start = max((m.end() for m in _CLAUSE_END.finditer(text, 0, offset)), default=0)
        end_match = _CLAUSE_END.search(text, offset)
        end = end_match.end() if end_match and end_match.group() != "\n" else (end_match.start() if end_match else len(text))
        sentence = text[start:end].strip()
        if sentence and start not in sentences:
            sentences[start] = shorten(sentence, _MAX_CLAUSE)
    return tuple(sentences.values())[:3]
