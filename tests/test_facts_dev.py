"""Fact extraction on the annotated development set (tests/data/facts): written apart from the
extractors, then used to improve them, so these floors guard against regressions; generalization is
measured on sets the extractors were never tuned on (see README, "Classification and facts")."""

import json
from collections import Counter
from datetime import datetime
from pathlib import Path

import pytest

from monitor.facts import extract_facts
from monitor.items import Document
from monitor.text import normalize

DEV_SET = Path(__file__).parent / "data" / "facts" / "items.jsonl"
FLOORS = {"organizations": 0.95, "people": 0.95, "amounts_jpy": 0.97, "dates": 0.95, "figures": 0.93}


def gold_and_found(gold: dict, found) -> dict[str, tuple[set, set]]:
    return {
        "organizations": (set(gold["organizations"]), set(found.organizations)),
        "people": ({(p["name"], p["title"]) for p in gold["people"]}, {(p.name, p.title) for p in found.people}),
        "amounts_jpy": (set(gold["amounts_jpy"]), set(found.amounts_jpy)),
        "dates": (set(gold["dates"]), set(found.dates)),
        "figures": (
            {(f["value"], f["unit"], f["approximate"], f.get("of")) for f in gold["figures"]},
            {(f.value, f.unit, f.approximate, f.of) for f in found.figures},
        ),
    }


@pytest.fixture(scope="module")
def scores() -> dict[str, float]:
    counts: Counter = Counter()
    for line in DEV_SET.read_text(encoding="utf-8").splitlines():
        item = json.loads(line)
        document = Document(normalize(item["title"]), normalize(item["body"]), datetime.fromisoformat(item["published"]))
        for field, (gold, found) in gold_and_found(item["facts"], extract_facts(document)).items():
            counts[field, "tp"] += len(gold & found)
            counts[field, "fp"] += len(found - gold)
            counts[field, "fn"] += len(gold - found)
    f1 = {}
    for field in FLOORS:
        tp, fp, fn = counts[field, "tp"], counts[field, "fp"], counts[field, "fn"]
        f1[field] = 2 * tp / (2 * tp + fp + fn)
    print("fact F1 on the development set:", {field: round(value, 3) for field, value in f1.items()})
    return f1


@pytest.mark.parametrize("field", FLOORS)
def test_fact_extraction_holds_its_level_on_the_development_set(scores, field):
    assert scores[field] >= FLOORS[field]
