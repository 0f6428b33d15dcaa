"""Classification benchmark: items per second, start-up seconds and peak RSS.

    python bench/classify.py [--items 2000] [--chars 1500]

Items are built from the corpus's test split, each padded with further corpus text to about
``--chars`` characters, so the mix of categories and hard negatives is the corpus's. Start-up is
a fresh ``regwatch classify`` process classifying one item with the model cached (the usual
case), and once more with the cache empty (the first run after an install, which trains).
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


def items(count: int, chars: int) -> list[str]:
    corpus = [json.loads(line) for line in corpus_lines("test") + corpus_lines("train")]
    filler = "\n".join(item["body"] for item in corpus)
    lines = []
    for index in range(count):
        item = corpus[index % len(corpus)]
        start = (index * 997) % max(1, len(filler) - chars)
        body = (item["body"] + "\n" + filler[start : start + chars])[:chars]
        lines.append(
            json.dumps({"id": index, "title": item["title"], "body": body, "published": item["published"]}, ensure_ascii=False)
        )
    return lines


def startup_seconds(cache_dir: str, sample: str) -> float:
    command = [sys.executable, "-m", "monitor", "classify", "-"]
    started = time.perf_counter()
    subprocess.run(
        command, input=sample, text=True, capture_output=True, check=True, env={**os.environ, "REGWATCH_CACHE_DIR": cache_dir}
    )
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--items", type=int, default=2000)
    parser.add_argument("--chars", type=int, default=1500)
    arguments = parser.parse_args()
    lines = items(arguments.items, arguments.chars)
    with tempfile.TemporaryDirectory() as cache:
        cold = startup_seconds(cache, lines[0] + "\n")
        warm = min(startup_seconds(cache, lines[0] + "\n") for _ in range(3))
    classifier = load_classifier()
    list(classify_lines(classifier, lines[:64]))  # first calls load Sudachi's dictionary
    started, cpu = time.perf_counter(), time.process_time()
    outputs = list(classify_lines(classifier, lines))
    wall, cpu = time.perf_counter() - started, time.process_time() - cpu
    assert len(outputs) == len(lines) and not any("error" in output for output in outputs)
    labelled = sum(bool(output["labels"]) for output in outputs)
    print(
        f"{len(lines)} items of {arguments.chars} characters ({labelled} labelled): {len(lines) / wall:.0f} items/s "
        f"({wall * 1000 / len(lines):.2f} ms wall, {cpu * 1000 / len(lines):.2f} ms CPU per item; target >= 200 items/s)"
    )
    print(
        f"start-up of `regwatch classify` for one item: {warm:.2f} s with the model cached (target < 2 s), "
        f"{cold:.2f} s on the first run (trains and caches the model)"
    )
    print(f"peak RSS {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB")


if __name__ == "__main__":
    main()
