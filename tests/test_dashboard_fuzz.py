"""Schemathesis against the API's own OpenAPI schema, a few examples per operation: no request
makes it fail (5xx) and its answers match the schema; without credentials every request is
refused with 401 before its body or method is looked at (a stranger learns nothing of the API)."""

from __future__ import annotations

import tempfile

import schemathesis
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, settings

from dashboard import DashboardSettings, create_app
from dashboard.auth import COOKIE
from tests.dashboard_data import config, seeded_store, sign_in

# Built at collection: schemathesis makes the tests from the schema of a live app.
_SCRATCH = tempfile.TemporaryDirectory(prefix="regwatch-fuzz-")
_DATABASE, _IDS = seeded_store(f"sqlite:///{_SCRATCH.name}/regwatch.db")
APP = create_app(DashboardSettings(_DATABASE, config(), b"fuzz-test" * 4))
schema = schemathesis.openapi.from_asgi("/api/openapi.json", APP)


def _editor_headers() -> dict[str, str]:
    """A signed-in editor's cookie and CSRF token (a session: no password hash checked per request)."""
    with TestClient(APP, base_url="https://testserver") as client:
        token = sign_in(client, "editor")
        return {"Cookie": f"{COOKIE}={client.cookies.get(COOKIE)}", "X-CSRF-Token": token}


EDITOR = _editor_headers()


@schema.parametrize()
@settings(max_examples=3, deadline=None, suppress_health_check=list(HealthCheck))
def test_no_request_breaks_the_api_and_strangers_are_refused(case):
    stranger = case.call()
    assert stranger.status_code == 401, (case.method, case.path)
    case.call_and_validate(headers=EDITOR)
