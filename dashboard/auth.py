"""Who is asking: argon2 password hashes, a signed session cookie holding the user's name and the
session's CSRF token, and a limit on failed logins.

Every visitor gets a session (anonymous until a login), so even the login form carries a CSRF
token. The cookie is HttpOnly, SameSite=Strict and (by config) Secure; it is signed with HMAC-SHA256
and expires on its own; a login or a logout issues a new token.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
import time
from collections import deque
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

if TYPE_CHECKING:
    from monitor.models import DashboardUserRow

_MAX_TRACKED = 10_000  # keys of failed logins kept before expired ones are dropped
COOKIE = "regwatch_session"
_HASHER = PasswordHasher()
# Checked against when the user is unknown, so an unknown name costs as long as a wrong password.
_DUMMY_HASH = _HASHER.hash(secrets.token_urlsafe(16))


def hash_password(password: str) -> str:
    return _HASHER.hash(password)


def password_matches(password_hash: str | None, password: str) -> bool:
    try:
        return _HASHER.verify(password_hash or _DUMMY_HASH, password) and password_hash is not None
    except (VerificationError, InvalidHashError):
        return False


@dataclass(frozen=True)
class Session:
    csrf: str
    user: str | None = None
    role: str | None = None  # the user's role now: looked up on each request, never kept in the cookie
    expires: float = 0.0
    password: str = ""  # a keyed digest of the password hash signed in with: a new password ends the session

    @property
    def editor(self) -> bool:
        return self.role == "editor"

    def csrf_matches(self, token: str | None) -> bool:
        return bool(token) and hmac.compare_digest(self.csrf.encode(), (token or "").encode())


class Sessions:
    """Sessions as signed cookie values: the user's name, never their role (a user demoted or
    removed with ``regwatch users`` is so from their next request on)."""

    def __init__(self, secret: bytes, ttl: float) -> None:
        self._secret = secret
        self.ttl = ttl

    def new(self, user: DashboardUserRow | None = None) -> Session:
        """A new session: anonymous, or signed in as ``user``."""
        if user is None:
            return Session(secrets.token_urlsafe(24), expires=time.time() + self.ttl)
        return Session(secrets.token_urlsafe(24), user.name, user.role, time.time() + self.ttl, self._stamp(user.password_hash))

    def as_now(self, session: Session, user: DashboardUserRow | None) -> Session:
        """A cookie's session with its user as the database has them now: their current role, or
        signed out when the user is gone or has a new password."""
        if user is None or not hmac.compare_digest(session.password, self._stamp(user.password_hash)):
            return Session(session.csrf, expires=session.expires)
        return replace(session, role=user.role)

    def encode(self, session: Session) -> str:
        data = json.dumps({"c": session.csrf, "u": session.user, "e": session.expires, "p": session.password}).encode()
        payload = base64.urlsafe_b64encode(data).decode().rstrip("=")
        return f"{payload}.{self._sign(payload)}"

    def decode(self, value: str | None) -> Session | None:
        """The session of a cookie, its role not yet known; None when it is absent, forged or expired."""
        if not value or "." not in value:
            return None
        payload, signature = value.rsplit(".", 1)
        if not hmac.compare_digest(self._sign(payload), signature):
            return None
        try:
            data = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
            session = Session(str(data["c"]), data["u"], None, float(data["e"]), str(data["p"]))
        except (ValueError, KeyError, TypeError):
            return None
        return session if session.expires > time.time() else None

    def _sign(self, payload: str) -> str:
        return hmac.new(self._secret, payload.encode(), hashlib.sha256).hexdigest()

    def _stamp(self, password_hash: str) -> str:
        return hmac.new(self._secret, b"password\n" + password_hash.encode(), hashlib.sha256).hexdigest()[:32]


class LoginLimit:
    """At most ``attempts`` failed logins per user name and address within ``window`` seconds, and
    ADDRESS_FACTOR times as many per address (one guessing through many names)."""

    ADDRESS_FACTOR = 4

    def __init__(self, attempts: int, window: float) -> None:
        self._by_name = _Failures(attempts, window)
        self._by_address = _Failures(attempts * self.ADDRESS_FACTOR, window)

    def blocked(self, name: str, address: str) -> bool:
        return self._by_name.blocked(f"{name}\n{address}") or self._by_address.blocked(address)

    def failed(self, name: str, address: str) -> None:
        self._by_name.failed(f"{name}\n{address}")
        self._by_address.failed(address)

    def succeeded(self, name: str, address: str) -> None:
        self._by_name.succeeded(f"{name}\n{address}")


class _Failures:
    """Failures per key within a sliding window."""

    def __init__(self, attempts: int, window: float) -> None:
        self._attempts = attempts
        self._window = window
        self._failures: dict[str, deque[float]] = {}

    def blocked(self, key: str) -> bool:
        failures = self._failures.get(key)
        if not failures:
            return False
        while failures and failures[0] <= time.monotonic() - self._window:
            failures.popleft()
        return len(failures) >= self._attempts

    def failed(self, key: str) -> None:
        if len(self._failures) >= _MAX_TRACKED:  # many names tried: forget those whose window has passed
            cutoff = time.monotonic() - self._window
            self._failures = {k: times for k, times in self._failures.items() if times and times[-1] > cutoff}
        self._failures.setdefault(key, deque()).append(time.monotonic())

    def succeeded(self, key: str) -> None:
        self._failures.pop(key, None)
