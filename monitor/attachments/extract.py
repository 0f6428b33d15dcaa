"""The text of an attachment's bytes (pure; run in a bounded child process by monitor.attachments.bounded).

- PDF: pypdf, page by page, up to ``max_chars`` characters.
- Excel (xlsx, xlsm): openpyxl in read-only mode, one line per row, cells joined by tabs, each
  sheet under its title: the layout the survey-table reader of monitor.facts.tables takes
  (区分<TAB>任命している<TAB>任命していない, then 都道府県<TAB>38<TAB>9). Whole-number cells are
  written without decimals (38, not 38.0).
The zip container of an Excel file is checked before it is opened: a member that claims to
inflate beyond ``max_inflated`` bytes is refused (a zip bomb), whatever its compressed size.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterator
from datetime import date, datetime
from typing import Literal

from monitor.errors import AttachmentError

PDF_TYPES = ("pdf",)
EXCEL_TYPES = ("xlsx", "xlsm")
ReadableType = Literal[*PDF_TYPES, *EXCEL_TYPES]  # the attachments.types a config may name


def extract_text(data: bytes, kind: str, *, max_chars: int, max_inflated: int) -> str:
    """The text of ``data``, a file of type ``kind`` (pdf, xlsx, xlsm), cut at ``max_chars``."""
    if kind in PDF_TYPES:
        parts = _pdf_pages(data)
    elif kind in EXCEL_TYPES:
        parts = _excel_lines(data, max_inflated)
    else:
        raise AttachmentError(f"no text reader for .{kind} files")
    return _gather(parts, max_chars)


def _gather(parts: Iterator[str], max_chars: int) -> str:
    """Parts joined by newlines until ``max_chars``: a huge file is read only as far as is kept."""
    kept: list[str] = []
    size = 0
    for part in parts:
        kept.append(part)
        size += len(part) + 1
        if size >= max_chars:
            break
    return "\n".join(kept)[:max_chars].strip()


def _pdf_pages(data: bytes) -> Iterator[str]:
    from pypdf import PdfReader
    from pypdf.errors import PyPdfError

    if b"%PDF-" not in data[:1024]:  # readers accept a header anywhere in the first kilobyte
        raise AttachmentError("not a PDF file (no %PDF- header)")
    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted:
            raise AttachmentError("the PDF is encrypted")
        for page in reader.pages:
            yield page.extract_text() or ""
    except (PyPdfError, ValueError, KeyError, TypeError, AttributeError, IndexError) as exc:
        raise AttachmentError(f"unreadable PDF ({exc.__class__.__name__}: {exc})") from None


def _excel_lines(data: bytes, max_inflated: int) -> Iterator[str]:
    from openpyxl import load_workbook

    _check_zip(data, max_inflated)
    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, ValueError, TypeError, OSError) as exc:
        raise AttachmentError(f"unreadable Excel file ({exc.__class__.__name__}: {exc})") from None
    try:
        for sheet in workbook.worksheets:
            yield sheet.title
            for row in sheet.iter_rows(values_only=True):
                cells = [_cell_text(value) for value in row]
                while cells and not cells[-1]:
                    cells.pop()
                if cells:
                    yield "\t".join(cells)
    finally:
        workbook.close()


def _check_zip(data: bytes, max_inflated: int) -> None:
    try:
        members = zipfile.ZipFile(io.BytesIO(data)).infolist()
    except zipfile.BadZipFile as exc:
        raise AttachmentError(f"not an Excel (zip) file ({exc})") from None
    total = sum(member.file_size for member in members)
    if total > max_inflated:
        raise AttachmentError(f"the Excel file inflates to {total:,} bytes, over the bound of {max_inflated:,}")


def _cell_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime):
        return value.date().isoformat() if (value.hour, value.minute, value.second) == (0, 0, 0) else value.isoformat(" ")
    if isinstance(value, date):
        return value.isoformat()
    return " ".join(str(value).split())
