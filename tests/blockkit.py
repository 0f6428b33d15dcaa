"""A Block Kit message as HTML, the way Slack lays it out (a Block Kit Builder-like preview), so a
test can look at an alert in a real browser. Covers the blocks and mrkdwn regwatch sends: header,
section (text and fields), context, divider; *bold*, _italic_, ~strike~, <url|label> links,
<@U…> and <!subteam^…> mentions, and Slack's three escapes."""

from __future__ import annotations

import html
import re
from typing import Any

_LINK = re.compile(r"<([^<>|]+)(?:\|([^<>]*))?>")
_BOLD = re.compile(r"(?<![\w*])\*(?!\s)([^*\n]+?)(?<!\s)\*(?![\w*])")
_ITALIC = re.compile(r"(?<![\w_])_(?!\s)([^_\n]+?)(?<!\s)_(?![\w_])")
_STRIKE = re.compile(r"(?<![\w~])~(?!\s)([^~\n]+?)(?<!\s)~(?![\w~])")

_STYLE = """
body { margin: 0; background: #f8f8f8; font-family: 'Noto Sans CJK JP', 'IPAGothic', 'IPAPGothic', sans-serif; }
.message { display: flex; gap: 8px; background: #fff; margin: 16px; padding: 12px 16px; width: 640px;
  border: 1px solid #ddd; border-radius: 8px; color: #1d1c1d; font-size: 15px; line-height: 1.47; }
.avatar { width: 36px; height: 36px; border-radius: 4px; background: #4a154b; color: #fff; font-weight: bold;
  display: flex; align-items: center; justify-content: center; flex: none; }
.name { font-weight: 900; } .name small { font-weight: normal; color: #616061; margin-left: 4px; }
.header { font-size: 18px; font-weight: 900; margin: 4px 0; }
.section { margin: 4px 0; white-space: pre-wrap; word-break: break-word; }
.fields { display: grid; grid-template-columns: 1fr 1fr; gap: 4px 16px; margin: 4px 0; }
.fields div { white-space: pre-wrap; }
.context { color: #616061; font-size: 12px; margin: 4px 0; white-space: pre-wrap; }
.divider { border: none; border-top: 1px solid #ddd; }
a { color: #1264a3; text-decoration: none; }
.mention { background: #e8f5fa; color: #1264a3; border-radius: 3px; padding: 0 2px; }
"""


def mrkdwn_html(text: str) -> str:
    """Slack mrkdwn as HTML: links and mentions first (their labels are text), held aside while
    emphasis is read across them (*<url|title>* is a bold link)."""
    held: list[str] = []

    def hold(match: re.Match[str]) -> str:
        held.append(_link_html(match.group(1), match.group(2)))
        return f"\x00{len(held) - 1}\x00"

    shown = _emphasis(_unescaped_html(_LINK.sub(hold, text)))
    return re.sub("\x00([0-9]+)\x00", lambda match: held[int(match.group(1))], shown)


def _link_html(target: str, label: str | None) -> str:
    if target.startswith("@"):
        return f'<span class="mention">@{html.escape(target[1:])}</span>'
    if target.startswith("!"):
        return f'<span class="mention">@{html.escape(target[1:].removeprefix("subteam^"))}</span>'
    shown = _unescaped_html(label if label is not None else target)
    return f'<a href="{html.escape(html.unescape(target), quote=True)}">{_emphasis(shown)}</a>'


def _unescaped_html(text: str) -> str:
    """Slack's &amp; &lt; &gt; are the characters; shown as HTML they are escaped again."""
    return html.escape(text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&"), quote=False)


def _emphasis(text: str) -> str:
    text = _BOLD.sub(r"<b>\1</b>", text)
    text = _ITALIC.sub(r"<i>\1</i>", text)
    return _STRIKE.sub(r"<s>\1</s>", text)


def block_html(block: dict[str, Any]) -> str:
    kind = block["type"]
    if kind == "header":
        return f'<div class="header">{html.escape(block["text"]["text"])}</div>'
    if kind == "divider":
        return '<hr class="divider">'
    if kind == "context":
        return '<div class="context">' + " ".join(mrkdwn_html(e["text"]) for e in block["elements"]) + "</div>"
    if kind == "section":
        text = f'<div class="section">{mrkdwn_html(block["text"]["text"])}</div>' if "text" in block else ""
        fields = "".join(f"<div>{mrkdwn_html(field['text'])}</div>" for field in block.get("fields", ()))
        return text + (f'<div class="fields">{fields}</div>' if fields else "")
    raise ValueError(f"no preview for a {kind} block")


def message_html(blocks: list[dict[str, Any]], *, app: str = "regwatch", time: str = "") -> str:
    body = "".join(block_html(block) for block in blocks)
    return (
        f'<!doctype html><html lang="ja"><head><meta charset="utf-8"><style>{_STYLE}</style></head><body>'
        f'<div class="message"><div class="avatar">R</div><div><div class="name">{html.escape(app)}'
        f"<small>APP {html.escape(time)}</small></div>{body}</div></div></body></html>"
    )
