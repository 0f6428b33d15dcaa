"""Deadlines: the dates by which the addressee of a release must act (報告期限, 提出期限, 意見募集の
締切...), told apart from the other dates of the text.

A date is a deadline when a label names it (「報告期限：令和6年3月8日」), or when it ends in までに /
まで and its clause says what is due (「令和6年3月8日までに報告するよう求めました」, 「3月11日まで
意見を募集します」), or when a period is given instead (「1か月以内に報告」, dated from the
publication). A date before the publication is history (a deadline that passed), not news.
Input is NFKC-normalized text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta

from monitor.facts.dates import DateMention, add_months

# What is due, as the clause after the date says it; the first that matches names the deadline.
_DUE = (
    (re.compile(r"意見|パブリックコメント"), "意見提出期限"),
    (re.compile(r"報告"), "報告期限"),
    (re.compile(r"提出|届出|届け出"), "提出期限"),
    (re.compile(r"回答"), "回答期限"),
    (re.compile(r"申請|申込|申し込"), "申込期限"),
    (re.compile(r"応募|公募|エントリー"), "応募締切"),
    (re.compile(r"納付|支払|納め"), "納付期限"),
    (re.compile(r"受付|受け付け|募集"), "受付締切"),
    (re.compile(r"是正|改善|講じ|措置|実施|完了|対応"), "措置期限"),
)
# A label before the date: 報告期限：, 提出期限は, 締切日, (応募)締め切り
_LABEL = re.compile(
    r"(?P<label>(?:意見提出|意見|報告|提出|回答|申請|申込|応募|納付|受付|募集)?(?:期限|締切|締め切り|〆切)日?|提出期日)"
    r"\s*(?:[:は]|について(?:は)?)?\s*$"
)
# After the date: its weekday, a time, then まで(に)
_UNTIL = re.compile(
    r"\s*(?:\([月火水木金土日](?:・祝)?\))?\s*(?:正午|(?:午前|午後)?[0-9]{1,2}\s*(?:時|:)\s*(?:[0-9]{1,2}\s*分?)?)?\s*(?:まで|迄)(?P<ni>に)?"
)
_WITHIN = re.compile(r"(?P<count>[0-9]{1,3})\s*(?P<unit>か月|ヶ月|カ月|ケ月|箇月|週間|日)\s*以内に")
# What a period can be for, such that its end is a deadline
_WINDOWS = frozenset({"意見提出期限", "提出期限", "申込期限", "応募締切", "受付締切"})
_CLAUSE_END = re.compile(r"[。\n]")
_PERIOD_START = re.compile(r"(?:から|より|~|-)\s*$")  # 「2月10日から」 before the date
_CLAUSE = 40  # characters after the date read for what is due
_LABEL_REACH = 16  # characters before the date read for a label


@dataclass(frozen=True)
class Deadline:
    date: str | None  # YYYY-MM-DD; None for a period whose start is unknown
    label: str  # 報告期限, 提出期限, 意見提出期限...
    phrase: str  # as written: 令和6年3月8日まで, 1か月以内


def extract_deadlines(text: str, published: date | None, mentions: list[DateMention]) -> list[Deadline]:
    """The deadlines of ``text``, whose dates ``date_mentions`` read (``mentions``)."""
    found: list[Deadline] = []
    for mention in mentions:
        deadline = _dated(text, mention)
        if deadline and (published is None or deadline.date is None or deadline.date >= published.isoformat()):
            found.append(deadline)
    found += _periods(text, published)
    return list(dict.fromkeys(found))


def _dated(text: str, mention: DateMention) -> Deadline | None:
    if len(mention.value) != 10:
        return None  # 3月, 2024年: a month or a year is not a deadline one can keep
    labelled = _LABEL.search(text[max(0, mention.start - _LABEL_REACH) : mention.start])
    until = _UNTIL.match(text, mention.end)
    clause = _clause(text, until.end() if until else mention.end)
    if labelled:
        return Deadline(mention.value, _label_of(labelled["label"], clause), mention.phrase)
    if until is None:
        return None
    phrase = text[mention.start : until.end()].removesuffix("に")
    sentence_before = _CLAUSE_END.split(text[max(0, mention.start - _CLAUSE) : mention.start])[-1]
    due = _due(clause) or _due(sentence_before)
    if until["ni"] and not _ends_a_period(text, mention):
        return Deadline(mention.value, due or "期限", phrase)
    # 「2月10日から3月11日まで」「3月31日まで」 end a period: a deadline only when the period is
    # one for sending something in (意見募集期間, 受付), not one of doing (実施, 延長).
    return Deadline(mention.value, due, phrase) if due in _WINDOWS else None


def _periods(text: str, published: date | None) -> list[Deadline]:
    found = []
    for match in _WITHIN.finditer(text):
        due = _due(_clause(text, match.end()))
        if due is None:
            continue
        count = int(match["count"])
        day = None
        if published is not None:
            day = _after(published, count, match["unit"]).isoformat()
        found.append(Deadline(day, due, match.group(0).removesuffix("に")))
    return found


def _clause(text: str, start: int) -> str:
    end = _CLAUSE_END.search(text, start, start + _CLAUSE)
    return text[start : end.start() if end else start + _CLAUSE]


def _due(clause: str) -> str | None:
    return next((label for pattern, label in _DUE if pattern.search(clause)), None)


def _label_of(written: str, clause: str) -> str:
    """A bare 期限 or 締切 takes what the clause says is due: 「期限：3月8日までに報告」 → 報告期限."""
    written = written.removesuffix("日").replace("締め切り", "締切").replace("〆切", "締切")
    if written in ("期限", "締切"):
        return _due(clause) or written
    return "意見提出期限" if written == "意見期限" else written


def _ends_a_period(text: str, mention: DateMention) -> bool:
    return bool(_PERIOD_START.search(text, max(0, mention.start - 30), mention.start))


def _after(start: date, count: int, unit: str) -> date:
    if unit == "日":
        return start + timedelta(days=count)
    if unit == "週間":
        return start + timedelta(weeks=count)
    return add_months(start, count)
