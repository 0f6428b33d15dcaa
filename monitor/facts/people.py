"""Named people with the title attached to their name.

A mention is a run of tokens: a name, then a title (西田昭二総務大臣政務官, 馳浩石川県知事,
トランプ米大統領) or an honorific (佐藤健二氏, 川村誠被告). A name without a title after it takes
the title written right before it (総支部長の佐藤健二氏, 元社長、川村誠被告, 総務大臣 村上 誠一郎).

A name is what Sudachi tags as one (surname and given name), a surname alone before a title
(岸田総理大臣), or, when Sudachi misreads a rare name (泉|谷満|寿裕, 大森|凡|世), the short run of
name-like tokens right before a title. Places, mountains and companies are not people: a run that
goes on after the name with another noun (新燃岳, 金沢東署, 鈴木花子後援会) is not a mention.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from monitor.facts import titles
from monitor.facts.runs import Run, noun_runs
from monitor.facts.tokens import Token

_NAME_CHARACTERS = re.compile(r"[\u3041-\u309f\u30a1-\u30ffー\u4e00-\u9fff々]{1,8}")
_KANJI_NAME_HALF = re.compile(r"[\u4e00-\u9fff々]{1,3}")
_TITLE_BEFORE_SEPARATORS = ("の", "、", " ", "\u3000")
# Single characters that end a body's name, never a misread given name (大阪|府|警, 金沢|東|署).
_BODY_CHARACTERS = frozenset("都道府県市区町村郡警署庁省局課党派社会団")


@dataclass(frozen=True)
class Person:
    name: str
    title: str | None


@dataclass(frozen=True)
class Mention:
    """A person as written, with the characters their name and title cover."""

    person: Person
    start: int
    end: int


def extract_people(tokens: Sequence[Token]) -> list[Person]:
    """Each person once, in order of first mention, under the fullest name written (西田 is 西田昭二).

    The title is the one written with the fullest name, else with any mention; of several, the
    longest (a headline's 西田総務政務官 and 米大統領 shorten the body's 総務大臣政務官 and 米大統領).
    """
    mentioned = [mention.person for mention in person_mentions(tokens)]
    fullest = {person.name: _fullest_name(person.name, mentioned) for person in mentioned}
    people: dict[str, list[Person]] = {}
    for person in mentioned:
        people.setdefault(fullest[person.name], []).append(person)
    return [Person(name, _best_title(name, mentions)) for name, mentions in people.items()]


def _fullest_name(name: str, mentioned: list[Person]) -> str:
    return next((other.name for other in mentioned if other.name != name and other.name.startswith(name)), name)


def _best_title(name: str, mentions: list[Person]) -> str | None:
    for candidates in ([m.title for m in mentions if m.name == name], [m.title for m in mentions]):
        written = [title for title in candidates if title]
        if written:
            return max(written, key=len)
    return None


def person_mentions(tokens: Sequence[Token]) -> list[Mention]:
    runs = _joined_spaced_names(noun_runs(tokens))
    mentions: list[Mention] = []
    for position, run in enumerate(runs):
        following = runs[position + 1] if position + 1 < len(runs) else None
        mention = _mention(run, _title_after_dot(run, following, tokens))
        if mention is None:
            continue
        if mention.person.title is None and position > 0:
            mention = _with_title_before(mention, runs[position - 1], tokens, run.index)
        mentions.append(_with_title_in_parentheses(mention, following, tokens))
    return mentions


def _mention(run: Run, title_after_dot: Run | None) -> Mention | None:
    tokens = titles.before_plural(run.tokens)
    title: str | None = None
    end = tokens[-1].end
    if len(tokens) == 1 and tokens[0].person_name and titles.split_title(tokens[0].surface):
        name, title = titles.split_title(tokens[0].surface)  # トランプ大統領, read as one word
        return Mention(Person(name, title), run.start, end)
    if title_after_dot is not None:  # 宍戸常寿・東京大学教授
        name_tokens, title, end = tokens, title_after_dot.text, title_after_dot.end
    elif titles.no_title(tokens[-1]):
        name_tokens = tokens[:-1]
    else:
        start = titles.title_start(tokens)
        name_tokens = tokens if start is None else tokens[:start]
        title = None if start is None else "".join(token.surface for token in tokens[start:])
    titled = len(name_tokens) < len(tokens) or title is not None
    if not name_tokens or not _looks_like_a_name(name_tokens, title, titled=titled):
        return None
    return Mention(Person("".join(token.surface for token in name_tokens), title), run.start, end)


def _with_title_in_parentheses(mention: Mention, following: Run | None, tokens: Sequence[Token]) -> Mention:
    """三村明夫議長（日本製鉄名誉会長）: a second title in parentheses is part of the mention too."""
    if following is None or following.index == 0 or following.stop >= len(tokens):
        return mention
    opening, closing = tokens[following.index - 1], tokens[following.stop]
    if opening.surface == "(" and opening.start == mention.end and closing.surface == ")" and titles.is_title(following.tokens):
        return Mention(mention.person, mention.start, closing.end)
    return mention


def _title_after_dot(run: Run, following: Run | None, tokens: Sequence[Token]) -> Run | None:
    dot = run.stop
    if (
        following is None
        or dot >= len(tokens)
        or tokens[dot].surface != "・"
        or following.start != tokens[dot].end
        or titles.title_start(run.tokens) is not None
        or not titles.is_title(following.tokens)
    ):
        return None
    return following


def _looks_like_a_name(tokens: Sequence[Token], title: str | None, *, titled: bool) -> bool:
    text = "".join(token.surface for token in tokens if token.pos[0] != "空白")
    if not _NAME_CHARACTERS.fullmatch(text):
        return False
    last = tokens[-1]
    if len(tokens) == 1:
        return _single_token_name(last, title, titled=titled)
    if any(token.place and token.surface[-1] in "都道府県市区町村" for token in tokens):
        return False  # 石川県…: a place, not a person
    if last.given_name:
        return True
    if last.person_name:  # 林芳正, or a surname after a misread given name
        return titled
    first = tokens[0]
    # Misread names before a title: 宍戸|常寿 (a proper noun given name), 大森|凡|世 (single characters).
    rest_short = all(
        (len(token.surface) == 1 or len(token.surface) == 2 and not token.common_noun) and token.surface not in _BODY_CHARACTERS
        for token in tokens[1:]
    )
    return titled and (first.person_name or first.place) and rest_short and len(text) <= 5


def _single_token_name(token: Token, title: str | None, *, titled: bool) -> bool:
    if not titled:
        return False  # a lone surname or word is a name only with a title or an honorific after it
    if token.surname or (token.person_name and len(token.surface) >= 2):
        return True
    if token.place:  # 松本総務大臣: Sudachi reads some surnames as places
        return title is not None and titles.personal(title)
    # トランプ米大統領, トランプ氏: a foreign name in katakana
    return (
        token.common_noun
        and re.fullmatch(r"[\u30a1-\u30ffー]{2,}", token.surface) is not None
        and (title is None or titles.foreign(title))
    )


def _with_title_before(mention: Mention, previous: Run, tokens: Sequence[Token], index: int) -> Mention:
    """総支部長の佐藤健二氏, 元社長、川村誠被告, 代表取締役社長 森林 正彰: a title run just before the name."""
    separator = tokens[index - 1] if index > 0 else None
    adjacent = previous.end == mention.start
    separated = (
        separator is not None
        and separator.surface in _TITLE_BEFORE_SEPARATORS
        and previous.end == separator.start
        and separator.end == mention.start
    )
    if not (adjacent or separated) or not titles.is_title(previous.tokens):
        return mention
    return Mention(Person(mention.person.name, previous.text), previous.start, mention.end)


def _joined_spaced_names(runs: list[Run]) -> list[Run]:
    """森林　正彰, 村上　誠一郎: a surname and a given name set apart by a space are one run."""
    joined: list[Run] = []
    for run in runs:
        previous = joined[-1] if joined else None
        if (
            previous is not None
            and run.start - previous.end == 1
            and run.tokens[0].given_name
            and _KANJI_NAME_HALF.fullmatch(previous.tokens[-1].surface)
            and not titles.is_title(previous.tokens[-1:])
        ):
            if len(previous.tokens) > 1:
                joined[-1] = Run(previous.tokens[:-1], previous.index, previous.stop - 1)
            else:
                joined.pop()
            joined.append(Run((previous.tokens[-1], *run.tokens), run.index - 2, run.stop))  # the surname, a space before
            continue
        joined.append(run)
    return joined
