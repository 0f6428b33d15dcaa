"""PDF text extraction on Japanese PDFs: pdfminer.six against pypdf (the choice recorded in
monitor/attachments/__init__.py). Prints, per parser and kind of PDF, the share of the source
text recovered, CPU seconds per page and the peak Python memory.

    pip install pdfminer.six   # not a dependency of regwatch: only this comparison uses it
    python bench/attachment_parsers.py [--pages 20]

Two kinds of PDF, made here with reportlab: the CID font HeiseiKakuGo-W5 (not embedded, text in
the predefined UniJIS-UCS2-H encoding, as many Japanese office tools write) and the IPA Gothic
TrueType font embedded as a subset (where /usr/share/fonts has it).
"""

from __future__ import annotations

import argparse
import difflib
import io
import resource
import sys
import time
import tracemalloc
import unicodedata
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont

from tests.attachment_files import japanese_pdf  # noqa: E402

IPA_GOTHIC = Path("/usr/share/fonts/opentype/ipafont-gothic/ipag.ttf")
LINES = (
    "令和6年2月9日",
    "総合通信基盤局",
    "北陸通信サービス株式会社に対する行政指導",
    "総務省は、本日、北陸通信サービス株式会社（法人番号 7120001077523）に対し、",
    "電気通信事業法第4条第1項の規定に違反する事案が発生したことを受けて、",
    "再発防止策を講じ、令和6年3月8日までに報告するよう文書により指導しました。",
    "約928万件の顧客情報が流出したおそれがあり、①から③の措置を求めます。",
    "髙橋　﨑山　ＮＴＴ西日本（西日本電信電話株式会社）　㈱東和精機",
)


def with_pdfminer(data: bytes) -> str:
    from pdfminer.high_level import extract_text

    return extract_text(io.BytesIO(data))


def with_pypdf(data: bytes) -> str:
    from pypdf import PdfReader

    return "\n".join(page.extract_text() or "" for page in PdfReader(io.BytesIO(data)).pages)


def recovered(expected: str, found: str) -> float:
    """The share of the source's characters found in order (blanks ignored, NFKC on both sides)."""

    def squeeze(text: str) -> str:
        return "".join(unicodedata.normalize("NFKC", text).split())

    matcher = difflib.SequenceMatcher(None, squeeze(expected), squeeze(found), autojunk=False)
    return sum(block.size for block in matcher.get_matching_blocks()) / max(1, len(squeeze(expected)))


def measure(parse, data: bytes, pages: int, expected: str) -> tuple[float, float, float]:
    parse(data)  # imports and caches (CMaps) out of the figures
    tracemalloc.start()
    started = time.process_time()
    text = parse(data)
    seconds = time.process_time() - started
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return recovered(expected, text), seconds / pages * 1000, peak / 1e6


def bounded_cost(data: bytes, files: int = 5) -> tuple[float, float]:
    """CPU ms per file of a bounded read (the child's start and imports included), and the
    children's peak RSS in MB."""
    from monitor.attachments.bounded import Bounds, read_bounded

    bounds = Bounds(timeout=20, max_memory=1_000_000_000, max_chars=50_000, max_inflated=200_000_000)
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    for _ in range(files):
        read_bounded(data, "pdf", bounds)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)
    return cpu / files * 1000, after.ru_maxrss / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=20)
    pages = parser.parse_args().pages
    fonts = {"CID HeiseiKakuGo-W5": "HeiseiKakuGo-W5"}
    if IPA_GOTHIC.exists():
        pdfmetrics.registerFont(TTFont("IPAGothic", str(IPA_GOTHIC)))
        fonts["IPA Gothic embedded"] = "IPAGothic"
    expected = "\n".join(LINES * pages)
    print(f"{pages} pages of Japanese text; recovered = share of the source's characters found in order")
    print(f"{'PDF':22} {'parser':10} {'recovered':>9} {'CPU ms/page':>12} {'peak MB':>8}")
    for label, font in fonts.items():
        data = japanese_pdf(LINES, pages, font)
        for name, parse in (("pdfminer", with_pdfminer), ("pypdf", with_pypdf)):
            share, per_page, peak = measure(parse, data, pages, expected)
            print(f"{label:22} {name:10} {share:9.1%} {per_page:12.1f} {peak:8.1f}")
        for name, parse in (("pdfminer", with_pdfminer), ("pypdf", with_pypdf)):
            found = parse(japanese_pdf(LINES, 1, font))
            lost = sorted(set("".join(LINES)) - set(found) - {"\u3000"})
            print(f"  {name} lost: {''.join(lost) or 'nothing'}" + ("  (wrote (cid:…) instead)" if "(cid:" in found else ""))
    per_file, peak = bounded_cost(japanese_pdf(LINES, pages))
    print(f"bounded read of the {pages}-page PDF in a child process: {per_file:.0f} ms CPU per file, peak RSS {peak:.0f} MB")


if __name__ == "__main__":
    main()
