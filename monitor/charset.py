"""Decode fetched bytes to text ourselves.

httpx ignores ``<meta charset>`` and the XML declaration and falls back to UTF-8, which garbles
Shift_JIS pages. The charset comes from, in order: a byte-order mark, the HTTP header, the XML
declaration or ``<meta>`` tag; each candidate is tried strictly, then UTF-8, cp932 and EUC-JP.
Shift_JIS labels map to cp932 because ministry pages use the NEC/IBM extensions (①, ㈱, 髙, 﨑)
that plain Shift_JIS cannot decode.
"""

from __future__ import annotations

import codecs
import logging
import re
from dataclasses import InitVar, dataclass

from monitor.errors import DecodeError
from monitor.text import CONTROL_CODEPOINTS, without_controls

logger = logging.getLogger(__name__)

_ALIASES = {
    "shift_jis": "cp932",
    "shift-jis": "cp932",
    "sjis": "cp932",
    "x-sjis": "cp932",
    "s-jis": "cp932",
    "ms_kanji": "cp932",
    "csshiftjis": "cp932",
    "windows-31j": "cp932",
    "cp932": "cp932",
    "ms932": "cp932",
    "euc-jp": "euc_jp",
    "x-euc-jp": "euc_jp",
    "eucjp": "euc_jp",
    "utf8": "utf-8",
}
_FALLBACKS = ("utf-8", "cp932", "euc_jp")
_BOMS = ((codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16"))
_HEADER_CHARSET = re.compile(r"charset\s*=\s*[\"']?([\w.:-]+)", re.I)
_XML_DECL = re.compile(rb"^\s*<\?xml[^>]*encoding\s*=\s*[\"']([\w.:-]+)[\"']", re.I)
_META_CHARSET = re.compile(rb"<meta[^>]+charset\s*=\s*[\"']?\s*([\w.:-]+)", re.I)
# A damaged byte or two in an otherwise clean page should not cost the whole page.
_MAX_REPLACED = 8


@dataclass(frozen=True)
class Decoded:
    """The text of a page, without C0 controls but tab and line breaks: no HTML or XML document
    holds them legitimately, and parsers refuse them (lxml raises on ``\x01`` in an attribute)."""

    text: str
    encoding: str
    declared: str | None
    may_hold_controls: InitVar[bool] = True  # False: known to hold none (see _may_hold_controls)

    def __post_init__(self, may_hold_controls: bool) -> None:
        if may_hold_controls:
            object.__setattr__(self, "text", without_controls(self.text))


# In these codecs a byte below 0x80 never belongs to a multi-byte character (cp932's trail bytes
# start at 0x40), so a control character can only be decoded from its own byte.
_CONTROLS_ONLY_FROM_THEIR_BYTE = frozenset({"utf-8", "cp932", "euc_jp"})
_CONTROL_BYTES = bytes(CONTROL_CODEPOINTS)


def _may_hold_controls(content: bytes, codec: str) -> bool:
    """Whether ``content`` decoded by ``codec`` may hold a control character. Deleting the control
    bytes from the bytes costs a fifth of searching the decoded text for them."""
    return codec not in _CONTROLS_ONLY_FROM_THEIR_BYTE or len(content.translate(None, _CONTROL_BYTES)) != len(content)


def codec_for(label: str | None) -> str | None:
    """The Python codec for a charset label, or None when the label is unknown."""
    if not label:
        return None
    key = label.strip().lower()
    if key in _ALIASES:
        return _ALIASES[key]
    try:
        return codecs.lookup(key).name
    except LookupError:
        return None


def declared_charset(content: bytes, content_type: str | None = None) -> str | None:
    """The charset the page claims: HTTP header first, then XML declaration, then <meta>."""
    if content_type:
        match = _HEADER_CHARSET.search(content_type)
        if match:
            return match.group(1)
    head = content[:4096]
    for pattern in (_XML_DECL, _META_CHARSET):
        match = pattern.search(head)
        if match:
            return match.group(1).decode("ascii", "replace")
    return None


def decode(content: bytes, content_type: str | None = None, *, url: str = "") -> Decoded:
    """Decode ``content`` strictly by the first charset that fits; raise DecodeError otherwise."""
    for bom, codec in _BOMS:
        if content.startswith(bom):
            try:
                return Decoded(content.decode(codec), codec, codec)
            except UnicodeDecodeError:
                logger.warning("%s: starts with a %s byte-order mark but is not %s; trying other charsets", url, codec, codec)
                content = content[len(bom) :]
    declared = declared_charset(content, content_type)
    declared_codec = codec_for(declared)
    if declared and not declared_codec:
        logger.warning("%s: unknown charset label %r, trying fallbacks", url, declared)
    candidates = [c for c in dict.fromkeys([declared_codec, *_FALLBACKS]) if c]
    for codec in candidates:
        try:
            text = content.decode(codec)
        except UnicodeDecodeError:
            continue
        if declared_codec and codec != declared_codec:
            logger.warning("%s: declared %s but decodes only as %s", url, declared, codec)
        return Decoded(text, codec, declared, _may_hold_controls(content, codec))
    return _decode_damaged(content, candidates, declared, url)


def _decode_damaged(content: bytes, candidates: list[str], declared: str | None, url: str) -> Decoded:
    best_codec, best_text = min(
        ((codec, content.decode(codec, errors="replace")) for codec in candidates),
        key=lambda pair: pair[1].count("\ufffd"),
    )
    replaced = best_text.count("\ufffd")
    if replaced > _MAX_REPLACED:
        raise DecodeError(
            f"{url}: bytes are not valid in any of {', '.join(candidates)} "
            f"(declared {declared or 'nothing'}; best fit {best_codec} with {replaced} bad sequences)"
        )
    logger.warning("%s: %d undecodable byte sequence(s) replaced, decoded as %s", url, replaced, best_codec)
    return Decoded(best_text, best_codec, declared)
