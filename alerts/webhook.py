"""The webhook channel: each notice POSTed as JSON, with the outbox key as Idempotency-Key so a
receiver can drop the repeat of a post whose answer was lost."""

from __future__ import annotations

from datetime import datetime

import httpx

from monitor import __version__
from monitor.egress import Egress
from monitor.errors import ChannelConfigError, DeliveryError
from monitor.items import Notice, notice_kind

_TIMEOUT = 15.0
_OPERATOR_STATUSES = frozenset({401, 403, 404, 405, 410})


class WebhookChannel:
    min_interval = 0.0

    def __init__(
        self, name: str, url: str, *, transport: httpx.BaseTransport | None = None, egress: Egress | None = None
    ) -> None:
        self.name = name
        self._url = url
        self._egress = egress
        self._client = httpx.Client(
            timeout=_TIMEOUT,
            trust_env=False,  # the proxy comes from egress, which reads NO_PROXY as sources do
            proxy=egress.proxy_for(url) if egress else None,
            transport=transport,
            headers={"User-Agent": f"regwatch/{__version__}"},
        )

    def send(self, notice: Notice, *, thread: str | None = None) -> str | None:
        body = {"type": notice_kind(notice), **notice.to_json()}
        if self._egress:
            self._egress.require(self._url, f"webhook {self.name}")
        try:
            response = self._client.post(self._url, json=body, headers={"Idempotency-Key": notice.key})
        except httpx.HTTPError as exc:
            raise DeliveryError(f"webhook {self.name}: {exc.__class__.__name__}: {exc}") from exc
        if response.status_code in _OPERATOR_STATUSES:
            raise ChannelConfigError(f"webhook {self.name}: {self._url} answered HTTP {response.status_code}")
        if response.status_code >= 300:
            retry_after = response.headers.get("Retry-After", "")
            raise DeliveryError(
                f"webhook {self.name}: HTTP {response.status_code}",
                retry_after=float(retry_after) if retry_after.isdigit() else None,
            )
        return f"http {response.status_code}"

    def find(self, key: str, since: datetime) -> str | None:
        return None  # the receiver deduplicates by Idempotency-Key

    def check(self) -> list[str]:
        return []  # only a post would tell; `regwatch channels test` makes one
