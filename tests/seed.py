"""The three seed documents (../shared/fixtures/seed) served as the sources publish them, so an
end-to-end test can follow the very items regwatch was asked for from the page to the alert.

The seed holds extracted text, not HTML. Each document is put back into its source's markup as
../shared/notes/SOURCES.md describes it (and as tests/pages follow): the MIC releases into the
報道資料 list (Shift_JIS, date / linked title / 担当部局 rows) and soumu.go.jp's release template
(和暦 date, title, paragraphs, numbered sections, 連絡先); the NHK story into an RSS item and a
www3 article page. The text is the seed's, unchanged. The guidance text after its 連絡先 is the
letter itself (別紙, a PDF on the real site): the page lists it under 関係資料 instead. The survey,
whose release date the seed does not give, is listed on the guidance's day.
Characters Shift_JIS cannot hold (¹) are written as character references, as such pages do.
"""

from __future__ import annotations

import html
import re

from tests.conftest import LocalSite, shared_file

GUIDANCE_TITLE = "西日本電信電話株式会社に対する行政指導"
SURVEY_TITLE = "CIO及びCIO補佐官の任命状況"
DONATION_TITLE = "西田総務政務官が代表の自民支部 300万円の寄付を返金"
GUIDANCE_PATH = "/menu_news/s-news/01kiban05_02000350.html"
SURVEY_PATH = "/menu_news/s-news/01gyosei07_02000210.html"
DONATION_PATH = "/news/html/20240215/k10014361111000.html"
ATTACHMENT_PATH = "/main_content/000929001.pdf"
_SECTION = re.compile(r"^[0-9０-９]+\s+\S")


def seed_documents() -> list[str]:
    """The donation story, the CIO survey and the guidance release, as the seed file holds them."""
    text = shared_file("fixtures/seed/000_a3618b50c3fe988d.txt").read_text(encoding="utf-8")
    survey, guidance = text.index(f"{SURVEY_TITLE}\n"), text.index(f"令和6年2月9日\n\n{GUIDANCE_TITLE[:4]}")
    return [text[:survey], text[survey:guidance], text[guidance:]]


def publish_seed(site: LocalSite) -> None:
    donation, survey, guidance = seed_documents()
    rows = [
        ("2024年2月9日", GUIDANCE_PATH, GUIDANCE_TITLE, "総合通信基盤局"),
        ("2024年2月9日", SURVEY_PATH, SURVEY_TITLE, "自治行政局"),
    ]
    site.write("/menu_news/s-news/index.html", _mic_list(rows).encode("cp932", errors="xmlcharrefreplace"))
    site.write(GUIDANCE_PATH, _mic_release(guidance, with_attachment=True).encode("cp932", errors="xmlcharrefreplace"))
    site.write(SURVEY_PATH, _mic_release(f"令和6年2月9日\n\n{survey}").encode("cp932", errors="xmlcharrefreplace"))
    site.write(ATTACHMENT_PATH, b"%PDF-1.4\n")
    site.write("/rss/news/cat4.xml", _nhk_feed(donation))
    site.write(DONATION_PATH, _nhk_article(donation))


def _paragraphs(text: str) -> list[str]:
    return [block.strip() for block in re.split(r"\n\s*\n", text) if block.strip()]


def _mic_list(rows: list[tuple[str, str, str, str]]) -> str:
    cells = "".join(
        f'<tr><td scope="row">{day}</td><td><a href="{path}">{html.escape(title)}</a></td><td>{bureau}</td></tr>\n'
        for day, path, title, bureau in rows
    )
    return f"""<?xml version="1.0" encoding="Shift_JIS"?>
<html xmlns="http://www.w3.org/1999/xhtml" xml:lang="ja" lang="ja">
<head><meta http-equiv="Content-Type" content="text/html; charset=Shift_JIS" /><title>総務省｜報道資料｜報道資料一覧</title></head>
<body><div id="contentsWrapper"><div class="contentsBody">
<h1>報道資料一覧</h1>
<table class="tableList" summary="報道資料一覧">
<tr><th scope="col">日付</th><th scope="col">件名</th><th scope="col">担当</th></tr>
{cells}</table>
</div></div></body></html>
"""


def _mic_release(text: str, *, with_attachment: bool = False) -> str:
    day, title, *blocks = _paragraphs(text)
    if "連絡先" in blocks:
        blocks = blocks[: blocks.index("連絡先") + 2]  # what follows is the 別紙
    body: list[str] = []
    for block in blocks:
        lines = [html.escape(line.strip()) for line in block.splitlines() if line.strip()]
        if block == "連絡先" or _SECTION.match(block) and len(block) < 30:
            body.append(f"<h3>{lines[0]}</h3>")
        elif block.startswith("- "):
            body.append("<ul>" + "".join(f"<li>{line[2:]}</li>" for line in lines) + "</ul>")
        else:
            body.append("<p>" + "<br />".join(lines) + "</p>")
    attachment = (
        f'<h3>関係資料</h3>\n<ul><li><a href="{ATTACHMENT_PATH}">別紙　行政指導文書（PDF）</a></li></ul>'
        if with_attachment
        else ""
    )
    return f"""<!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.0 Transitional//EN" "http://www.w3.org/TR/xhtml1/DTD/xhtml1-transitional.dtd">
<html xmlns="http://www.w3.org/1999/xhtml" xml:lang="ja" lang="ja">
<head><meta http-equiv="Content-Type" content="text/html; charset=Shift_JIS" /><title>総務省｜報道資料｜{html.escape(title)}</title></head>
<body><div id="contentsWrapper"><div class="contentsBody">
<div class="title"><h1>報道資料</h1></div>
<p class="right">{day}</p>
<h2>{html.escape(title)}</h2>
{chr(10).join(body)}
{attachment}
</div></div></body></html>
"""


def _nhk_feed(story: str) -> str:
    title, _time, lead, *_ = _paragraphs(story)
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0" xmlns:nhknews="http://www.nhk.or.jp/rss/rss2.0/modules/nhknews/">
<channel><title>NHKニュース</title><link>http://regwatch.test/news/</link><description>NHKニュース</description>
<item>
<title>{html.escape(title)}</title>
<link>http://regwatch.test{DONATION_PATH}</link>
<guid>http://regwatch.test{DONATION_PATH}</guid>
<pubDate>Thu, 15 Feb 2024 16:51:00 +0900</pubDate>
<description>{html.escape(lead[:80])}</description>
</item>
</channel></rss>
"""


def _nhk_article(story: str) -> str:
    title, _time, *blocks = _paragraphs(story)
    # The story's first paragraph is cut by a blank line mid-sentence in the seed: rejoin it.
    summary, rest = blocks[0] + blocks[1], blocks[2:]
    paragraphs = "<br /><br />".join(html.escape(block) for block in rest)
    return f"""<!DOCTYPE HTML>
<html class="no-js"><head><meta charset="utf-8" /><title>{html.escape(title)} | NHK | 政治資金</title>
<link rel="canonical" href="http://regwatch.test{DONATION_PATH}" />
<script type="application/ld+json">
{{"@context": "http://schema.org", "@type": "NewsArticle", "headline": "{html.escape(title)}",
 "datePublished": "2024-02-15T16:51:00+09:00", "dateModified": "2024-02-15T16:51:00+09:00"}}
</script></head>
<body><div id="main"><article class="module module--detail--v3"><section class="module--detail-content">
<header class="content--detail-header"><div class="content--detail-title">
<h1 class="content--title"><span>{html.escape(title)}</span></h1>
<p class="content--date"><time datetime="2024-02-15T16:51:00">2024年2月15日 16時51分</time></p>
</div></header>
<section class="content--detail-main"><div class="content--detail-body">
<p class="content--summary">{html.escape(summary)}</p>
<div class="content--detail-more"><section class="content--body">
<div class="body-text"><p>{paragraphs}</p></div>
</section></div></div></section></section></article></div></body></html>
"""
