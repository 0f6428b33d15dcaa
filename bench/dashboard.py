"""Dashboard benchmark: latency of the items page and of search over a large store (SQLite by
default), through the ASGI app in process, as a browser's request would be served.

    python bench/dashboard.py [--items 100000] [--requests 60] [--database-url URL]

Prints p50 and p95 wall milliseconds and mean CPU milliseconds per request for: the first page,
a deep page, a category, a source, and searches (a common word, a company by its registered name
that finds it by its short name too, a rare word, a two-character word that no trigram serves).
Target: p95 <= 150 ms for 100,000 items, on SQLite and on PostgreSQL. A PostgreSQL URL (such as
postgresql+psycopg://postgres@127.0.0.1:5432/test) gets a scratch schema of its own, dropped at the
end, and its statistics gathered once the items are stored, as autovacuum would in production.
"""

from __future__ import annotations

import argparse
import random
import re
import statistics
import sys
import tempfile
import time
from contextlib import ExitStack
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from fastapi.testclient import TestClient  # noqa: E402

from dashboard import DashboardSettings, create_app  # noqa: E402
from monitor import store  # noqa: E402
from monitor.items import Classification  # noqa: E402
from monitor.text import normalize, normalize_line  # noqa: E402
from tests.dashboard_data import NOW, config, item_row, seeded_store, sign_in  # noqa: E402
from tests.databases import scratch_schema  # noqa: E402

ORGANIZATIONS = [
    "NTT西日本",
    "東和精機株式会社",
    "北陸通信サービス株式会社",
    "楽天モバイル",
    "関西電力送配電",
    "丸高建設",
    "みらい市",
]
ACTIONS = [
    "に対する行政指導",
    "に対する業務改善命令",
    "の新サービス開始",
    "が料金を改定",
    "の決算発表",
    "で通信障害",
    "が寄付を返金",
]
SENTENCES = [
    "総務省は本日、電気通信事業法に基づき必要な措置を講じるよう求めました。", "詳細は別紙のとおりです。",
    "関係者によりますと、影響は全国に及んだということです。", "同社は再発防止策を報告する予定です。",
    "自治体のDX推進に向けた調査の結果を公表しました。", "問い合わせ先は情報流通行政局です。",
]  # fmt: skip
CATEGORIES = {"に対する行政指導": "guidance_notice", "に対する業務改善命令": "guidance_notice", "が寄付を返金": "donation_refund"}
BATCH = 2000


def fill(database: store.Store, count: int, sources: list[str]) -> None:
    rng = random.Random(7)
    for start in range(0, count, BATCH):
        rows, labels = [], {}
        for index in range(start + 100, min(start + BATCH, count) + 100):
            organization, action = rng.choice(ORGANIZATIONS), rng.choice(ACTIONS)
            body = "".join(rng.sample(SENTENCES, 3)) + f"{organization}{action}に関する発表（{index}）。"
            # Stored normalized, as the pipeline stores them: the search normalizes its words the same way.
            title = normalize_line(f"{organization}{action}（{index}）")
            rows.append(item_row(index, rng.choice(sources), title, normalize(body), NOW - timedelta(minutes=index)))
            if action in CATEGORIES:
                labels[rows[-1]["url"]] = CATEGORIES[action]
        with database.begin() as connection:
            ids = store.insert_items(connection, rows)
            results = {ids[url]: Classification((label,), {label: 0.9}, {}, {}, "bench") for url, label in labels.items()}
            store.save_classifications(connection, results, NOW, new_items=True)


def measure(client: TestClient, path: str, params: dict[str, str], requests: int) -> tuple[float, float, float, int]:
    walls, cpus = [], []
    found = 0
    for _ in range(requests):
        wall, cpu = time.perf_counter(), time.process_time()
        answer = client.get(path, params=params)
        walls.append((time.perf_counter() - wall) * 1000)
        cpus.append((time.process_time() - cpu) * 1000)
        assert answer.status_code == 200, answer.text[:500]
        found = len(re.findall(r'class="title"', answer.text))
    walls.sort()
    return statistics.median(walls), walls[int(len(walls) * 0.95) - 1], statistics.mean(cpus), found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--items", type=int, default=100_000)
    parser.add_argument("--requests", type=int, default=60)
    parser.add_argument("--database-url", help="default: a SQLite file in a scratch directory")
    arguments = parser.parse_args()
    with ExitStack() as cleanup:
        if arguments.database_url:
            url = cleanup.enter_context(scratch_schema(arguments.database_url, prefix="rw_bench"))
        else:
            url = f"sqlite:///{cleanup.enter_context(tempfile.TemporaryDirectory())}/regwatch.db"
        database, _ids = seeded_store(url)
        sources = [source.id for source in config().sources]
        started = time.perf_counter()
        fill(database, arguments.items, sources)
        if database.dialect == "postgresql":
            with database.begin() as connection:
                connection.exec_driver_sql("ANALYZE")
        print(f"{arguments.items} items stored in {time.perf_counter() - started:.1f} s ({database.dialect})")
        app = create_app(DashboardSettings(database, config(), b"bench" * 8))
        with TestClient(app, base_url="https://testserver") as client:
            sign_in(client, "viewer")
            cases = [
                ("items, first page", {}),
                ("items, page 200", {"page": "200"}),
                ("category guidance_notice", {"category": "guidance_notice"}),
                ("source nhk-politics", {"source": "nhk-politics"}),
                ("search 行政指導 (common)", {"q": "行政指導"}),
                ("search 西日本電信電話 (alias)", {"q": "西日本電信電話"}),
                ("search 行政指導 + category", {"q": "行政指導", "category": "guidance_notice"}),
                ("search 行政指導 + source", {"q": "行政指導", "source": "mic-press"}),
                ("search 再発防止策 東和精機", {"q": "再発防止策 東和精機"}),
                ("search （99999） (rare)", {"q": "（99999）"}),
                ("search 寄付 (2 chars, scan)", {"q": "寄付"}),
            ]
            print(f"{'request':<32} {'p50 ms':>8} {'p95 ms':>8} {'cpu ms':>8} {'shown':>6}")
            for name, params in cases:
                p50, p95, cpu, shown = measure(client, "/", params, arguments.requests)
                print(f"{name:<32} {p50:8.1f} {p95:8.1f} {cpu:8.1f} {shown:6d}")
        database.dispose()


if __name__ == "__main__":
    main()
