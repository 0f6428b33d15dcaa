"""The database's URL from the environment: REGWATCH_DATABASE_URL, or its parts.

A URL holds the password inside it, so a password with ``@``, ``/``, ``:`` or ``%`` (as password
generators produce) has to be percent-encoded by whoever writes it, and rarely is. The parts
(REGWATCH_DATABASE_HOST, _PORT, _USER, _PASSWORD, _NAME) take any password as it is: the URL is
built here, each part encoded.
"""

from __future__ import annotations

from urllib.parse import quote

from monitor.errors import ConfigError

DEFAULT_DATABASE_URL = "sqlite:///regwatch.db"
PARTS = ("HOST", "PORT", "USER", "PASSWORD", "NAME")
DEFAULT_PORT = "5432"


def database_url_from_environment(env: dict[str, str]) -> str:
    """REGWATCH_DATABASE_URL when set; else PostgreSQL from the parts when any is set; else SQLite."""
    if env.get("REGWATCH_DATABASE_URL"):
        return env["REGWATCH_DATABASE_URL"]
    parts = {part: env.get(f"REGWATCH_DATABASE_{part}", "") for part in PARTS}
    if not any(parts.values()):
        return DEFAULT_DATABASE_URL
    if not parts["HOST"]:
        given = ", ".join(f"REGWATCH_DATABASE_{part}" for part, value in parts.items() if value)
        raise ConfigError(f"REGWATCH_DATABASE_HOST is required when the database is given by its parts ({given} set)")
    return postgresql_url(**{part.lower(): value for part, value in parts.items()})


def postgresql_url(*, host: str, port: str, user: str, password: str, name: str) -> str:
    port = port or DEFAULT_PORT
    if not port.isdigit() or not 0 < int(port) < 65536:
        raise ConfigError(f"REGWATCH_DATABASE_PORT: {port!r} is not a port number")
    credentials = quote(user, safe="")
    if password:
        credentials += ":" + quote(password, safe="")
    # IPv6 addresses are written in brackets inside a URL.
    address = f"[{host}]" if ":" in host and not host.startswith("[") else host
    return f"postgresql+psycopg://{credentials}{'@' if credentials else ''}{address}:{port}/{quote(name, safe='')}"
