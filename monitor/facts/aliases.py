"""Names given in quotes, in parentheses and as declared abbreviations.

- 「…」 names a body when a kind of body stands right before it (運送会社「東和ロジスティクス」,
  資金管理団体「花咲く未来の会」), when it is one whole body's name (「自治体DX推進に関する検討会」,
  「鈴木花子後援会」), or when quotes are counted as bodies after them (「みらい横浜」と「市民クラブ」の
  2会派). Other short quotes hold products, slogans and terms (「フレッツ光」, 「NHK ONE」): nothing
  in them is read as a name.
- （…） right after a body gives another name for it: 全日本空輸（ANA）, 安倍派（清和政策研究会）,
  ビッグモーター（現WECARS）. A place (（福岡市）), a person (（森田浩美裁判長）) or a note is not one.
- 以下「NTT西日本」 and JAXA＝宇宙航空研究開発機構 declare another name.
- A company written with its legal form is also named where its bare name stands alone
  (東和精機株式会社 … 東和精機は).
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from monitor.facts import heads, titles
from monitor.facts.bodies import Found, body_in_run
from monitor.facts.runs import noun_runs
from monitor.facts.tokens import Token

_QUOTE = re.compile(r"[「『]([^「」『』\n]{1,60})[」』]")
_KIND_BEFORE_QUOTE = re.compile(r"(?:会社|社|法人|団体|後援会|業者|事業者|メーカー|組織|グループ|政党|チェーン|銀行|研究所)$")
_COUNTED_AFTER_QUOTES = re.compile(r"^の[0-9一二三四五六七八九十]+(?:会派|社|団体|党|政党|グループ)")
_QUOTE_JOINER = re.compile(r"^(?:と|や|、|および|及び)$")
_PARENTHESIS = re.compile(r"\(([^()\n]{1,20})\)")
_DECLARED = re.compile(r"以下[,、]?\s*「([^」]{1,30})」")
_EQUALS = re.compile(r"([A-Za-z][A-Za-z0-9&.\-]{1,15})=([^\s、。()「」]{2,40})")
_LEGAL_FORMS = ("株式会社", "有限会社", "合同会社", "合資会社", "合名会社", "(株)", "(有)")
# Defined terms that are not bodies: 以下「本件」, 以下「NTT法」, 以下「当社」.
_TERM = re.compile(r"(?:法|令|規則|ガイドライン|指針|計画|本件|事案|事業|業務|契約|システム|報告|制度|当社|弊社|同社)$")
_NOT_AN_ALIAS = re.compile(r"[0-9:「」]|以下|^(?:本社|所在地|旧姓)")


def term_quotes(text: str, tokens: Sequence[Token]) -> list[tuple[int, int]]:
    """The spans of quoted names and terms (「フレッツ光」, 「103万円の壁」), not of speech: speech
    ends with a verb or an auxiliary (「ドコモの通信品質の改善を急ぐ」) or holds a sentence."""
    terms: list[tuple[int, int]] = []
    for match in _QUOTE.finditer(text):
        inner = [token for token in tokens if match.start() < token.start and token.end < match.end()]
        if inner and inner[-1].pos[0] in ("名詞", "接尾辞", "補助記号") and not re.search(r"[。、]", match.group(1)):
            terms.append((match.start(), match.end()))
    return terms


def quoted_names(text: str, tokens: Sequence[Token], quotes: list[tuple[int, int]]) -> list[Found]:
    found: list[Found] = []
    counted = _counted_quotes(text, quotes)
    for start, end in quotes:
        content = text[start + 1 : end - 1]
        inner = [token for token in tokens if start < token.start and token.end < end]
        runs = noun_runs(inner)
        # A whole quote is a body's name when it ends with a body's head: 「LINE」 alone names a service.
        whole = len(runs) == 1 and heads.head_kind(content) is not None and (body := body_in_run(runs[0])) is not None
        if whole and body.name == content or _KIND_BEFORE_QUOTE.search(text[:start]) or (start, end) in counted:
            found += _with_alias(content, start + 1)
        elif heads.quoted_council(content):
            found.append(Found(content, start + 1, end - 1))
    return found


def aliases(text: str, tokens: Sequence[Token], found: list[Found]) -> list[Found]:
    names: list[Found] = []
    for name in found:
        match = _PARENTHESIS.match(text, name.end)
        if match and _alias_like(match.group(1), [t for t in tokens if match.start(1) <= t.start and t.end <= match.end(1)]):
            names.append(Found(match.group(1).removeprefix("現"), match.start(1), match.end(1)))
    for match in _DECLARED.finditer(text):
        if not _TERM.search(match.group(1)):
            names.append(Found(match.group(1), match.start(1), match.end(1)))
    for match in _EQUALS.finditer(text):
        if heads.head_kind(match.group(2)):
            names += [Found(match.group(1), match.start(1), match.end(1)), Found(match.group(2), match.start(2), match.end(2))]
    return names + _bare_company_names(text, found + names)


def _with_alias(content: str, start: int) -> list[Found]:
    """WECARS(ウィーカーズ): a name with another in parentheses."""
    match = re.fullmatch(r"(.+?)\((.+)\)", content)
    if match is None:
        return [Found(content, start, start + len(content))]
    return [
        Found(match.group(1), start, start + match.end(1)),
        Found(match.group(2), start + match.start(2), start + match.end(2)),
    ]


def _counted_quotes(text: str, quotes: list[tuple[int, int]]) -> set[tuple[int, int]]:
    """「みらい横浜」と「市民クラブ」の2会派: quotes joined by と/や/、 and counted as bodies after."""
    counted: set[tuple[int, int]] = set()
    chain: list[tuple[int, int]] = []
    for span in quotes:
        if chain and not _QUOTE_JOINER.match(text[chain[-1][1] : span[0]]):
            chain = []
        chain.append(span)
        if _COUNTED_AFTER_QUOTES.match(text[span[1] :]):
            counted.update(chain)
    return counted


def _alias_like(content: str, tokens: Sequence[Token]) -> bool:
    """ANA, 清和政策研究会, 旧統一教会, 現WECARS; not 福岡市, 森田浩美裁判長, 本社:東京都港区, 52."""
    if _NOT_AN_ALIAS.search(content) or content.endswith(("市", "区", "町", "村", "県", "都", "府")):
        return False
    if any(token.place or token.person_name or token.pos[0] in ("助詞", "助動詞", "動詞") for token in tokens):
        return False
    return titles.title_start(tokens) is None


def _bare_company_names(text: str, names: list[Found]) -> list[Found]:
    """東都モバイル beside 東都モバイル株式会社: a company's name without its legal form, where it stands alone."""
    bare: list[Found] = []
    legal = "|".join(map(re.escape, _LEGAL_FORMS))
    for name in names:
        short = re.sub(rf"^(?:{legal})|(?:{legal})$", "", name.name)
        if len(short) < 2 or short == name.name:
            continue
        for match in re.finditer(re.escape(short), text):
            if not re.match(legal, text[match.end() :]) and not re.search(rf"(?:{legal})$", text[: match.start()]):
                bare.append(Found(short, match.start(), match.end()))
    return bare
