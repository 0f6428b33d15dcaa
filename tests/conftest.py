"""Shared test fixtures: databases (SQLite and PostgreSQL), local servers, fixture pages.

PostgreSQL is required: the store is tested on both databases, and a suite that silently skipped
PostgreSQL would prove nothing about it. Set REGWATCH_TEST_POSTGRES_URL to use another server.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from datetime import datetime, timezone
from pathlib import Path

import psycopg
import pytest
from sqlalchemy.engine import make_url

from monitor.items import Page
from tests.servers import PROJECT_ROOT, RunningServer, start

PAGES = Path(__file__).parent / "pages"
SHARED = PROJECT_ROOT.parent / "shared"
POSTGRES_URL = os.environ.get("REGWATCH_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")


@pytest.fixture(scope="session", autouse=True)
def _model_cache(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """A model cache of the test session's own: the suite trains the classifier it tests."""
    previous = os.environ.get("REGWATCH_CACHE_DIR")
    os.environ["REGWATCH_CACHE_DIR"] = str(tmp_path_factory.mktemp("model-cache"))
    yield
    if previous is None:
        os.environ.pop("REGWATCH_CACHE_DIR", None)
    else:
        os.environ["REGWATCH_CACHE_DIR"] = previous


def page_from_bytes(content: bytes, url: str, content_type: str | None = None) -> Page:
    return Page(url, url, 200, content, content_type, None, None, datetime(2024, 2, 15, 8, 0, tzinfo=timezone.utc))


def fixture_page(relative: str, url: str, content_type: str | None = None) -> Page:
    return page_from_bytes((PAGES / relative).read_bytes(), url, content_type)


def shared_file(relative: str) -> Path:
    """A file of ../shared (real captures, seed documents); skips when a fresh clone lacks it."""
    path = SHARED / relative
    if not path.exists():
        pytest.skip(f"{path} is absent: real captures live in ../shared next to the project checkout")
    return path


def _postgres_schema_url(schema: str) -> str:
    return f"{POSTGRES_URL}{'&' if '?' in POSTGRES_URL else '?'}options=-csearch_path%3D{schema}"


def _postgres_connect() -> psycopg.Connection:
    url = make_url(POSTGRES_URL)
    try:
        return psycopg.connect(
            host=url.host,
            port=url.port or 5432,
            user=url.username,
            password=url.password,
            dbname=url.database,
            autocommit=True,
            connect_timeout=5,
        )
    except psycopg.OperationalError as exc:
        pytest.fail(
            f"PostgreSQL at {url.host}:{url.port} is unreachable ({exc}). The store is tested on both "
            "databases; start it with `pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start`."
        )


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A fresh, empty database of each kind (PostgreSQL: a schema of its own)."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'regwatch.db'}"
        return
    schema = f"rw_test_{uuid.uuid4().hex[:12]}"
    with _postgres_connect() as connection:
        connection.execute(f"CREATE SCHEMA {schema}")
    try:
        yield _postgres_schema_url(schema)
    finally:
        with _postgres_connect() as connection:
            connection.execute(f"DROP SCHEMA IF EXISTS {schema} CASCADE")


@pytest.fixture
def slack_server() -> Iterator[RunningServer]:
    server = start("tests.servers.slack", "--channel", "regwatch=C0REGWATCH", "--channel", "telecom-compliance=C0TELECOM")
    yield server
    server.stop()


class LocalSite:
    """A real HTTP server on 127.0.0.1 serving a temporary directory (see tests/servers/site.py)."""

    PLACEHOLDER_HOSTS = (b"http://regwatch.test", b"https://regwatch.test")

    def __init__(self, root: Path, server: RunningServer) -> None:
        self.root = root
        self.server = server
        self.url = server.url

    def write(self, path: str, content: bytes | str, content_type: str | None = None) -> str:
        """Serve ``content`` at ``path`` (placeholder host rewritten to this server); returns the URL."""
        data = content.encode("utf-8") if isinstance(content, str) else content
        for placeholder in self.PLACEHOLDER_HOSTS:
            data = data.replace(placeholder, self.url.encode("ascii"))
        target = self.root / path.lstrip("/")
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
        if content_type:
            self._update_table("_types.json", path, content_type)
        return self.url + path

    def copy(self, fixture: str, path: str, content_type: str | None = None) -> str:
        return self.write(path, (PAGES / fixture).read_bytes(), content_type)

    def respond(self, path: str, status: int | None, headers: dict[str, str] | None = None) -> None:
        """Make ``path`` answer ``status`` (None: serve the file again)."""
        self._update_table("_responses.json", path, None if status is None else {"status": status, "headers": headers or {}})

    def _update_table(self, name: str, path: str, value: object) -> None:
        import json

        table_file = self.root / name
        table = json.loads(table_file.read_text()) if table_file.exists() else {}
        if value is None:
            table.pop(path, None)
        else:
            table[path] = value
        table_file.write_text(json.dumps(table))

    def requests(self) -> list[dict]:
        return self.server.control("GET", "/__requests__")

    def clear_requests(self) -> None:
        self.server.control("DELETE", "/__requests__")


@pytest.fixture
def site(tmp_path: Path) -> Iterator[LocalSite]:
    root = tmp_path / "site"
    root.mkdir()
    server = start("tests.servers.site", "--root", str(root))
    yield LocalSite(root, server)
    server.stop()
