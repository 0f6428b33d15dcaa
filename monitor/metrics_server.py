"""The service's HTTP endpoint, in a background thread: ``/metrics`` (Prometheus text format),
``/healthz`` and ``/readyz`` (200, or 503 with the reason, as plain text).

The standard library's ThreadingHTTPServer is enough for a scrape every few seconds and a health
check: no web framework, and a slow /readyz (a database that takes its time to refuse) does not
hold up /metrics. A port that cannot be bound is logged and the service runs on without it: a
second ``regwatch run`` on one machine (another worker) must not die for want of a metrics port.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Sequence
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Protocol

from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from prometheus_client.registry import Collector

from monitor.config import Config
from monitor.metrics import REGISTRY
from monitor.metrics_db import DatabaseGauges
from monitor.probes import ServiceProbes, Verdict
from monitor.store import Store

logger = logging.getLogger(__name__)


class Probes(Protocol):
    def live(self) -> Verdict: ...

    def ready(self) -> Verdict: ...


def serve(config: Config, store: Store) -> ObservabilityServer | None:
    """The endpoint of ``regwatch run`` as ``[metrics]`` says; None when it is off or cannot listen."""
    # Email channels have no outbox rows (a digest reads the store): no series for them.
    channels = config.alert_channels
    probes = ServiceProbes(store, config.service.tick)
    return _started(config.metrics.host, config.metrics.port, probes, [DatabaseGauges(store, channels)])


def serve_worker(config: Config, store: Store) -> ObservabilityServer | None:
    """The endpoint of ``regwatch worker`` on ``[metrics] worker_port``: what this worker ran, and
    /healthz while its heartbeat beats. Not the database gauges: the scheduler serves those once,
    where every worker would repeat them."""
    probes = ServiceProbes(store, config.worker.heartbeat, ticker="the worker's heartbeat")
    return _started(config.metrics.host, config.metrics.worker_port, probes, [])


def _started(host: str, port: int, probes: Probes, collectors: list[Collector]) -> ObservabilityServer | None:
    if port == 0:
        return None
    server = ObservabilityServer(host, port, probes, collectors=collectors)
    return server if server.start() else None


class ObservabilityServer:
    """``collectors``: registered while serving (the database gauges need this process's store)."""

    def __init__(
        self,
        host: str,
        port: int,
        probes: Probes,
        *,
        collectors: Sequence[Collector] = (),
    ) -> None:
        self._host = host
        self._port = port
        self._probes = probes
        self._collectors = list(collectors)
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    @property
    def port(self) -> int | None:
        """The bound port (``port`` 0 in tests binds a free one); None when not serving."""
        return self._server.server_address[1] if self._server else None

    def start(self) -> bool:
        """Serve in a daemon thread; False (and one error logged) when the address cannot be bound."""
        try:
            self._server = ThreadingHTTPServer((self._host, self._port), _handler(self._probes))
        except OSError as exc:
            logger.error(
                "metrics and health endpoint not served: cannot listen on %s:%d (%s); set [metrics] port, or 0 to turn it off",
                self._host, self._port, exc,
            )  # fmt: skip
            return False
        self._server.daemon_threads = True  # a client that hangs must not keep the process from stopping
        for collector in self._collectors:
            REGISTRY.register(collector)
        self._thread = threading.Thread(target=self._server.serve_forever, name="metrics-http", daemon=True)
        self._thread.start()
        logger.info("metrics on http://%s:%d/metrics, health on /healthz and /readyz", self._host, self.port)
        return True

    def stop(self) -> None:
        if self._server is None:
            return
        self._server.shutdown()
        self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
        for collector in self._collectors:
            REGISTRY.unregister(collector)
        self._server = self._thread = None


def _handler(probes: Probes) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: object) -> None:
            pass  # a scrape every few seconds is not an event an operator acts on

        def do_GET(self) -> None:
            path = self.path.split("?", 1)[0]
            if path == "/metrics":
                self._send(200, generate_latest(REGISTRY), CONTENT_TYPE_LATEST)
            elif path in ("/healthz", "/readyz"):
                verdict = probes.live() if path == "/healthz" else probes.ready()
                self._send(200 if verdict.ok else 503, (verdict.reason + "\n").encode("utf-8"))
            else:
                self._send(404, b"not found: /metrics, /healthz and /readyz are served\n")

        def _send(self, status: int, body: bytes, content_type: str = "text/plain; charset=utf-8") -> None:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.send_header("Cache-Control", "no-store")
            self.end_headers()
            self.wfile.write(body)

    return Handler
