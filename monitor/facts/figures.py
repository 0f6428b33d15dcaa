"""Survey figures: a label and its count, as tables and summaries write them.

    ■ 任命している…1,279          → (任命している, 1279)
    CIOを任命している市区町村: 1,279団体
    都道府県<TAB>70<TAB>36         → (都道府県, 70), (都道府県, 36)
    CIOを任命している市区町村は1,279団体
Input is NFKC-normalized text (…… and ... both mark a leader).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_NUMBER = r"[0-9][0-9,]*(?:\.[0-9]+)?"
_UNITS = r"団体|市区町村|都道府県|自治体|市町村|人|件|社|%|割"
_LEADER = re.compile(
    rf"^[\s■□●○◆◇・*-]*(?P<label>[^\n…:]{{1,40}}?)\s*(?:…+|\.{{3,}}|:)\s*(?P<count>{_NUMBER})\s*(?:{_UNITS})?\s*$", re.M
)
_TABLE_ROW = re.compile(rf"^(?P<label>[^\t\n0-9][^\t\n]{{0,30}})\t+(?P<counts>{_NUMBER}(?:\t+{_NUMBER})*)\s*$", re.M)
# Found from its end (…団体は1,302団体), then the label is read back to the clause boundary.
_SENTENCE = re.compile(
    rf"(?P<subject>団体|市区町村|都道府県|自治体|市町村)(?:は|が)(?:全体の)?\s*(?P<count>{_NUMBER})\s*(?:{_UNITS}|(?=[でと、。,]))"
)
_CLAUSE_START = re.compile(r"[^、。\n]{0,28}$")


@dataclass(frozen=True)
class Figure:
    label: str
    count: int | float


def extract_figures(text: str) -> list[Figure]:
    found: list[Figure] = []
    for match in _LEADER.finditer(text):
        found.append(Figure(match["label"].strip(), _number(match["count"])))
    for match in _TABLE_ROW.finditer(text):
        found += [Figure(match["label"].strip(), _number(count)) for count in match["counts"].split("\t") if count]
    for match in _SENTENCE.finditer(text):
        head = _CLAUSE_START.search(text[max(0, match.start() - 28) : match.start()])
        label = (head.group(0) if head else "") + match["subject"]
        if len(label) >= 2:
            found.append(Figure(label.strip(), _number(match["count"])))
    return list(dict.fromkeys(found))


def _number(text: str) -> int | float:
    value = float(text.replace(",", ""))
    return int(value) if value.is_integer() else value
