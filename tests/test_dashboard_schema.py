"""The JSON API as its OpenAPI schema publishes it: without credentials every operation is
refused (401), and an editor's write without the session's CSRF token too (403)."""

from __future__ import annotations

import base64

import pytest

from dashboard import DashboardSettings, create_app
from tests.dashboard_data import PASSWORDS, config, seeded_store, sign_in


@pytest.fixture
def app(tmp_path):
    database, _ids = seeded_store(f"sqlite:///{tmp_path / 'regwatch.db'}")
    yield create_app(DashboardSettings(database, config(), b"schema-test" * 3))
    database.dispose()


def basic(role: str) -> dict[str, str]:
    return {"Authorization": "Basic " + base64.b64encode(f"{role}:{PASSWORDS[role]}".encode()).decode()}


def test_every_api_operation_refuses_strangers(app):
    from fastapi.testclient import TestClient

    with TestClient(app, base_url="https://testserver") as client:
        operations = client.get("/api/openapi.json").json()["paths"]
        assert set(operations) == {
            "/api/items", "/api/items/{item_id}", "/api/items/{item_id}/corrections", "/api/items/{item_id}/versions/{number}",
            "/api/sources", "/api/categories", "/feeds/category/{name}.atom", "/feeds/source/{source_id}.atom",
        }  # fmt: skip
        for path, methods in operations.items():
            for method in methods:
                answer = client.request(
                    method,
                    path.format(item_id=1, number=1, name="guidance_notice", source_id="mic-press"),
                    json={"category": "cio_survey", "present": True},
                )
                assert answer.status_code == 401, (method, path)


def test_a_signed_in_editors_write_needs_the_csrf_token(app):
    from fastapi.testclient import TestClient

    with TestClient(app, base_url="https://testserver") as client:
        token = sign_in(client, "editor")
        body = {"category": "cio_survey", "present": True}
        assert client.post("/api/items/1/corrections", json=body).status_code == 403
        assert client.post("/api/items/1/corrections", json=body, headers={"X-CSRF-Token": "forged"}).status_code == 403
        assert client.post("/api/items/1/corrections", json=body, headers={"X-CSRF-Token": token}).status_code == 201
        assert client.post("/api/items/1/corrections", json=body, headers=basic("viewer")).status_code == 403
