"""A forward HTTP proxy on loopback, as corporate networks have: ``GET`` or ``POST http://host/path``
is sent on to the host and its answer relayed. ``GET /__requests__`` (asked directly) lists the URLs it relayed.

    python -m tests.servers.proxy [--port 0]
"""

from __future__ import annotations

import argparse
import http.client
import json
import signal
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit


def make_handler(relayed: list[str]) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: object) -> None:
            pass

        def do_GET(self) -> None:
            if self.path == "/__requests__":
                return self._answer(200, json.dumps(relayed).encode(), [("Content-Type", "application/json")])
            self._relay("GET")

        def do_POST(self) -> None:
            self._relay("POST", self.rfile.read(int(self.headers.get("Content-Length") or 0)))

        def _relay(self, method: str, body: bytes | None = None) -> None:
            relayed.append(self.path)
            target = urlsplit(self.path)
            upstream = http.client.HTTPConnection(target.hostname, target.port or 80, timeout=10)
            headers = {
                name: value for name, value in self.headers.items() if name.lower() not in ("proxy-connection", "connection")
            }
            upstream.request(method, target.path + (f"?{target.query}" if target.query else ""), body, headers)
            response = upstream.getresponse()
            answer = response.read()
            kept = [
                (n, v) for n, v in response.getheaders() if n.lower() not in ("transfer-encoding", "connection", "content-length")
            ]
            self._answer(response.status, answer, [*kept, ("Via", "1.1 test-proxy")])
            upstream.close()

        def _answer(self, status: int, body: bytes, headers: list[tuple[str, str]]) -> None:
            self.send_response(status)
            for name, value in headers:
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    return Handler


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, default=0)
    arguments = parser.parse_args()
    server = ThreadingHTTPServer(("127.0.0.1", arguments.port), make_handler([]))
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    print("READY " + json.dumps({"port": server.server_address[1]}), flush=True)
    threading.Event().wait()


if __name__ == "__main__":
    main()
