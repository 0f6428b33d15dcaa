"""Category definitions: the vocabulary that gates a category, and the cues a model weighs.

A category can only be given to a text that has its core vocabulary (every ``gate`` group finds a
phrase): a model never labels a text that does not even talk about the subject. Cues are the
phrases that argue for (``+``) or against (``-``) the category; they are features of the model
and the evidence shown with a label. The negative cues are the category's definition of what it
is not: a refund only being considered, 人事院勧告, 指導 in a school, a single city's CIO.

Users add categories in the config: ``include`` patterns are the gate (any one suffices),
``exclude`` patterns veto, and a file of labelled examples trains a model as for the built-ins.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Protocol

from monitor.patterns import Pattern


class Searcher(Protocol):
    """A built-in ``re`` pattern, or a configured one with a time budget (monitor.patterns)."""

    @property
    def pattern(self) -> str: ...

    def search(self, text: str) -> Any: ...


Cue = tuple[str, re.Pattern[str], int]  # name, pattern, +1 (for) or -1 (against)


@dataclass(frozen=True)
class CategorySpec:
    name: str
    gate: tuple[Searcher, ...]  # each must match
    cues: tuple[Cue, ...] = ()
    exclude: tuple[Pattern, ...] = ()  # vetoes (user categories)
    examples: str | None = None  # path of labelled examples (user categories)
    description: str = ""
    built_in: bool = field(default=False, compare=False)

    def gated(self, text: str) -> bool:
        return all(pattern.search(text) for pattern in self.gate) and not any(pattern.search(text) for pattern in self.exclude)

    def evidence(self, text: str) -> tuple[str, ...]:
        """The phrases that speak for the category, in the order they appear (at most six)."""
        found: list[tuple[int, str]] = []
        for pattern in self.gate:
            match = pattern.search(text)
            if match:
                found.append((match.start(), match.group(0)))
        for _, pattern, polarity in self.cues:
            match = pattern.search(text) if polarity > 0 else None
            if match:
                found.append((match.start(), match.group(0)))
        phrases = list(dict.fromkeys(phrase for _, phrase in sorted(found) if len(phrase) <= 60))
        # 寄付を返金 says what 寄付 and 返金 say: keep only phrases no longer one contains.
        return tuple(phrase for phrase in phrases if not any(phrase != other and phrase in other for other in phrases))[:6]


def _p(expression: str) -> re.Pattern[str]:
    return re.compile(expression)


_DONATION = "寄付|寄附|献金|政治献金|パーティー券"
_REFUND = "返金|返還|返却|返した|返す"
_REGULATOR = (
    r"総務省|金融庁|経済産業省|国土交通省|国交省|厚生労働省|厚労省|消費者庁|個人情報保護委員会|公正取引委員会|公取委|農林水産省|"
    r"文部科学省|環境省|デジタル庁|原子力規制委員会|[^\s、。]{1,8}(?:運輸局|総合通信局|財務局|経済産業局|厚生局|労働局)"
)

BUILT_IN: tuple[CategorySpec, ...] = (
    CategorySpec(
        "donation_refund",
        description="a politician's branch, support group or political organisation returned (or will return) a donation",
        gate=(_p(_DONATION), _p(_REFUND)),
        cues=(
            ("donation_then_refund", _p(rf"(?:{_DONATION})[^。]{{0,40}}?(?:{_REFUND})"), +1),
            ("refund_of_donation", _p(rf"(?:{_REFUND})[^。]{{0,15}}?(?:{_DONATION})"), +1),
            ("political_actor", _p(r"支部|後援会|政治団体|資金管理団体|政党|議員|政務官|大臣|知事|市長|陣営|党"), +1),
            (
                "refund_done",
                _p(
                    rf"(?:{_REFUND})(?:した|しました|いたしました|していた|済み|へ|する方針|することに|すると発表)|全額を?(?:{_REFUND})"
                ),
                +1,
            ),
            ("legal_basis", _p(r"公職選挙法|政治資金規正法|上限|補助金|請負|受注|公共(?:工事|事業)"), +1),
            (
                "only_considering",
                _p(
                    rf"(?:{_REFUND})(?:する|の)?(?:か(?:どうか)?|も含め)[^。]{{0,10}}(?:検討|判断|協議|相談)|(?:{_REFUND})を?検討|(?:{_REFUND})する考えはない|(?:{_REFUND})しない|(?:{_REFUND})はしていません|(?:{_REFUND})すべき"
                ),
                -1,
            ),
            ("report_correction", _p(r"収支報告書を?(?:訂正|修正)|記載(?:漏れ|していなかった)|不記載"), -1),
            ("customer_refund", _p(r"運賃|料金|乗客|顧客|利用者|購入者|払い戻|受講料|授業料|入学金|チケット|請求|解約|通販"), -1),
            ("hometown_tax", _p(r"ふるさと納税|返礼品"), -1),
            ("relief_donation", _p(r"義援金|被災|災害|募金|支援金"), -1),
        ),
        built_in=True,
    ),
    CategorySpec(
        "guidance_notice",
        description="a ministry, agency or commission addresses guidance or an order to a named company or body",
        gate=(_p(r"行政指導|指導|厳重注意|勧告|要請|命令|命じ|行政処分|処分"),),
        cues=(
            (
                "administrative_action",
                _p(
                    r"行政指導|業務改善命令|業務停止命令|事業停止命令|停止命令|是正命令|報告徴求命令|措置命令|課徴金納付命令|安全確保命令|業務改善勧告|厳重注意|行政処分"
                ),
                +1,
            ),
            ("regulator", _p(_REGULATOR), +1),
            (
                "addressed_to_company",
                _p(
                    r"(?:株式会社|会社|銀行|信用金庫|事業者|法人|社|放送|航空|鉄道|交通)(?:[^。]{0,30}?)に対し|に対し[^。]{0,80}?(?:指導|勧告|命令|要請|注意)を?(?:行|出|し)"
                ),
                +1,
            ),
            ("statutory_basis", _p(r"法に基づ|法第[0-9]+条|の規定に基づ|文書により|文書で"), +1),
            (
                "done",
                _p(
                    r"(?:指導|勧告|命令|注意|要請|処分)を?(?:行いました|行った|行い|出しました|出した|しました|した)|(?:を|よう)命じ(?:ました|た|る)"
                ),
                +1,
            ),
            ("personnel_recommendation", _p(r"人事院"), -1),
            (
                "addressed_to_all",
                _p(r"全国の|各(?:都道府県|自治体|地方公共団体|教育委員会|学校)|都道府県と市区町村|業界団体|一律|通知を出"),
                -1,
            ),
            (
                "school_or_sports",
                _p(r"学校|部活|生徒|児童|教諭|教員|学習指導|進路指導|選手|監督|コーチ|競技|チーム|教室|子どもたち|サッカー|野球"),
                -1,
            ),
            ("public_warning", _p(r"注意喚起|注意を呼びかけ|呼びかけ|ご注意|気をつけ|警戒"), -1),
            ("guideline_explainer", _p(r"ガイドライン|指針|解説|Q&A|手引|よくある質問|事例を紹介|改訂"), -1),
            ("lifted", _p(r"解除|終了|取り消|撤回|打ち切"), -1),
            ("outage_only", _p(r"障害が発生|つながりにくく|不具合|復旧作業|原因を調べ"), -1),
            ("health_guidance", _p(r"保健指導|栄養指導|服薬指導|生活習慣病"), -1),
        ),
        built_in=True,
    ),
    CategorySpec(
        "cio_survey",
        description="published figures of a survey of local governments on CIO / digital talent appointments or DX progress",
        gate=(
            _p(r"CIO|最高情報責任者|外部(?:の)?デジタル人材|デジタル人材|自治体DX|DX推進|情報化推進体制"),
            _p(r"都道府県|市区町村|市町村|地方公共団体|地方自治体|自治体|団体"),
        ),
        cues=(
            ("survey", _p(r"調査|調べ|アンケート|取りまとめ|まとめ|集計|公表|状況"), +1),
            (
                "all_local_governments",
                _p(
                    r"都道府県(?:及び|と|や|、)?市区町村|全国の(?:自治体|市区町村)|全ての(?:都道府県|地方公共団体)|地方公共団体における|県内[0-9]+市町村"
                ),
                +1,
            ),
            ("counts", _p(r"[0-9][0-9,]*\s*(?:団体|市区町村|市町村|都道府県)|[0-9.]+\s*%|割合|[0-9]割|…\s*[0-9]"), +1),
            ("appointment_status", _p(r"任命状況|任命している|配置している|活用している|取組状況|推進状況"), +1),
            ("a_company", _p(r"株式会社|企業|メーカー|社内|上場|役員|起用する人事"), -1),
            ("one_municipality", _p(r"^[^\n]{0,12}?(?:市|町|村|区)\s|(?:市|町|村)は[^。]{0,40}(?:任命|起用)しました|市長は"), -1),
            ("a_meeting", _p(r"フォーラム|セミナー|会議|シンポジウム|研修|開催|開き|参加"), -1),
            ("policy_not_figures", _p(r"支援策|支援する|制度を設け|予算案|計画を改定|改定し|役割を|方針です|進め方"), -1),
            ("other_subject", _p(r"防災|避難|観光|子育て|ごみ|財政|決算|公債費|人口|感染症|選挙"), -1),
        ),
        built_in=True,
    ),
)
