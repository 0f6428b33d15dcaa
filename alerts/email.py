"""The digest as an e-mail: multipart/alternative (plain text, then HTML), rendered by Jinja2 with
autoescape on the HTML part, sent over SMTP (STARTTLS, implicit TLS or none)."""

from __future__ import annotations

import smtplib
import ssl
from collections.abc import Iterator
from contextlib import contextmanager
from email.message import EmailMessage
from email.utils import formatdate, make_msgid

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape

from alerts.digest_view import Digest
from alerts.render import PROBE_HEADER, probe_text
from monitor.config import ChannelConfig, SmtpConfig
from monitor.errors import ChannelConfigError, DeliveryError
from monitor.items import ProbeNotice

_ENVIRONMENT = Environment(
    loader=PackageLoader("alerts", "templates"),
    autoescape=select_autoescape(enabled_extensions=("html.j2",), default_for_string=False),
    undefined=StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)


def render(digest: Digest) -> tuple[str, str]:
    """(plain text, HTML) of the digest; scraped text is escaped in the HTML."""
    return (
        _ENVIRONMENT.get_template("digest.txt.j2").render(digest=digest),
        _ENVIRONMENT.get_template("digest.html.j2").render(digest=digest),
    )


def digest_message(digest: Digest, channel: ChannelConfig, sender: str) -> EmailMessage:
    text, html = render(digest)
    message = EmailMessage()
    message["Subject"] = digest.subject  # encoded as RFC 2047 UTF-8 words by the default policy
    message["From"] = sender
    message["To"] = ", ".join(channel.to)
    message["Date"] = formatdate(localtime=False)
    # One Message-ID per channel and day: a receiving server can drop a repeat.
    message["Message-ID"] = make_msgid(
        idstring=f"regwatch.digest.{digest.channel}.{digest.day.isoformat()}", domain="regwatch.local"
    )
    message.set_content(text)
    message.add_alternative(html, subtype="html")
    return message


def probe_message(name: str, channel: ChannelConfig, sender: str, notice: ProbeNotice) -> EmailMessage:
    """The mail ``regwatch channels test`` sends to an email channel."""
    message = EmailMessage()
    message["Subject"] = f"{PROBE_HEADER}: {name}"
    message["From"] = sender
    message["To"] = ", ".join(channel.to)
    message["Date"] = formatdate(localtime=False)
    message["Message-ID"] = make_msgid(idstring=f"regwatch.probe.{name}", domain="regwatch.local")
    message.set_content(probe_text(notice))
    return message


def send_message(message: EmailMessage, config: SmtpConfig, user: str | None, password: str | None) -> None:
    with _session(config, user, password) as client:
        client.send_message(message)


def check_server(config: SmtpConfig, user: str | None, password: str | None) -> list[str]:
    """What would keep the digest from going out (connection, TLS, login), each with its fix; sends nothing."""
    try:
        with _session(config, user, password):
            return []
    except ChannelConfigError as exc:
        return [f"{exc}: correct [smtp] or REGWATCH_SMTP_USER / REGWATCH_SMTP_PASSWORD"]
    except DeliveryError as exc:
        return [f"{exc}: check [smtp] host, port and security, and that the server is up"]


@contextmanager
def _session(config: SmtpConfig, user: str | None, password: str | None) -> Iterator[smtplib.SMTP]:
    """A connected, secured and logged-in SMTP session; errors as ChannelConfigError or DeliveryError."""
    try:
        if config.security == "tls":
            client: smtplib.SMTP = smtplib.SMTP_SSL(
                config.host, config.port, timeout=config.timeout, context=ssl.create_default_context()
            )
        else:
            client = smtplib.SMTP(config.host, config.port, timeout=config.timeout)
        with client:
            if config.security == "starttls":
                client.starttls(context=ssl.create_default_context())
            if user and password:
                client.ehlo_or_helo_if_needed()
                if not client.has_extn("auth") and client.has_extn("starttls"):
                    raise ChannelConfigError(
                        f"smtp {config.host}:{config.port}: the server offers login only after STARTTLS; "
                        'set [smtp] security = "starttls"'
                    )
                client.login(user, password)
            yield client
    except smtplib.SMTPAuthenticationError as exc:
        raise ChannelConfigError(f"smtp {config.host}:{config.port}: authentication refused ({exc.smtp_code})") from exc
    except (smtplib.SMTPException, OSError) as exc:
        raise DeliveryError(f"smtp {config.host}:{config.port}: {exc.__class__.__name__}: {exc}") from exc
