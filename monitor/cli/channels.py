"""``channels check`` (can each channel take alerts?) and ``channels test NAME`` (send it a test message)."""

from __future__ import annotations

import os
import socket
import sys

import click

from monitor.cli.app import CliError, Context, main, pass_context


@main.group("channels")
def channels_group() -> None:
    """Check the channels alerts go to, or send one a test message."""


@channels_group.command("check")
@pass_context
def channels_check(context: Context) -> None:
    """Ask each channel whether alerts can reach it (Slack: the token, the channel, the bot's
    membership; email: the SMTP server and its login). Posts nothing."""
    from alerts.channels import build_channels, channel_problems

    settings = context.settings()
    problems = channel_problems(settings, build_channels(settings))
    for name, found in problems.items():
        kind = settings.config.channels[name].kind
        click.echo(f"{name} ({kind}): " + ("ok" if not found else "PROBLEM"))
        for problem in found:
            click.echo(f"  {problem}")
    if any(problems.values()):
        sys.exit(1)


@channels_group.command("test")
@click.argument("name")
@pass_context
def channels_test(context: Context, name: str) -> None:
    """Send channel NAME a test message (a test mail for an email channel), now, not queued."""
    from alerts.channels import build_channels
    from alerts.email import probe_message, send_message
    from monitor.errors import RegwatchError
    from monitor.items import ProbeNotice
    from monitor.jpdates import utcnow

    settings = context.settings()
    configured = settings.config.channels
    if name not in configured:
        raise CliError(f"no channel {name!r}; configured: {', '.join(configured)}")
    sender = f"{socket.gethostname()}:{os.getpid()}"
    notice = ProbeNotice(key=f"probe:{name}:{utcnow().timestamp():.0f}", channel=name, sender=sender, sent_at=utcnow())
    try:
        if configured[name].kind == "email":
            message = probe_message(name, configured[name], settings.config.smtp.sender, notice)
            send_message(message, settings.config.smtp, settings.smtp_user, settings.smtp_password)
            reference = f"mail to {', '.join(configured[name].to)}"
        else:
            reference = build_channels(settings)[name].send(notice) or "printed"
    except RegwatchError as exc:
        raise CliError(f"{name}: the test message was not sent: {exc}") from None
    click.echo(f"{name}: test message sent ({reference})")
