"""Classification benchmark: items per second for a realistic mix and for items that all pass a
gate, start-up seconds, and peak RSS with the embedding model loaded.

    python bench/classify.py [--items 600]

- realistic mix: what a ministry and news feed carries, so most items pass no category's gate
  (the corpus's ordinary negatives and real MIC titles, with one item in ten a category's).
- gated: positives and hard negatives only, so every item is tokenized, embedded and scored.
Every text gets a suffix of its own, so no stored embedding is reused: each is computed as for a
new item. Start-up is a fresh ``regwatch classify`` process classifying one item, the model cached.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from monitor.classification import corpus_lines, load_classifier  # noqa: E402
from monitor.classification.batch import classify_lines  # noqa: E402


def _line(item: dict, index: int) -> str:
    body = f"{item['body']}（{index}）" if item["body"] else ""
    return json.dumps(
        {"id": index, "title": f"{item['title']}（{index}）", "body": body, "published": item["published"]}, ensure_ascii=False
    )


def mixes(count: int) -> tuple[list[str], list[str]]:
    corpus = [json.loads(line) for line in corpus_lines()]
    ordinary = [item for item in corpus if item["kind"] == "negative"]
    gated = [item for item in corpus if item["kind"] in ("positive", "hard_negative")]
    realistic = [
        (gated if index % 10 == 0 else ordinary)[(index * 7919) % len(gated if index % 10 == 0 else ordinary)]
        for index in range(count)
    ]
    all_gated = [gated[(index * 7919) % len(gated)] for index in range(count)]
    return [_line(item, i) for i, item in enumerate(realistic)], [_line(item, i) for i, item in enumerate(all_gated)]


def rate(classifier, lines: list[str]) -> tuple[float, float, int]:  # type: ignore[no-untyped-def]
    started, cpu = time.perf_counter(), time.process_time()
    outputs = list(classify_lines(classifier, lines))
    wall, cpu = time.perf_counter() - started, time.process_time() - cpu
    assert len(outputs) == len(lines) and not any("error" in output for output in outputs)
    return len(lines) / wall, cpu * 1000 / len(lines), sum(bool(output["labels"]) for output in outputs)


def startup_seconds(cache_dir: str, sample: str) -> float:
    started = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "monitor", "classify", "-"], input=sample, text=True, capture_output=True, check=True,
        env={**os.environ, "REGWATCH_CACHE_DIR": cache_dir},
    )  # fmt: skip
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--items", type=int, default=600)
    arguments = parser.parse_args()
    realistic, gated = mixes(arguments.items)
    with tempfile.TemporaryDirectory() as cache:
        startup_seconds(cache, realistic[1] + "\n")  # trains and caches the model
        warm = min(startup_seconds(cache, realistic[1] + "\n") for _ in range(3))
    classifier = load_classifier()
    list(classify_lines(classifier, gated[:4]))  # Sudachi's dictionary and the embedding model, loaded once
    for name, lines, target in (("realistic mix", realistic, 150), ("all gated", gated, 25)):
        per_second, cpu_ms, labelled = rate(classifier, lines)
        print(
            f"{name}: {len(lines)} items ({labelled} labelled): {per_second:.0f} items/s, {cpu_ms:.1f} ms CPU per item (target >= {target}/s)"
        )
    print(f"start-up of `regwatch classify` for one item, model cached: {warm:.2f} s (target <= 1.5 s)")
    print(f"peak RSS with the embedding model loaded: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB")


if __name__ == "__main__":
    main()
