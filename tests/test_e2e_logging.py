"""End to end: ``[logging] format = "json"`` makes the service's lines JSON objects that name the
source, item and outbox row they are about (the --log-format flag wins over the file), and no
secret of the environment (Slack token, SMTP password, database password) reaches any output."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy.engine import make_url

from tests.cli import (
    NEW_ORDER,
    NEW_ORDER_PATH,
    Cli,
    add_release,
    local_settings,
    publish,
    site_sources,
    slack_titles,
    team_config,
    wait_for,
)
from tests.conftest import POSTGRES_URL, LocalSite, Mailbox
from tests.databases import scratch_schema
from tests.processes import Regwatch
from tests.servers import RunningServer, free_port

pytestmark = pytest.mark.e2e

JSON_LOGS = {"logging": {"format": '"json"'}}


def json_lines(stderr: str) -> list[dict]:
    """Every line of ``stderr`` that is a log line; each must be a JSON object."""
    return [json.loads(line) for line in stderr.splitlines() if line.strip()]


def test_json_logs_name_the_source_item_and_outbox_row(tmp_path: Path, site: LocalSite, slack_server: RunningServer, classifier):
    # `classifier` trains the session's model first: the service loads it rather than training it
    # in the poll that finds the new release, which would outlast the wait for its alert.
    publish(site)
    config = local_settings(slack_server.url, overrides=JSON_LOGS) + site_sources(site)
    cli = Cli.configured(tmp_path, f"sqlite:///{tmp_path / 'regwatch.db'}", config)
    service = Regwatch(cli, "service", "-v", "run")
    try:
        wait_for(lambda: len(site.requests()) >= 8, "the first polls", timeout=180)
        add_release(site, NEW_ORDER, NEW_ORDER_PATH)
        wait_for(lambda: slack_titles(slack_server) == [NEW_ORDER], "the new release's alert")
    finally:
        exit_code = service.stop(timeout=60)
    assert exit_code == 0, service.output()
    entries = json_lines(service.output())  # its stdout too: `run` prints nothing but log lines
    polls = [e for e in entries if e["logger"] == "monitor.schedule" and e.get("source_id") == "mic-press"]
    assert polls and all(e["message"].startswith("mic-press: ") for e in polls)
    (sent,) = [e for e in entries if e["logger"] == "alerts.deliver.sent"]
    assert sent["source_id"] == "mic-press" and isinstance(sent["item_id"], int) and sent["outbox_key"].endswith(":default")
    assert NEW_ORDER in sent["message"]

    # poll prints its summaries for people, beside the log lines
    logged = [line for line in cli("-v", "poll", "--once").stderr.splitlines() if line.startswith("{")]
    fetches = [e for e in json_lines("\n".join(logged)) if e["logger"] == "monitor.fetch"]
    assert fetches and all(e["message"].startswith("GET ") for e in fetches)
    text = cli("-v", "--log-format", "text", "poll", "--once").stderr
    assert " DEBUG monitor.fetch: GET " in text and '"logger"' not in text  # the flag wins over the file


def test_no_secret_reaches_any_output(tmp_path: Path, site: LocalSite, slack_server: RunningServer, smtp_server: Mailbox):
    """The Slack token is refused (invalid_auth), the SMTP password too, and the database password is
    sent (the test server trusts any): each travels through the code that logs the errors, at -vv."""
    slack_token, smtp_password = "xoxb-not-the-token-5150", "smtp-secret-5150"
    publish(site)
    config = team_config(slack_server.url, smtp_server.port) + site_sources(site)
    outputs: list[str] = []
    with scratch_schema(POSTGRES_URL) as url:
        parsed = make_url(url)
        db_password = parsed.password or "db-secret-5150"  # a server that wants a password keeps its own
        with_password = parsed.set(password=db_password).render_as_string(hide_password=False)
        env = {"SLACK_BOT_TOKEN": slack_token, "REGWATCH_SMTP_USER": smtp_server.USER, "REGWATCH_SMTP_PASSWORD": smtp_password}
        cli = Cli.configured(tmp_path, with_password, config, **env)
        for arguments in (
            ("-vv", "--log-format", "json", "poll", "--once", "--backfill"),
            ("-vv", "deliver", "--now"),
            ("-vv", "digest", "--send"),
            ("-vv", "channels", "check"),
            ("-vv", "config", "check"),
            ("-vv", "--log-format", "json", "outbox", "list"),
        ):
            result = cli(*arguments, expect=None)
            outputs.append(result.stdout + result.stderr)
        away = parsed.set(password=db_password, port=free_port()).render_as_string(hide_password=False)
        result = Cli.configured(tmp_path, away, config, **env)("-vv", "poll", "--once", expect=None)
        outputs.append(result.stdout + result.stderr)
    everything = "\n".join(outputs)
    assert "invalid_auth" in everything  # the token was used, and refused
    assert "smtp" in everything.lower() and "535" in everything  # the SMTP login was tried, and refused
    assert "Connection refused" in everything or "connection failed" in everything  # the database away
    for secret in (slack_token, smtp_password, db_password):
        assert secret not in everything, f"{secret} was written out"
