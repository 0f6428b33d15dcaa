"""Builds the labelled corpus: train.jsonl and test.jsonl next to this file.

    python -m monitor.classification.corpus.build

Written for the project (nothing copied from any site); every name, company and figure is
invented. Frames (donation.py, guidance.py, cio.py, general.py) write documents in NHK-article,
press-release, headline and table styles; dates come as 和暦 or western, and a fifth of the items
use full-width digits. The test split is kept apart three ways: its positive frames include ones
the training split never sees (unseen phrasing), it names people, companies and places from a
separate pool (unseen names), and it adds items written by hand in other styles (handwritten.py).
Every hard-negative type appears in both splits, with different names and slots.

Fact annotation guidelines (the frames record facts as they write them):
- organizations: ministries, agencies, commissions, regional bureaus; companies as written (legal
  form included when written; a quoted company name too); parties, named party branches, named
  political groups; media and other named bodies; an abbreviation declared in the text. Not:
  同社-style anaphora, generic nouns (地元の建設会社), place names, divisions of a ministry.
- people: named persons, each with the title attached to the name where there is one.
- dates: year-month-day expressions, and dates continuing one (a range, 同年).
- resolved_dates: relative and year-less expressions, resolved against the publication date.
"""

from __future__ import annotations

import json
import random
from collections.abc import Callable
from datetime import date, datetime, timedelta
from pathlib import Path

from monitor.classification.corpus import cio, donation, general, guidance, handwritten
from monitor.classification.corpus.builder import Doc, full_width
from monitor.classification.corpus.pools import banks, builders, city_names, companies, politicians
from monitor.jpdates import JST

HERE = Path(__file__).parent
SEED = 2026
_HELD_OUT_EVERY = 4  # every 4th positive frame is seen only in the test split
_PER_FRAME = {"train": 6, "test": 3}
_PER_HELD_OUT_FRAME = 5


class _Sampler:
    """Slot values for one split, and one Doc per generated item."""

    def __init__(self, split: str, rng: random.Random) -> None:
        self.split = split
        self.rng = rng
        self.politicians = politicians(split, rng)
        self.companies = companies(split, rng)
        self.builders = builders(split)
        self.banks = banks(split)
        self.cities = city_names(split)

    def doc(self) -> Doc:
        published = date(2022, 1, 1) + timedelta(days=self.rng.randint(0, 1400))
        return Doc(self.rng, published, era_dates=self.rng.random() < 0.5)

    def amount(self) -> int:
        return self.rng.choice([50, 100, 120, 150, 200, 300, 500, 1000, 1500]) * 10**4


def _item(split: str, frame: Callable, kind: str, labels: tuple[str, ...], doc: Doc, title: str, body: str, index: int) -> dict:
    if doc.rng.random() < 0.2:
        title, body = full_width(title), full_width(body)
    hour = doc.rng.randint(6, 21)
    published = datetime(doc.published.year, doc.published.month, doc.published.day, hour, doc.rng.randint(0, 59), tzinfo=JST)
    return {
        "id": f"{split}-{frame.__name__}-{index:02d}",
        "title": title,
        "body": body,
        "published": published.isoformat(),
        "labels": list(labels),
        "kind": kind,
        "frame": frame.__name__,
        "facts": doc.facts,
    }


def _generate(
    sampler: _Sampler, frames: list[Callable], kind: str, labels: tuple[str, ...], count: int, make: Callable
) -> list[dict]:
    items = []
    for frame in frames:
        for index in range(count):
            doc = sampler.doc()
            title, body = make(frame, doc)
            items.append(_item(sampler.split, frame, kind, labels, doc, title, body, index))
    return items


def _held_out(frames: list[Callable], split: str) -> list[Callable]:
    return [frame for i, frame in enumerate(frames) if (i % _HELD_OUT_EVERY == _HELD_OUT_EVERY - 1) == (split == "test")]


def build_split(split: str) -> list[dict]:
    sampler = _Sampler(split, random.Random(f"{SEED}-{split}"))
    rng = sampler.rng

    def donation_slots(frame: Callable, doc: Doc) -> tuple[str, str]:
        return frame(doc, rng.choice(sampler.politicians), rng.choice(sampler.builders), sampler.amount())

    def guidance_slots(frame: Callable, doc: Doc) -> tuple[str, str]:
        regulator = rng.choice(["金融庁", "総務省", "経済産業省"])
        return frame(doc, rng.choice(sampler.companies), regulator, rng.choice(sampler.banks))

    def cio_slots(frame: Callable, doc: Doc) -> tuple[str, str]:
        return frame(doc, rng.choice(sampler.cities))

    def general_slots(frame: Callable, doc: Doc) -> tuple[str, str]:
        return frame(doc, rng.choice(sampler.politicians), rng.choice(sampler.companies))

    items: list[dict] = []
    for frames, labels, make in (
        (donation.POSITIVE_FRAMES, ("donation_refund",), donation_slots),
        (guidance.POSITIVE_FRAMES, ("guidance_notice",), guidance_slots),
        (cio.POSITIVE_FRAMES, ("cio_survey",), cio_slots),
    ):
        own = _held_out(frames, split)
        per_frame = _PER_HELD_OUT_FRAME if split == "test" else _PER_FRAME["train"]
        items += _generate(sampler, own, "positive", labels, per_frame, make)
        if split == "test":  # the training frames again, with names the model never saw
            items += _generate(sampler, _held_out(frames, "train"), "positive", labels, 2, make)
    for frames, make in (
        (donation.HARD_NEGATIVE_FRAMES, donation_slots),
        (guidance.HARD_NEGATIVE_FRAMES, guidance_slots),
        (cio.HARD_NEGATIVE_FRAMES, cio_slots),
    ):
        items += _generate(sampler, frames, "hard_negative", (), _PER_FRAME[split], make)
    items += _generate(sampler, general.NEGATIVE_FRAMES, "negative", (), _PER_FRAME[split] - 1, general_slots)
    for frame, labels in general.MULTI_FRAMES:
        items += _generate(sampler, [frame], "positive", labels, _PER_FRAME[split] // 2, general_slots)
    if split == "test":
        items += [
            {**item, "id": f"test-handwritten-{index:02d}", "kind": _kind(item), "frame": "handwritten"}
            for index, item in enumerate(handwritten.ITEMS)
        ]
    return items


def _kind(item: dict) -> str:
    if item["labels"]:
        return "positive"
    text = item["title"] + item["body"]
    shared = ("寄付", "献金", "返金", "返還", "指導", "勧告", "命令", "CIO", "DX", "調査")
    return "hard_negative" if any(word in text for word in shared) else "negative"


def _unique(items: list[dict], seen: set[str]) -> list[dict]:
    """Items whose text is new: a frame with few slots can write the same item twice, and the
    test split must not hold an item the training split has."""
    kept = []
    for item in items:
        text = item["title"] + "\n" + item["body"]
        if text not in seen:
            seen.add(text)
            kept.append(item)
    return kept


def main() -> None:
    seen: set[str] = set()
    for split in ("train", "test"):
        items = _unique(build_split(split), seen)
        with (HERE / f"{split}.jsonl").open("w", encoding="utf-8") as output:
            for item in items:
                output.write(json.dumps(item, ensure_ascii=False) + "\n")
        kinds = {kind: sum(item["kind"] == kind for item in items) for kind in ("positive", "hard_negative", "negative")}
        print(f"{split}: {len(items)} items {kinds}")


if __name__ == "__main__":
    main()
