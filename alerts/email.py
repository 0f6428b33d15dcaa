"""The digest as an e-mail: multipart/alternative (plain text, then HTML), rendered by Jinja2 with
autoescape on the HTML part, sent over SMTP (STARTTLS, implicit TLS or none)."""

from __future__ import annotations

import smtplib
import ssl
from email.message import EmailMessage
from email.utils import formatdate, make_msgid

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape

from alerts.digest import Digest
from monitor.config import ChannelConfig, SmtpConfig
from monitor.errors import ChannelConfigError, DeliveryError

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


def send_message(message: EmailMessage, config: SmtpConfig, user: str | None, password: str | None) -> None:
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
            client.send_message(message)
    except smtplib.SMTPAuthenticationError as exc:
        raise ChannelConfigError(f"smtp {config.host}:{config.port}: authentication refused ({exc.smtp_code})") from exc
    except (smtplib.SMTPException, OSError) as exc:
        raise DeliveryError(f"smtp {config.host}:{config.port}: {exc.__class__.__name__}: {exc}") from exc
