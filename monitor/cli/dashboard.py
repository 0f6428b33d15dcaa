"""Commands of the web dashboard: ``serve``, ``users add`` and ``labels export``."""

from __future__ import annotations

import json
import os
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

import click

from monitor.cli.app import CliError, Context, main, pass_context

if TYPE_CHECKING:
    from monitor.runtime import Runtime


@main.command()
@click.option("--host", help="Address to bind (default: [dashboard] host).")
@click.option("--port", type=int, help="Port to listen on (default: [dashboard] port; 0: any free one).")
@pass_context
def serve(context: Context, host: str | None, port: int | None) -> None:
    """Serve the web dashboard, its JSON API and Atom feeds (sessions signed with $REGWATCH_DASHBOARD_SECRET)."""
    with context.runtime() as runtime:
        _server(runtime, host, port).run()


def _server(runtime: Runtime, host: str | None = None, port: int | None = None) -> Any:
    import uvicorn

    from dashboard import DashboardSettings, create_app

    options = runtime.settings.config.dashboard
    secret = os.environ.get("REGWATCH_DASHBOARD_SECRET")
    settings = DashboardSettings.with_secret(runtime.store, runtime.settings.config, secret)
    # Logging stays regwatch's own (logs.configure): uvicorn's would replace it.
    config = uvicorn.Config(
        create_app(settings), host=host or options.host, port=options.port if port is None else port,
        log_config=None, access_log=False, server_header=False, forwarded_allow_ips=options.forwarded_allow_ips,
    )  # fmt: skip
    return uvicorn.Server(config)


@contextmanager
def dashboard_alongside(runtime: Runtime) -> Iterator[None]:
    """The dashboard in a thread of ``regwatch run`` while it runs, when [dashboard] with_run says so."""
    if not runtime.settings.config.dashboard.with_run:
        yield
        return
    server = _server(runtime)
    # Off the main thread, uvicorn installs no signal handlers: the service's own stop it.
    thread = threading.Thread(target=server.run, name="dashboard", daemon=True)
    thread.start()
    try:
        yield
    finally:
        server.should_exit = True
        thread.join(timeout=10)


@main.group("users")
def users_group() -> None:
    """Users of the web dashboard."""


@users_group.command("add")
@click.argument("name")
@click.option("--role", type=click.Choice(["viewer", "editor"]), default="viewer", show_default=True)
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input (else prompted for).")
@pass_context
def users_add(context: Context, name: str, role: str, password_stdin: bool) -> None:
    """Add a user (or give one a new password and role); the password is kept as an argon2 hash."""
    from dashboard.auth import hash_password
    from monitor.jpdates import utcnow
    from monitor.store.people import save_user

    password = (
        sys.stdin.readline().rstrip("\n")
        if password_stdin
        else click.prompt("password", hide_input=True, confirmation_prompt=True)
    )
    if len(password) < 8:
        raise CliError("the password must have at least 8 characters")
    with context.runtime() as runtime, runtime.store.begin() as connection:
        save_user(connection, name, hash_password(password), role, utcnow())
    click.echo(f"user {name} ({role}) saved")


@main.group("labels")
def labels_group() -> None:
    """Label corrections made in the dashboard."""


@labels_group.command("export")
@pass_context
def labels_export(context: Context) -> None:
    """Corrected items as JSON Lines: title, body, the corrected labels (the format `regwatch eval`
    and `regwatch train` read), the classifier's labels and who corrected what, when."""
    from monitor.store.people import corrected_items, correction_record

    with context.runtime() as runtime, runtime.store.read() as connection:
        items = corrected_items(connection)
    for item in items:
        click.echo(json.dumps(correction_record(item), ensure_ascii=False))
