"""Builds the labelled corpus, corpus.jsonl next to this file, from the frames and the real titles.

    python -m monitor.classification.corpus.build           # write corpus.jsonl and corpus.e5.npz
    python -m monitor.classification.corpus.build --check   # render every frame once; report problems

Frames (frames/*.toml, see frames/README.md) are written for the project; every name, company and
figure in them is invented (pools.toml). Each frame is rendered several times with other slot
values, dates in 和暦 or 西暦, and a fifth of the items in full-width digits. Every item keeps its
frame's id: evaluation holds whole frames out (no frame is both trained and tested).

Real text: MIC press-release titles of 2009-2013 with the labels derived from them
(mic_titles.jsonl, see mic_titles.py) join as title-only items, each its own frame.

Fact annotation guidelines (the slots record facts as they write them):
- organizations: ministries, agencies, commissions, regional bureaus; companies as written (legal
  form included when written); parties, named party branches, named political groups, assemblies;
  media. Not: 同社-style anaphora, generic nouns (地元の建設会社), place names.
- people: named persons; dates: full year-month-day dates.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import tomllib
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

from monitor.classification.corpus.template import FrameError, Item, full_width, render
from monitor.jpdates import JST

HERE = Path(__file__).parent
FRAMES = HERE / "frames"
CORPUS = HERE / "corpus.jsonl"
EMBEDDINGS = HERE / "corpus.e5.npz"
SEED = 2026
RENDERINGS = {"positive": 7, "hard_negative": 6, "negative": 4}
_KINDS = frozenset(RENDERINGS)
_REQUIRED = ("id", "kind", "labels", "register", "title", "body")


def load_frames() -> list[dict[str, Any]]:
    frames = []
    for path in sorted(FRAMES.glob("*.toml")):
        with path.open("rb") as handle:
            for frame in tomllib.load(handle).get("frame", []):
                frames.append({**frame, "file": path.name})
    return frames


def problems(frames: list[dict[str, Any]], categories: tuple[str, ...]) -> list[str]:
    """Everything wrong with the frames: missing keys, duplicate ids, unknown labels or slots."""
    found = []
    seen: set[str] = set()
    for frame in frames:
        where = f"{frame['file']}: {frame.get('id', '(no id)')}"
        missing = [key for key in _REQUIRED if key not in frame]
        if missing:
            found.append(f"{where}: missing {', '.join(missing)}")
            continue
        if frame["id"] in seen:
            found.append(f"{where}: id used twice")
        seen.add(frame["id"])
        if frame["kind"] not in _KINDS:
            found.append(f"{where}: kind {frame['kind']!r} is not one of {', '.join(sorted(_KINDS))}")
        if any(label not in categories for label in frame["labels"]) or (frame["kind"] == "positive") != bool(frame["labels"]):
            found.append(f"{where}: labels {frame['labels']} do not fit kind {frame['kind']!r}")
        try:
            _render(frame, random.Random(0), 0)
        except (FrameError, ValueError, IndexError, KeyError) as exc:
            found.append(f"{where}: {exc}")
    return found


def _render(frame: dict[str, Any], rng: random.Random, index: int) -> dict[str, Any]:
    published = date(2019, 6, 1) + timedelta(days=rng.randint(0, 2200))
    item = Item(rng, published, era_dates=rng.random() < 0.5)
    title = " ".join(render(frame["title"], item).split())
    body = render(frame["body"].strip(), item)
    if rng.random() < 0.2:
        title, body = full_width(title), full_width(body)
    moment = datetime(published.year, published.month, published.day, rng.randint(6, 21), rng.randint(0, 59), tzinfo=JST)
    return {
        "id": f"{frame['id']}#{index}",
        "title": title,
        "body": body,
        "published": moment.isoformat(),
        "labels": list(frame["labels"]),
        "kind": frame["kind"],
        "frame": frame["id"],
        "register": frame["register"],
        "facts": item.facts.values,
    }


def build(frames: list[dict[str, Any]]) -> list[dict[str, Any]]:
    from monitor.classification.corpus.mic_titles import title_items

    items: list[dict[str, Any]] = []
    seen: set[str] = set()
    for frame in frames:
        rng = random.Random(f"{SEED}-{frame['id']}")
        for index in range(RENDERINGS[frame["kind"]]):
            item = _render(frame, rng, index)
            text = item["title"] + "\n" + item["body"]
            if text not in seen:  # a frame with few slots may write the same item twice
                seen.add(text)
                items.append(item)
    return items + title_items()


def main() -> None:
    from monitor.config import BUILT_IN_CATEGORIES

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--check", action="store_true", help="render every frame once and report problems")
    arguments = parser.parse_args()
    frames = load_frames()
    found = problems(frames, BUILT_IN_CATEGORIES)
    for problem in found:
        print(problem, file=sys.stderr)
    if arguments.check or found:
        counts: dict[tuple[str, str], int] = {}
        for frame in frames:
            key = (frame.get("labels") or ["-"])[0], frame.get("kind", "?")
            counts[key] = counts.get(key, 0) + 1
        print("frames:", ", ".join(f"{label}/{kind} {count}" for (label, kind), count in sorted(counts.items())))
        sys.exit(1 if found else 0)
    items = build(frames)
    with CORPUS.open("w", encoding="utf-8") as output:
        for item in items:
            output.write(json.dumps({key: value for key, value in item.items() if value is not None}, ensure_ascii=False) + "\n")
    kinds = {kind: sum(item["kind"] == kind for item in items) for kind in sorted(_KINDS)}
    print(f"{len(items)} items from {len({item['frame'] for item in items})} frames: {kinds}")
    print(f"{store_embeddings(CORPUS.read_text(encoding='utf-8').splitlines())} embeddings stored in {EMBEDDINGS.name}")


def store_embeddings(lines: list[str]) -> int:
    """Embed, once, what training reads: every gated corpus item and its title alone."""
    from monitor.classification.categories import BUILT_IN
    from monitor.classification.embeddings import Embedder
    from monitor.classification.features import analyse
    from monitor.classification.model import examples_from_jsonl, title_only

    examples = examples_from_jsonl(lines)
    examples += [title_only(example) for example in examples if example.document.body]
    texts = sorted({a.embedding_text for a in analyse([e.document for e in examples]) if any(s.gated(a.text) for s in BUILT_IN)})
    Embedder().store(EMBEDDINGS, texts)
    return len(texts)


if __name__ == "__main__":
    main()
