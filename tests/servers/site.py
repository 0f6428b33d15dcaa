"""A static site on loopback with conditional GET, for end-to-end tests and benchmarks.

    python -m tests.servers.site --root DIR [--host 127.0.0.1 ...] [--port 0] [--latency 0.05] [--cert C --key K]

Serves DIR's files (``dir/`` → ``dir/index.html``); ETag is a hash of the bytes, Last-Modified the
file's mtime, so rewriting a file changes the page. Content types come from ``DIR/_types.json``
(path → Content-Type) or the extension. ``DIR/_responses.json`` (path → {"status", "headers"})
makes a path answer with an error instead. Text bodies of 1 KB or more are sent gzip-compressed
to clients that accept it, as production servers do. ``GET /__requests__`` lists the requests served (path,
status, host); ``DELETE /__requests__`` clears the list. Several --host values serve the same
port on several loopback addresses (127.0.0.2 … for per-host politeness benchmarks). With --cert
and --key it speaks HTTPS.
A POST (a webhook receiver) is logged with its JSON body and Idempotency-Key and answers 200, or
the status ``_responses.json`` gives its path.
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import json
import mimetypes
import signal
import ssl
import sys
import threading
import time
from email.utils import formatdate
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import unquote, urlsplit


class Site:
    def __init__(self, root: Path, latency: float) -> None:
        self.root = root.resolve()
        self.latency = latency
        self.requests: list[dict[str, object]] = []
        self.lock = threading.Lock()

    def _table(self, name: str) -> dict[str, object]:
        table = self.root / name
        return json.loads(table.read_text(encoding="utf-8")) if table.exists() else {}

    def content_type(self, path: str, file: Path) -> str:
        return str(self._table("_types.json").get(path) or mimetypes.guess_type(file.name)[0] or "application/octet-stream")

    def override(self, path: str) -> dict | None:
        return self._table("_responses.json").get(path)  # type: ignore[return-value]

    def record(self, handler: BaseHTTPRequestHandler, path: str, status: int, **extra: object) -> None:
        with self.lock:
            self.requests.append(
                {
                    "host": handler.headers.get("Host", ""),
                    "path": path,
                    "status": status,
                    "user_agent": handler.headers.get("User-Agent", ""),
                    "at": time.time(),
                    **extra,
                }
            )


def make_handler(site: Site) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        # Headers and body go out in two writes; with Nagle on, the body waits for the client's
        # delayed ACK (~40 ms), which real servers do not impose.
        disable_nagle_algorithm = True

        def log_message(self, format: str, *args: object) -> None:  # quiet
            pass

        def _send(self, status: int, body: bytes = b"", headers: dict[str, str] | None = None) -> None:
            self.send_response(status)
            for name, value in (headers or {}).items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            if body:
                self.wfile.write(body)

        def do_DELETE(self) -> None:
            if self.path == "/__requests__":
                with site.lock:
                    site.requests.clear()
                self._send(200, b"[]", {"Content-Type": "application/json"})
            else:
                self._send(405)

        def do_POST(self) -> None:
            path = unquote(urlsplit(self.path).path)
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            status = int((site.override(path) or {}).get("status", 200))
            site.record(
                self,
                path,
                status,
                method="POST",
                body=json.loads(body or b"null"),
                idempotency_key=self.headers.get("Idempotency-Key"),
            )
            self._send(status, b"{}", {"Content-Type": "application/json"})

        def do_GET(self) -> None:
            path = unquote(urlsplit(self.path).path)
            if path == "/__requests__":
                with site.lock:
                    body = json.dumps(site.requests).encode()
                self._send(200, body, {"Content-Type": "application/json"})
                return
            if site.latency:
                time.sleep(site.latency)
            override = site.override(path)
            if override:
                site.record(self, path, int(override["status"]))
                self._send(int(override["status"]), b"error", {"Content-Type": "text/plain", **override.get("headers", {})})
                return
            file = (site.root / path.lstrip("/")).resolve()
            if file.is_dir():
                file = file / "index.html"
            if site.root not in file.parents or not file.is_file() or file.name.startswith("_"):
                site.record(self, path, 404)
                self._send(404, b"not found", {"Content-Type": "text/plain"})
                return
            body = file.read_bytes()
            etag = '"' + hashlib.sha1(body).hexdigest()[:20] + '"'
            last_modified = formatdate(int(file.stat().st_mtime), usegmt=True)
            validators = {"ETag": etag, "Last-Modified": last_modified}
            if_none_match = self.headers.get("If-None-Match")
            if if_none_match == etag or (if_none_match is None and self.headers.get("If-Modified-Since") == last_modified):
                site.record(self, path, 304)
                self._send(304, b"", validators)
                return
            headers = {"Content-Type": site.content_type(path, file), **validators}
            if len(body) >= 1024 and "gzip" in (self.headers.get("Accept-Encoding") or ""):
                body = gzip.compress(body, compresslevel=1, mtime=0)  # nginx's default level
                headers["Content-Encoding"] = "gzip"
            site.record(self, path, 200)
            self._send(200, body, headers)

    return Handler


class QuietServer(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request: object, client_address: object) -> None:
        if not isinstance(sys.exc_info()[1], ConnectionError):  # clients closing keep-alive sockets
            super().handle_error(request, client_address)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--root", required=True, type=Path)
    parser.add_argument("--host", action="append", default=[])
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--latency", type=float, default=0.0)
    parser.add_argument("--cert", type=Path)
    parser.add_argument("--key", type=Path)
    arguments = parser.parse_args()
    site = Site(arguments.root, arguments.latency)
    handler = make_handler(site)
    hosts = arguments.host or ["127.0.0.1"]
    servers = [QuietServer((hosts[0], arguments.port), handler)]
    port = servers[0].server_address[1]
    servers += [QuietServer((host, port), handler) for host in hosts[1:]]
    if arguments.cert:
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(arguments.cert, arguments.key)
        for server in servers:
            server.socket = context.wrap_socket(server.socket, server_side=True)
    for server in servers:
        threading.Thread(target=server.serve_forever, daemon=True).start()
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    print("READY " + json.dumps({"port": port, "hosts": hosts}), flush=True)
    threading.Event().wait()


if __name__ == "__main__":
    main()
