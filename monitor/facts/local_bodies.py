"""Local governments named as bodies: a prefecture or municipality that acts or is acted on
(大阪市は…命じた, 石川県によると, 東浜市に提出, 北海道緑ヶ丘町や高知県黒潮台市など4市町を除外,
珠洲市と能登町は), and not one that is only a place (大阪市此花区の夢洲, 石川県輪島市を訪れ, 明石市の
丸谷聡子市長, 秋田市では, 東京都が146人で最も多かった).
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from monitor.facts.bodies import Found
from monitor.facts.runs import Run

_UNITS = "都道府県市区町村"
# What follows a body's name: its act (は, が, も), its word (によると), or the act done to it.
_ACTING = re.compile(
    r"^(?:は|が(?![0-9])|も|によると|によりますと|に対し|"
    r"に[^。、]{0,8}?(?:提出|寄託|要請|報告|届け出|申請|送付|回答|委託|勧告|指示|通知)|"
    r"の(?:[0-9]+年度?)?(?:予算|公金|条例|職員|調査|発表|方針|財政|担当者|幹部|判断)|"
    r"(?:など|の)?[0-9０-９一二三四五六七八九十]+[都道府県市区町村]+(?:を|に|が|は))"
)
_JOINER = re.compile(r"^(?:と|や|、|および|及び)$")
_HEADLINE_SUBJECT = re.compile(r"^[、・]")


def acting(text: str, runs: Sequence[Run], found: Sequence[Found]) -> list[Found]:
    """The local governments among ``runs`` that act as bodies; ``found`` are the bodies named so far
    (a place listed with one, as in 石川県や中小企業基盤整備機構と共同で, is one too)."""
    places = [run for run in runs if _local_government(run)]
    starts = {name.start for name in found}
    ends = {name.end for name in found}
    acting_places: list[Found] = []
    for position, run in enumerate(places):
        chain = _chain_from(text, places, position)
        after = text[chain[-1].end :]
        joined_to_body = _joined_to(text, run, starts, ends)
        if _ACTING.match(after) or joined_to_body or _headline_subject_or_tag(text, run):
            acting_places.append(Found(run.text, run.start, run.end))
    return acting_places


def _headline_subject_or_tag(text: str, run: Run) -> bool:
    """明石市、子ども医療費の無料化を継続 and 土砂災害17か所 秋田県: a headline's subject and its
    closing tag name the body the story is about."""
    first_line = text.find("\n")
    if first_line != -1 and run.end > first_line:
        return False
    subject = run.start == 0 and _HEADLINE_SUBJECT.match(text[run.end :]) is not None
    tag = run.start > 0 and text[run.start - 1] in " \u3000" and text[run.end : run.end + 1] in ("\n", "")
    return subject or tag


def _local_government(run: Run) -> bool:
    """石川県, 岐阜県白川村, 高知県黒潮台市: places (and single characters such as 台) ending in a
    unit; 東浜|市, whose place Sudachi reads as a surname, too."""
    tokens = run.tokens
    if len(tokens) == 2 and tokens[0].proper and tokens[1].surface in _UNITS:
        return True
    return (
        tokens[0].place
        and run.text[-1] in _UNITS
        and all(token.place or len(token.surface) == 1 and token.noun for token in tokens)
    )


def _chain_from(text: str, places: Sequence[Run], position: int) -> list[Run]:
    """大阪府と大阪市は: the places joined to this one by と, や or 、 up to the last of them."""
    chain = [places[position]]
    for run in places[position + 1 :]:
        if not _JOINER.match(text[chain[-1].end : run.start]):
            break
        chain.append(run)
    return chain


def _joined_to(text: str, run: Run, starts: set[int], ends: set[int]) -> bool:
    """石川県や中小企業基盤整備機構と: a place listed next to a body is a body too."""
    after = re.match(r"と|や|および|及び", text[run.end :])
    if after and run.end + after.end() in starts:
        return True
    before = re.search(r"(?:と|や|および|及び)$", text[: run.start])
    return before is not None and before.start() in ends
