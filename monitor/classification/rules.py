"""Keyword and pattern rules for the built-in categories, with the phrases that matched.

A category matches when each of its required pattern groups finds a phrase and no exclusion
does; the evidence is the phrases found.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from monitor.items import Classification, Document


@dataclass(frozen=True)
class CategoryRule:
    category: str
    required: tuple[re.Pattern[str], ...]
    excluded: tuple[re.Pattern[str], ...] = ()

    def evidence(self, text: str) -> tuple[str, ...] | None:
        if any(pattern.search(text) for pattern in self.excluded):
            return None
        phrases: list[str] = []
        for pattern in self.required:
            match = pattern.search(text)
            if match is None:
                return None
            phrases.append(match.group(0))
        return tuple(dict.fromkeys(phrases))


def _patterns(*expressions: str) -> tuple[re.Pattern[str], ...]:
    return tuple(re.compile(expression) for expression in expressions)


BUILT_IN_RULES = (
    CategoryRule(
        "donation_refund",
        required=_patterns(
            r"(寄付|献金|寄附)[^。]{0,40}(返金|返還|返却)|(返金|返還)[^。]{0,20}(寄付|献金|寄附)",
            r"(支部|政治団体|後援会|資金管理団体|議員|政務官|大臣|党)",
        ),
        excluded=_patterns(r"ふるさと納税", r"(返金|返還)を?(検討|考え)", r"義援金"),
    ),
    CategoryRule(
        "guidance_notice",
        required=_patterns(
            r"行政指導|業務改善命令|是正命令|報告徴求命令|厳重注意|(に対し|に対して)[^。]{0,60}(指導|勧告|要請)を?行",
            r"(総務省|金融庁|経済産業省|国土交通省|厚生労働省|消費者庁|個人情報保護委員会|公正取引委員会|[^\s]{1,10}(省|庁|委員会))",
        ),
        excluded=_patterns(r"人事院勧告", r"(学校|部活|児童|生徒)[^。]{0,20}指導"),
    ),
    CategoryRule(
        "cio_survey",
        required=_patterns(
            r"CIO|外部デジタル人材|自治体DX",
            r"(任命状況|取組状況|調査結果|調査)",
            r"(都道府県|市区町村|地方公共団体|自治体)",
        ),
    ),
)


class RuleClassifier:
    name = "rules-v1"

    def __init__(self, rules: Sequence[CategoryRule] = BUILT_IN_RULES) -> None:
        self._rules = tuple(rules)

    def classify(self, document: Document) -> Classification:
        text = f"{document.title}\n{document.body}"
        evidence = {rule.category: found for rule in self._rules if (found := rule.evidence(text))}
        return Classification(
            labels=tuple(evidence),
            scores={rule.category: 1.0 if rule.category in evidence else 0.0 for rule in self._rules},
            evidence=evidence,
            facts={},
            model=self.name,
        )

    def classify_many(self, documents: Sequence[Document]) -> list[Classification]:
        return [self.classify(document) for document in documents]
