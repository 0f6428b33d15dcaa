"""Log lines for machines and for people: JSON lines carry the event's fields, and the secrets of the
environment are masked in every line, whatever logged them."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator

import pytest

from monitor import logs
from monitor.config import load_settings


@pytest.fixture
def captured() -> Iterator[tuple[logging.Logger, io.StringIO, logging.StreamHandler]]:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    logger = logging.getLogger("tests.logging")
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    logger.propagate = False
    yield logger, stream, handler
    logger.removeHandler(handler)
    logs.hide(())


def test_json_lines_carry_source_item_and_outbox_fields(captured):
    logger, stream, handler = captured
    handler.setFormatter(logs.JsonFormatter())
    logger.warning("alert failed", extra={"source_id": "mic-press", "item_id": 7, "outbox_key": "12:default"})
    entry = json.loads(stream.getvalue())
    assert entry["message"] == "alert failed" and entry["level"] == "WARNING" and entry["logger"] == "tests.logging"
    assert (entry["source_id"], entry["item_id"], entry["outbox_key"]) == ("mic-press", 7, "12:default")


@pytest.mark.parametrize("formatter", [logs.TextFormatter(), logs.JsonFormatter()], ids=["text", "json"])
def test_secrets_are_masked_in_messages_fields_and_tracebacks(captured, formatter):
    logger, stream, handler = captured
    handler.setFormatter(formatter)
    token, password = "xoxb-1111-secret", 'p"a\\ss wörd'
    logs.hide([token, password, ""])  # an empty secret (unset) masks nothing
    logger.warning("token %s, password %s", token, password, extra={"header": f"Bearer {token}"})
    try:
        raise RuntimeError(f"login refused for {password}")
    except RuntimeError:
        logger.exception("smtp")
    written = stream.getvalue()
    assert token not in written and password not in written
    assert json.dumps(password)[1:-1] not in written  # nor as JSON escapes it
    assert written.count("***") >= 3  # the message twice, the traceback (JSON: the extra field too)


def test_settings_name_their_secrets_the_database_password_decoded_too():
    settings = load_settings(
        None,
        env={
            "REGWATCH_DATABASE_URL": "postgresql://regwatch:p%40ss%2Fw0rd@db:5432/regwatch",
            "REGWATCH_SMTP_PASSWORD": "smtp-pass",
            "SLACK_BOT_TOKEN": "xoxb-token",
        },
    )
    assert {"p%40ss%2Fw0rd", "p@ss/w0rd", "smtp-pass", "xoxb-token"} <= set(settings.secrets)
    assert load_settings(None, env={}).secrets == ()
