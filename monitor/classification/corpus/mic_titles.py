"""Real MIC 報道資料 titles of 2009-2013 with the labels derived from them: title-only items.

    python -m monitor.classification.corpus.mic_titles [PATH of the extracted links file]

reads ``../shared/fixtures/real/soumu/extracted/s-news_monthly_list_links_2009-2018__*.json``
(every link of the monthly 報道資料 pages), keeps the monthly pages before 2014 (2014-2018 are kept
for acceptance: never read here), and records each distinct release title with its label in
mic_titles.jsonl. A title is a guidance notice when it names the company or body an order or a
guidance was addressed to (「…株式会社に対する…に係る措置（指導）」「…措置命令の実施」「…是正命令」);
titles whose reading is doubtful are left out rather than guessed; every other title is a real
negative (意見募集, 勧告に対する改善措置状況, 懲戒処分の状況, 剰余金の処分の認可 …).
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path
from typing import Any

HERE = Path(__file__).parent
RECORDED = HERE / "mic_titles.jsonl"
LAST_TRAINING_MONTH = "1312"  # YYMM: 2014 onwards is the acceptance set
SOURCE = "fixtures/real/soumu/extracted/s-news_monthly_list_links_2009-2018__01mokuba-soumu_scrapy__soumu.json"

_GUIDANCE = re.compile(
    r"(?:に対する|による)[^（]*?(?:措置（指導）|措置命令|是正命令|業務改善命令|業務停止命令|行政指導|厳重注意|警告|報告の要請|に係る指導|に関する指導|"
    r"の防止に関する指導|に係る措置$)|監督上の命令"
)
# Addressed to a named body, but neither guidance nor an order for what it did: left out.
_DOUBTFUL = re.compile(
    r"指名停止|国際放送等(?:の)?実施要請|関係団体に対する要請|民間放送連盟に対する要請|報告の徴求|ファイナンスへ移管"
)
_RELEASE_LINK = re.compile(r"/menu_news/s-news/[^/]+\.html$")
_NOT_A_TITLE = re.compile(r"\d{4}年|\d{1,2}月|")


def derive(path: Path) -> list[dict[str, Any]]:
    """The labelled titles of the training months, in page order, each title once."""
    seen: set[str] = set()
    items: list[dict[str, Any]] = []
    for page in _pages(path):
        if str(page["month"]) > LAST_TRAINING_MONTH:
            continue
        for link in page["links"]:
            title = " ".join(str(link.get("text", "")).split())
            if not _RELEASE_LINK.search(str(link.get("href", ""))) or _NOT_A_TITLE.fullmatch(title) or title in seen:
                continue
            seen.add(title)
            if _DOUBTFUL.search(title):
                continue
            labels = ["guidance_notice"] if _GUIDANCE.search(title) else []
            items.append({"title": title, "labels": labels, "month": str(page["month"])})
    return items


def _pages(path: Path) -> list[dict[str, Any]]:
    """The file is JSON lines inside [ ]; two lines are broken and skipped (MANIFEST.md)."""
    pages = []
    for line in path.read_text(encoding="utf-8").splitlines():
        line = line.strip().rstrip(",")
        if line in ("", "[", "]"):
            continue
        try:
            pages.append(json.loads(line))
        except json.JSONDecodeError:
            continue
    return pages


def title_items() -> list[dict[str, Any]]:
    """The recorded titles as corpus items: title-only, each its own frame."""
    items = []
    for line in RECORDED.read_text(encoding="utf-8").splitlines():
        recorded = json.loads(line)
        kind = "positive" if recorded["labels"] else "negative"
        month = recorded["month"]
        items.append(
            {
                "id": f"mic-title-{month}-{len(items)}",
                "title": recorded["title"],
                "body": "",
                "published": f"20{month[:2]}-{month[2:]}-15T17:00:00+09:00",
                "labels": recorded["labels"],
                "kind": kind,
                "frame": f"mic-title-{len(items)}",
                "register": "mic_title",
                "facts": None,
            }
        )
    return items


def main() -> None:
    default = HERE.parents[3] / "shared" / SOURCE  # ../shared next to the checkout
    path = Path(sys.argv[1]) if len(sys.argv) > 1 else default
    items = derive(path)
    with RECORDED.open("w", encoding="utf-8") as output:
        for item in items:
            output.write(json.dumps(item, ensure_ascii=False) + "\n")
    positives = sum(bool(item["labels"]) for item in items)
    print(
        f"{len(items)} titles of {LAST_TRAINING_MONTH} and before: {positives} guidance notices, {len(items) - positives} negatives"
    )


if __name__ == "__main__":
    main()
