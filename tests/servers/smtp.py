"""A real SMTP server (aiosmtpd) on loopback that keeps each message it accepts as a file.

    python -m tests.servers.smtp --spool DIR [--port 0] [--user U --password P]
                                 [--tls starttls|implicit --cert CERT --key KEY]

Each accepted message is written to ``DIR/<n>.eml`` (the bytes as received) with
``DIR/<n>.json`` (envelope sender and recipients). While ``DIR/_refuse`` exists every message is
refused with a temporary error (451), as a mail server that is overloaded or greylisting does.
With --user/--password, AUTH (PLAIN, LOGIN) is offered and required. With --tls starttls the
server offers STARTTLS and requires it before AUTH and mail; with --tls implicit it speaks TLS
from the first byte (port 465 style).
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import signal
import ssl
import sys
import warnings
from pathlib import Path
from typing import Any

from aiosmtpd.smtp import SMTP, AuthResult, LoginPassword

# Plain AUTH without TLS is what this loopback test server is for.
warnings.filterwarnings("ignore", message="Requiring AUTH while not requiring TLS")


class Spool:
    def __init__(self, root: Path) -> None:
        self.root = root
        self._numbers = itertools.count(1)

    async def handle_DATA(self, server: SMTP, session: Any, envelope: Any) -> str:
        if (self.root / "_refuse").exists():
            return "451 4.3.0 Mail server temporarily busy, try again later"
        number = next(self._numbers)
        (self.root / f"{number}.eml").write_bytes(envelope.original_content or envelope.content)
        (self.root / f"{number}.json").write_text(json.dumps({"from": envelope.mail_from, "to": envelope.rcpt_tos}))
        return "250 2.0.0 OK"


def authenticator(user: str, password: str):
    def check(server: SMTP, session: Any, envelope: Any, mechanism: str, auth_data: Any) -> AuthResult:
        ok = isinstance(auth_data, LoginPassword) and auth_data.login.decode() == user and auth_data.password.decode() == password
        return AuthResult(success=ok, handled=False)  # unhandled: the server answers 535 itself

    return check


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--spool", required=True, type=Path)
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--user")
    parser.add_argument("--password")
    parser.add_argument("--tls", choices=["none", "starttls", "implicit"], default="none")
    parser.add_argument("--cert")
    parser.add_argument("--key")
    arguments = parser.parse_args()
    arguments.spool.mkdir(parents=True, exist_ok=True)
    spool = Spool(arguments.spool)
    context = None
    if arguments.tls != "none":
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(arguments.cert, arguments.key)
    options: dict[str, Any] = {"auth_require_tls": arguments.tls == "starttls"}
    if arguments.tls == "starttls":
        options.update(tls_context=context, require_starttls=True)
    if arguments.user:
        options.update(authenticator=authenticator(arguments.user, arguments.password), auth_required=True)
    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    server = loop.run_until_complete(
        loop.create_server(
            lambda: SMTP(spool, hostname="smtp.regwatch.test", loop=loop, **options),
            "127.0.0.1",
            arguments.port,
            ssl=context if arguments.tls == "implicit" else None,
        )
    )
    loop.add_signal_handler(signal.SIGTERM, loop.stop)
    print("READY " + json.dumps({"port": server.sockets[0].getsockname()[1]}), flush=True)
    loop.run_forever()
    server.close()
    sys.exit(0)


if __name__ == "__main__":
    main()
