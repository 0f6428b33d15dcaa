"""The dashboard through the ASGI test client: what a signed-in person sees and may do, what an
unsigned or forged request is refused, and the store's search on both databases."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import timedelta

import feedparser
import pytest
from fastapi.testclient import TestClient

from dashboard.search import companies, item_filter, terms
from monitor.items import Classification
from tests.dashboard_data import (
    ATTACHMENT,
    FIRST_DEADLINE,
    GUIDANCE,
    NOW,
    PASSWORDS,
    config,
    csrf_of,
    dashboard_client,
    seeded_store,
    sign_in,
)


@pytest.fixture
def dashboard(database_url: str) -> Iterator[tuple[TestClient, dict[str, int]]]:
    """The app over the seeded store of each database (``SQLITE_ONLY``: of SQLite alone)."""
    with dashboard_client(database_url) as served:
        yield served


# For what the database does not change: the pages, the forms, the sessions.
SQLITE_ONLY = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)


def titles(page: str) -> list[str]:
    return re.findall(r'class="title" href="/items/\d+">([^<]+)<', page)


def test_search_finds_a_company_by_any_of_its_names_and_filters_combine(dashboard):
    client, _ids = dashboard
    sign_in(client, "viewer")
    assert titles(client.get("/", params={"q": "西日本電信電話"}).text) == [GUIDANCE]
    assert titles(client.get("/", params={"q": "NTT西日本"}).text) == [GUIDANCE]  # the body says NTT西日本 only
    assert titles(client.get("/", params={"q": "行政指導 通信障害"}).text) == [GUIDANCE]
    assert titles(client.get("/", params={"q": "寄付"}).text) == ["議員の政治団体が寄付を返金"]  # two characters: no trigram
    assert titles(client.get("/", params={"q": "100%"}).text) == []
    # LIKE's wildcards are text like any other: unescaped, each would match every item.
    assert titles(client.get("/", params={"q": "%"}).text) == []
    assert titles(client.get("/", params={"q": "___"}).text) == []
    assert titles(client.get("/", params={"q": "西日本_信電話"}).text) == []
    assert titles(client.get("/", params={"category": "cio_survey"}).text) == ["自治体におけるCIO任命状況の調査結果"]
    assert titles(client.get("/", params={"source": "nhk-society"}).text) == ["各地で大雪の見込み"]
    one_day = {"since": "2026-12-01", "until": "2026-12-01", "q": "寄付", "page": "x"}  # first seen 09:00 JST that day
    assert titles(client.get("/", params=one_day).text) == ["議員の政治団体が寄付を返金"]
    assert titles(client.get("/", params={**one_day, "since": "2026-12-02", "until": ""}).text) == []
    assert titles(client.get("/", params={**one_day, "since": "", "until": "2026-11-30"}).text) == []
    everything = titles(client.get("/", params={"since": "", "until": "bad"}).text)
    assert everything[0] == GUIDANCE and len(everything) == 4  # newest first; malformed dates filter nothing


@SQLITE_ONLY
def test_a_page_number_that_is_not_one_shows_the_first_page(dashboard):
    client, _ids = dashboard
    sign_in(client, "viewer")
    first = titles(client.get("/").text)
    for page in ("²", "٣x", "1" * 5000, "-3"):  # a digit int() does not read; more digits than it reads
        answer = client.get("/", params={"page": page})
        assert answer.status_code == 200 and titles(answer.text) == first, page


def test_search_knows_the_companies_watchlists_know_and_those_of_watch_entries(tmp_path):
    from monitor.config import WatchConfig
    from monitor.store import insert_items
    from tests.dashboard_data import item_row

    towa = WatchConfig(name="東和精機", companies=("東和精機株式会社",), aliases=("TOWA",))
    known = companies([towa])
    assert terms("株式会社東和精機 NTT西日本 指導", known) == (
        ("株式会社東和精機", "TOWA", "東和精機"), ("NTT西日本", "エヌ・ティ・ティ西日本", "西日本電信電話"), ("指導",),
    )  # fmt: skip
    assert terms("ソフトバンク") == (("ソフトバンク", "SoftBank"),)  # a company the watchlists know too
    watching = config().model_copy(update={"watch": [towa]})
    with dashboard_client(f"sqlite:///{tmp_path / 'regwatch.db'}", watching) as (client, _ids):
        with client.app.state.settings.store.begin() as connection:
            insert_items(connection, [item_row(60, "mic-news", "TOWAの工場に立入検査", "本文", NOW)])
        sign_in(client, "viewer")
        assert titles(client.get("/", params={"q": "東和精機"}).text) == ["TOWAの工場に立入検査"]
        assert [item["title"] for item in client.get("/api/items", params={"q": "東和精機"}).json()["items"]] == [
            "TOWAの工場に立入検査"
        ]


@SQLITE_ONLY
def test_item_page_shows_facts_versions_side_by_side_deliveries_and_escapes_scraped_html(dashboard):
    client, ids = dashboard
    sign_in(client, "viewer")
    page = client.get(f"/items/{ids[GUIDANCE]}").text
    assert "<script>alert(1)</script>" not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    diff = re.search(r'<td class="removed">([^<]*)</td><td class="added">([^<]*)</td>', page)
    assert diff.groups() == ("期限は12月20日です。", "期限は12月25日です。")
    # An attachment still linked whose file changed: its name on both sides.
    changed = re.search(r'<tr class="changed"><td>([^<]*)</td><td>([^<]*)<br><small>内容が変わりました', page)
    assert changed.groups() == (ATTACHMENT, ATTACHMENT)
    facts = dict(re.findall(r"<dt>([^<]*)</dt><dd>([^<]*)</dd>", page))
    # The publication day (1 December, JST) is on the meta line, not among the dates.
    assert facts == {"期限": "報告期限 2026年12月25日(金)", "金額": "300万円", "日付": "2026年11月20日(金)"}
    assert "送信済み" in page and "送信失敗" in page
    assert "誤りとして報告" not in page  # a viewer corrects nothing
    missing = client.get("/items/999999")
    assert missing.status_code == 404 and "見つかりません" in missing.text and "記事一覧へ戻る" in missing.text
    assert client.get("/api/items/999999").json() == {"detail": "no such item"}


def shown_versions(page: str) -> list[tuple[str, str]]:
    """(number, fetch time) of each version the item page lists, in its order."""
    return re.findall(r'<li id="version-(\d+)">\s*<p>\s*<strong>第\d+版</strong> ([^<]*) 取得', page)


@SQLITE_ONLY
def test_item_page_lists_versions_newest_first_each_beside_the_one_before_and_each_whole(dashboard):
    client, ids = dashboard
    sign_in(client, "viewer")
    item = f"/items/{ids[GUIDANCE]}"
    page = client.get(item).text
    assert shown_versions(page) == [("2", "2026-12-01 11:00 JST"), ("1", "2026-12-01 10:00 JST")]
    second, first = page.split('<li id="version-1">')
    second = second[second.index('<li id="version-2">') :]
    # The update's event is shown with the version it recorded, and what changed once: beside that version.
    assert '<span class="event">更新</span>' in second and '<span class="event">新着</span>' in first
    assert re.findall(r'<td class="removed">([^<]*)</td><td class="added">([^<]*)</td>', page) == [
        (FIRST_DEADLINE, "期限は12月25日です。"),
    ]  # fmt: skip
    assert "最初に取得した版です。" in first and "保存されていない版での変更" not in page
    assert f'href="{item}/versions/1"' in first
    whole = client.get(f"{item}/versions/1").text
    assert FIRST_DEADLINE in whole and "12月25日" not in whole.split("<h2>本文</h2>")[1]
    assert "<script>alert(1)</script>" not in whole and "&lt;script&gt;alert(1)&lt;/script&gt;" in whole
    assert client.get(f"{item}/versions/3").status_code == 404
    api = client.get(f"/api/items/{ids[GUIDANCE]}").json()["versions"]
    assert [(v["number"], v["fetched_at"], v["fingerprint"]) for v in api] == [
        (1, "2026-12-01T01:00:00Z", "f0"), (2, "2026-12-01T02:00:00Z", "f0b"),
    ]  # fmt: skip
    version = client.get(f"/api/items/{ids[GUIDANCE]}/versions/1").json()
    assert version["title"] == GUIDANCE and FIRST_DEADLINE in version["body"] and version["from_detail"]
    assert [(a["label"], a["sha256"]) for a in version["attachments"]] == [(ATTACHMENT, "a" * 64)]
    assert client.get(f"/api/items/{ids[GUIDANCE]}/versions/3").json() == {"detail": "no such version"}


def test_events_of_no_kept_version_are_shown_with_what_they_changed(database_url):
    """An item recorded before versions were kept: its first version is the one the migration made."""
    from monitor import store

    with dashboard_client(database_url) as (client, ids):
        item_id = ids["各地で大雪の見込み"]
        change = {"field": "title", "before": "各地で大雪", "after": "各地で大雪の見込み"}
        with client.app.state.settings.store.begin() as connection:
            store.save_events(connection, [
                {"item_id": item_id, "source_id": "nhk-society", "kind": "updated", "fingerprint": "old", "changes": [change],
                 "created_at": NOW - timedelta(days=1)},
            ])  # fmt: skip
        sign_in(client, "viewer")
        page = client.get(f"/items/{item_id}").text
    assert shown_versions(page) == [("1", "2026-12-01 07:00 JST")]
    assert "版の保存を始めた時点の内容です。" in page
    earlier = page[page.index("保存されていない版での変更") :]
    assert re.search(r"<strong>更新</strong> 2026-11-30 10:00 JST", earlier)
    assert '<td class="removed">各地で大雪</td><td class="added">各地で大雪の見込み</td>' in earlier


def test_an_editor_marks_a_label_wrong_and_adds_one_and_the_item_says_who_and_when(dashboard):
    client, ids = dashboard
    sign_in(client, "editor")
    item = f"/items/{ids[GUIDANCE]}"
    token = csrf_of(client.get(item).text)
    assert (
        client.post(f"{item}/corrections", data={"csrf": token, "category": "guidance_notice", "present": "0"}).status_code == 200
    )
    client.post(f"{item}/corrections", data={"csrf": token, "category": "cio_survey", "present": "1"})
    detail = client.get(f"/api{item}").json()
    assert detail["labels"] == ["guidance_notice"] and detail["corrected_labels"] == ["cio_survey"]
    assert [(c["category"], c["present"], c["author"]) for c in detail["corrections"]] == [
        ("guidance_notice", False, "editor"), ("cio_survey", True, "editor"),
    ]  # fmt: skip
    history = re.search(r'<ul class="history">(.*?)</ul>', client.get(item).text, re.S).group(1)
    assert re.search(r"JST editor: 「行政指導・命令」を誤りと報告", history) and "「自治体CIO・DX調査」を追加" in history


@SQLITE_ONLY
def test_forms_without_the_sessions_csrf_token_are_refused(dashboard):
    client, ids = dashboard
    sign_in(client, "editor")
    item = f"/items/{ids[GUIDANCE]}/corrections"
    assert client.post(item, data={"category": "guidance_notice", "present": "0"}).status_code == 403
    assert client.post(item, data={"csrf": "forged", "category": "guidance_notice", "present": "0"}).status_code == 403
    assert client.post("/outbox/1/retry", data={}).status_code == 403
    assert client.post("/api" + item, json={"category": "guidance_notice", "present": False}).status_code == 403
    assert client.get(f"/api/items/{ids[GUIDANCE]}").json()["corrections"] == []


@SQLITE_ONLY
def test_viewers_cannot_write_and_strangers_see_nothing(dashboard):
    client, ids = dashboard
    assert client.get("/", follow_redirects=False).headers["location"] == "/login?next=%2F"
    assert client.get("/api/items").status_code == 401
    assert client.get("/feeds/category/guidance_notice.atom").status_code == 401
    token = csrf_of(client.get("/login").text)
    assert (
        client.post(
            f"/items/{ids[GUIDANCE]}/corrections", data={"csrf": token, "category": "x"}, follow_redirects=False
        ).status_code
        == 303
    )
    sign_in(client, "viewer")
    token = csrf_of(client.get("/").text)
    assert (
        client.post(
            f"/items/{ids[GUIDANCE]}/corrections", data={"csrf": token, "category": "cio_survey", "present": "1"}
        ).status_code
        == 403
    )
    assert client.post("/outbox/1/retry", data={"csrf": token}).status_code == 403


@SQLITE_ONLY
def test_login_is_rate_limited_and_the_cookie_is_locked_down(dashboard):
    from dashboard.auth import LoginLimit

    client, _ids = dashboard
    client.app.state.login_limit = LoginLimit(2, 300)  # 2 failures per name and address, 8 per address
    token = csrf_of(client.get("/login").text)
    for _ in range(2):
        assert client.post("/login", data={"csrf": token, "name": "editor", "password": "wrong"}).status_code == 401
    assert client.post("/login", data={"csrf": token, "name": "editor", "password": PASSWORDS["editor"]}).status_code == 429
    for name in ("a", "b", "c"):  # guessing through other names from the same address
        for _ in range(2):
            assert client.post("/login", data={"csrf": token, "name": name, "password": "wrong"}).status_code == 401
    refused = client.post("/login", data={"csrf": token, "name": "viewer", "password": PASSWORDS["viewer"]})
    assert refused.status_code == 429
    client.app.state.login_limit = LoginLimit(2, 300)  # as when the window has passed
    answer = client.post(
        "/login", data={"csrf": token, "name": "viewer", "password": PASSWORDS["viewer"]}, follow_redirects=False
    )
    cookie = answer.headers["set-cookie"].lower()
    assert "httponly" in cookie and "secure" in cookie and "samesite=strict" in cookie
    csp = answer.headers["content-security-policy"]
    assert "default-src 'none'" in csp and "script-src" not in csp and "frame-ancestors 'none'" in csp


@SQLITE_ONLY
def test_logging_out_ends_the_session(dashboard):
    client, _ids = dashboard
    sign_in(client, "viewer")
    client.post("/logout", data={"csrf": csrf_of(client.get("/").text)})
    assert client.get("/", follow_redirects=False).status_code == 303


@SQLITE_ONLY
def test_an_editor_retries_a_dead_alert_from_the_outbox_page(dashboard):
    client, _ids = dashboard
    sign_in(client, "editor")
    page = client.get("/outbox").text
    row = re.search(r'action="/outbox/(\d+)/retry"', page).group(1)
    client.post(f"/outbox/{row}/retry", data={"csrf": csrf_of(page)})
    assert "HTTP 500" not in client.get("/outbox").text
    assert "送信待ち" in client.get("/outbox", params={"state": "pending"}).text


def assert_valid_atom(document: bytes) -> None:
    """RFC 4287's requirements (what its RELAX NG schema checks of a feed like ours): a feed and each
    entry have one id (an IRI), title and updated (RFC 3339), the feed an author, an entry a link."""
    from xml.etree import ElementTree

    atom = "{http://www.w3.org/2005/Atom}"
    feed = ElementTree.fromstring(document)
    assert feed.tag == f"{atom}feed" and feed.find(f"{atom}author/{atom}name") is not None
    for element in (feed, *feed.findall(f"{atom}entry")):
        for required in ("id", "title", "updated"):
            assert len(element.findall(f"{atom}{required}")) == 1, (element.tag, required)
        assert re.fullmatch(r"[a-z][a-z0-9+.-]*:\S+", element.findtext(f"{atom}id"))
        assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", element.findtext(f"{atom}updated"))
    for entry in feed.findall(f"{atom}entry"):
        assert entry.find(f"{atom}link[@rel='alternate']") is not None


@SQLITE_ONLY
def test_atom_feeds_per_category_and_source_parse_with_stable_ids(dashboard):
    client, ids = dashboard
    # A feed reader sends Basic credentials (each costs a password check: once right, once wrong).
    assert client.get("/feeds/source/nhk-politics.atom", auth=("viewer", "wrong")).status_code == 401
    first = client.get("/feeds/category/guidance_notice.atom", auth=("viewer", PASSWORDS["viewer"])).content
    assert_valid_atom(first)
    sign_in(client, "viewer")
    feed = feedparser.parse(first)
    assert not feed.bozo and feed.version == "atom10"
    [entry] = feed.entries
    assert entry.id == f"tag:regwatch,2026:item/{ids[GUIDANCE]}" and entry.title == GUIDANCE
    assert entry.updated == "2026-12-01T01:00:00Z" and feed.feed.updated == entry.updated
    assert entry.link == "https://www.example.jp/news/0.html"
    again = feedparser.parse(client.get("/feeds/category/guidance_notice.atom").content)
    assert again.entries[0].id == entry.id
    by_source = feedparser.parse(client.get("/feeds/source/nhk-politics.atom").content)
    assert [e.title for e in by_source.entries] == ["議員の政治団体が寄付を返金"]
    assert_valid_atom(client.get("/feeds/source/nhk-society.atom").content)
    assert client.get("/feeds/category/nothing.atom").status_code == 404


@SQLITE_ONLY
def test_pages_show_sources_with_their_state(dashboard):
    client, _ids = dashboard
    sign_in(client, "viewer")
    page = client.get("/sources").text
    assert "総務省 報道資料" in page and "/feeds/source/mic-press.atom" in page
    assert "未取得" in page and "not polled yet" in page  # the seeded sources were never polled


def test_items_per_day_are_counted_by_jst_day_on_both_databases(database_url):
    from datetime import timedelta

    from monitor.store.overview import daily_counts

    database, _ids = seeded_store(database_url)
    with database.read() as connection:
        # NOW is 10:00 JST on 1 December; the items came 0 to 3 hours before it, the same JST day.
        by_category = daily_counts(connection, NOW + timedelta(days=1), 3, "category")
    with database.read() as connection:
        by_source = daily_counts(connection, NOW, 2, "source")
    assert by_category == {"cio_survey": [0, 1, 0], "donation_refund": [0, 1, 0], "guidance_notice": [0, 1, 0]}
    assert by_source["mic-press"] == [0, 1] and sum(sum(counts) for counts in by_source.values()) == 4
    database.dispose()


def test_label_corrections_become_training_examples_and_a_model_of_their_own(tmp_path):
    from monitor.classification import _model_file_name, category_specs
    from monitor.config import Settings
    from monitor.runtime import Runtime
    from monitor.store.people import add_correction

    url = f"sqlite:///{tmp_path / 'regwatch.db'}"
    database, ids = seeded_store(url)
    with database.begin() as connection:
        add_correction(connection, ids[GUIDANCE], "guidance_notice", False, "editor", NOW)
        add_correction(connection, ids[GUIDANCE], "cio_survey", True, "editor", NOW)
        add_correction(connection, ids[GUIDANCE], "cio_survey", False, "chief", NOW)  # the later word counts
    database.dispose()
    runtime = Runtime.open(Settings(config(), None, url, None))
    try:
        [example] = runtime.label_corrections()
    finally:
        runtime.close()
    assert example.document.title == GUIDANCE and example.labels == frozenset() and example.group == f"item-{ids[GUIDANCE]}"
    assert example.document.published_at == NOW  # the stored moment, as a UTC time
    specs = category_specs(config())
    assert _model_file_name(specs, {}, [example]) != _model_file_name(specs, {})  # the cache never serves the old model


def test_behind_an_authenticating_proxy_its_header_names_the_user(tmp_path):
    from monitor.config.schema import DashboardConfig

    proxied = config().model_copy(update={"dashboard": DashboardConfig(trusted_header="X-Forwarded-User")})
    with dashboard_client(f"sqlite:///{tmp_path / 'regwatch.db'}", proxied) as (client, ids):
        item = f"/items/{ids[GUIDANCE]}"
        assert "誤りとして報告" in client.get(item, headers={"X-Forwarded-User": "editor"}).text  # the role of that user
        page = client.get(item, headers={"X-Forwarded-User": "someone"})
        assert page.status_code == 200 and "someone（閲覧者）" in page.text and "誤りとして報告" not in page.text
        assert client.get(item, follow_redirects=False).status_code == 303


def test_the_health_route_answers_unsigned_while_the_database_answers_at_head(dashboard, tmp_path):
    from dashboard import DashboardSettings, create_app
    from monitor import store

    client, _ids = dashboard
    answer = client.get("/healthz")
    assert answer.status_code == 200 and answer.text.startswith("ok: the database answers")
    behind = store.Store(f"sqlite:///{tmp_path / 'empty.db'}")  # never migrated
    with TestClient(create_app(DashboardSettings(behind, config(), b"k" * 32))) as unmigrated:
        answer = unmigrated.get("/healthz")
    assert answer.status_code == 503 and "regwatch db upgrade" in answer.text
    behind.dispose()


def test_search_follows_an_items_new_text_on_both_databases(database_url):
    from monitor import store
    from monitor.store.search import find_items
    from tests.dashboard_data import item_row

    database, ids = seeded_store(database_url)
    with database.begin() as connection:
        store.update_items(connection, [{"item_id": ids[GUIDANCE], "title": "業務改善命令の発出について", "body": "訂正版"}])
        added = store.insert_items(
            connection, [item_row(50, "mic-news", "電波利用料の見直し", "西日本電信電話の意見を含む", NOW)]
        )
    with database.read() as connection:
        found = [item["id"] for item in find_items(connection, item_filter("西日本電信電話", "", "", None, None))[0]]
    with database.read() as connection:
        renamed = [item["id"] for item in find_items(connection, item_filter("業務改善命令", "", "", None, None))[0]]
    assert found == list(added.values()) and renamed == [ids[GUIDANCE]]  # the old text no longer matches
    database.dispose()


def test_search_pages_rank_ties_newest_first_and_a_category_keeps_the_order_on_both_databases(database_url):
    from monitor import store
    from monitor.store.search import find_items
    from tests.dashboard_data import item_row

    database, _ids = seeded_store(database_url)
    # Same text, so the same rank: eight ties, every third labelled; and the best match, the oldest.
    tied = [item_row(60 + n, "mic-press", "答申を受けました", "電波監理審議会から答申を受けました。", NOW - timedelta(days=n))
            for n in range(8)]  # fmt: skip
    best = item_row(70, "mic-news", "電波監理審議会", "電波監理審議会", NOW - timedelta(days=30))
    with database.begin() as connection:
        added = store.insert_items(connection, [best, *reversed(tied)])  # stored oldest first, as they come
        labelled = {added[row["url"]] for row in tied[::3]}
        store.save_classifications(
            connection, {i: Classification(("guidance_notice",), {"guidance_notice": 0.9}, {}, {}, "t") for i in labelled}, NOW
        )
    newest_first = [added[row["url"]] for row in tied]

    def pages(category: str, size: int) -> list[int]:
        wanted, found, more = item_filter("電波監理審議会", category, "", None, None), [], True
        with database.read() as connection:
            while more:
                items, more = find_items(connection, wanted, offset=len(found), limit=size)
                found += [item["id"] for item in items]
        return found

    everything = pages("", 100)
    assert everything == [added[best["url"]], *newest_first]
    for size in (1, 2, 3):  # pages that end inside the ties
        assert pages("", size) == everything
        assert pages("guidance_notice", size) == [i for i in newest_first if i in labelled]
    database.dispose()


def test_search_pages_show_every_title_match_before_the_body_matches_on_both_databases(database_url):
    from monitor import store
    from monitor.store.search import find_items
    from tests.dashboard_data import item_row

    database, _ids = seeded_store(database_url)
    # Newest first they alternate: an item whose title names the word (its body too), then one whose body alone does.
    rows = [
        item_row(
            80 + n,
            "mic-press",
            "電波利用の方針" if n % 2 else "周波数再編の方針",
            "周波数再編について。",
            NOW - timedelta(days=n),
        )
        for n in range(10)
    ]
    with database.begin() as connection:
        added = store.insert_items(connection, rows)
    expected = [added[row["url"]] for row in rows[::2] + rows[1::2]]

    def pages(size: int) -> list[int]:
        wanted, found, more = item_filter("周波数再編", "", "", None, None), [], True
        with database.read() as connection:
            while more:
                items, more = find_items(connection, wanted, offset=len(found), limit=size)
                found += [item["id"] for item in items]
        return found

    for size in (1, 2, 3, 4, 100):  # pages that end before, at and after the last title match
        assert pages(size) == expected
    database.dispose()
