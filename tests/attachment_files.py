"""Attachments made by the tests: a Japanese PDF (reportlab, the CID font HeiseiKakuGo-W5, which
needs no font file), an Excel survey table (openpyxl), and hostile files."""

from __future__ import annotations

import io
import zipfile

from openpyxl import Workbook
from reportlab.lib.pagesizes import A4
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfgen import canvas

JAPANESE_FONT = "HeiseiKakuGo-W5"
NOTICE_LINES = (
    "別紙1 行政指導文書",
    "東都モバイル株式会社 代表取締役社長 殿",
    "約928万件の顧客情報が流出したおそれがある事案について、",
    "再発防止策を講じ、令和6年3月8日までに報告するよう指導する。",
)


def japanese_pdf(lines: tuple[str, ...] = NOTICE_LINES, pages: int = 1, font: str = JAPANESE_FONT) -> bytes:
    """``lines`` on each of ``pages`` pages, in ``font``: the CID font (registered here) or a font the
    caller registered with reportlab."""
    if font == JAPANESE_FONT:
        pdfmetrics.registerFont(UnicodeCIDFont(JAPANESE_FONT))
    buffer = io.BytesIO()
    page = canvas.Canvas(buffer, pagesize=A4)
    for _ in range(pages):
        page.setFont(font, 11)
        for index, line in enumerate(lines):
            page.drawString(60, 780 - 18 * index, line)
        page.showPage()
    page.save()
    return buffer.getvalue()


def crowded_pdf(strings: int = 40_000) -> bytes:
    """One page of ``strings`` separately placed characters: about 3 s of CPU to read (pypdf
    interprets each text operator in Python), a hundred kilobytes on the wire."""
    pdfmetrics.registerFont(UnicodeCIDFont(JAPANESE_FONT))
    buffer = io.BytesIO()
    page = canvas.Canvas(buffer, pagesize=A4)
    page.setFont(JAPANESE_FONT, 8)
    for index in range(strings):
        page.drawString(10 + index % 50 * 10, 10 + index // 50 % 80 * 10, "字")
    page.showPage()
    page.save()
    return buffer.getvalue()


def survey_workbook() -> bytes:
    """The CIO survey's table as a ministry's Excel file lays it out: a title, a header row, rows."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "調査結果"
    sheet.append(["CIOの任命状況"])
    sheet.append(["区分", "任命している", "任命していない"])
    sheet.append(["都道府県", 38, 9])
    sheet.append(["市区町村", 1279.0, 462])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def zip_bomb_workbook(inflated: int) -> bytes:
    """An .xlsx whose one sheet inflates to ``inflated`` bytes of zeros (a thousandth of that on the wire)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        with archive.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as member:
            chunk = b"\0" * 1_000_000
            for _ in range(inflated // len(chunk)):
                member.write(chunk)
    return buffer.getvalue()
