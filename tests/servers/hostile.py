"""A hostile HTTP server on loopback: answers that a fetcher must survive.

    python -m tests.servers.hostile [--host 127.0.0.1 ...] [--port 0]

Raw asyncio streams, so that it can misbehave below HTTP's rules. Paths:
- ``/redirect?to=URL``: 302 to URL (any scheme, any address); ``/loop/a`` ↔ ``/loop/b``: a redirect loop;
  ``/weird-retry-after``: 503 with ``Retry-After: ²``;
  ``/chain/N``: N redirects in a row, then a page.
- ``/bomb/gzip-gzip``: ``Content-Encoding: gzip, gzip``, about 2 KB inflating to 1 GB;
  ``/bomb/gzip``, ``/bomb/br``: one layer, a few hundred KB inflating to 200 MB.
- ``/big/declared``: 50 MB with its Content-Length; ``/big/chunked``: 50 MB, chunked, no length.
- ``/endless``: a chunked body that never ends.
- ``/slow/headers``: the status line, then a header byte a second; ``/slow/body``: headers, then a
  body byte every half second.
- ``/hang``: reads the request and never answers.
- ``/feed?items=LINK,LINK``: an RSS feed whose items link where the query says.
- anything else: a small HTML page.
``GET /__connections__`` lists every request line received (``DELETE`` clears it): the proof that
a refused address was never contacted.
"""

from __future__ import annotations

import argparse
import asyncio
import gzip
import json
import signal
import sys
import zlib
from urllib.parse import parse_qs, quote, urlsplit

import brotli

_MB = 1024 * 1024


def _gzip_of_zeros(size: int) -> bytes:
    compressor = zlib.compressobj(9, zlib.DEFLATED, zlib.MAX_WBITS | 16)
    chunk = bytes(_MB)
    return b"".join(compressor.compress(chunk) for _ in range(size // _MB)) + compressor.flush()


class Hostile:
    def __init__(self) -> None:
        self.requests: list[str] = []
        self._gzip_once = _gzip_of_zeros(200 * _MB)
        self._gzip_twice = gzip.compress(_gzip_of_zeros(1024 * _MB), compresslevel=9)
        self._brotli = brotli.compress(bytes(200 * _MB), quality=5)

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while True:
                request_line = (await reader.readline()).decode("latin-1").strip()
                if not request_line:
                    return
                while (await reader.readline()) not in (b"\r\n", b"\n", b""):
                    pass
                path = request_line.split(" ")[1] if " " in request_line else "/"
                if not path.startswith("/__"):
                    self.requests.append(request_line)
                await self.answer(path, request_line.split(" ")[0], writer)
        except (ConnectionError, asyncio.IncompleteReadError):
            pass
        finally:
            writer.close()

    async def answer(self, target: str, method: str, writer: asyncio.StreamWriter) -> None:
        parts = urlsplit(target)
        path, query = parts.path, parse_qs(parts.query)
        if path == "/__connections__":
            if method == "DELETE":
                self.requests.clear()
            return self._send(writer, 200, json.dumps(self.requests).encode(), "application/json")
        if path == "/robots.txt":
            return self._send(writer, 404, b"", "text/plain")
        if path == "/redirect":
            return self._send(writer, 302, b"", "text/plain", {"Location": query["to"][0]})
        if path == "/weird-retry-after":
            return self._send(writer, 503, b"", "text/plain", {"Retry-After": "\u00b2"})  # a superscript two
        if path.startswith("/loop/"):
            return self._send(writer, 302, b"", "text/plain", {"Location": "/loop/b" if path == "/loop/a" else "/loop/a"})
        if path.startswith("/chain/"):
            left = int(path.rsplit("/", 1)[1])
            return self._send(writer, 302, b"", "text/plain", {"Location": f"/chain/{left - 1}"}) if left else self._page(writer)
        if path == "/bomb/gzip-gzip":
            return self._send(writer, 200, self._gzip_twice, "text/html", {"Content-Encoding": "gzip, gzip"})
        if path == "/bomb/gzip":
            return self._send(writer, 200, self._gzip_once, "text/html", {"Content-Encoding": "gzip"})
        if path == "/bomb/br":
            return self._send(writer, 200, self._brotli, "text/html", {"Content-Encoding": "br"})
        if path == "/big/declared":
            return self._send(writer, 200, b"<p>" + b"x" * (50 * _MB), "text/html")
        if path in ("/big/chunked", "/endless"):
            return await self._chunked(writer, 50 * _MB if path == "/big/chunked" else None)
        if path.startswith("/slow/"):
            return await self._slow(writer, headers=path == "/slow/headers")
        if path == "/hang":
            await asyncio.sleep(3600)
        if path == "/feed":
            return self._send(writer, 200, _feed(query.get("items", [""])[0].split(",")), "application/rss+xml; charset=utf-8")
        return self._page(writer)

    def _page(self, writer: asyncio.StreamWriter) -> None:
        self._send(
            writer, 200, "<html><body><h1>普通のページ</h1><p>本文です。</p></body></html>".encode(), "text/html; charset=utf-8"
        )

    @staticmethod
    def _send(
        writer: asyncio.StreamWriter, status: int, body: bytes, content_type: str, headers: dict[str, str] | None = None
    ) -> None:
        lines = [f"HTTP/1.1 {status} X", f"Content-Type: {content_type}", f"Content-Length: {len(body)}"]
        lines += [f"{name}: {value}" for name, value in (headers or {}).items()]
        writer.write(("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body)

    @staticmethod
    async def _chunked(writer: asyncio.StreamWriter, size: int | None) -> None:
        writer.write(b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nTransfer-Encoding: chunked\r\n\r\n")
        chunk = b"<p>" + b"y" * (64 * 1024 - 3)
        sent = 0
        while size is None or sent < size:
            writer.write(b"%x\r\n%s\r\n" % (len(chunk), chunk))
            sent += len(chunk)
            await writer.drain()
        writer.write(b"0\r\n\r\n")

    @staticmethod
    async def _slow(writer: asyncio.StreamWriter, *, headers: bool) -> None:
        if headers:
            writer.write(b"HTTP/1.1 200 OK\r\n")
            for byte in b"X-Slow: " + b"z" * 3600:
                writer.write(bytes([byte]))
                await writer.drain()
                await asyncio.sleep(1)
        writer.write(b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: 100000\r\n\r\n")
        for _ in range(100000):
            writer.write(b"w")
            await writer.drain()
            await asyncio.sleep(0.5)


def _feed(links: list[str]) -> bytes:
    items = "".join(
        f"<item><title>項目{index}</title><link>{quote(link, safe=':/?=&%[]@')}</link>"
        f"<description>説明{index}</description></item>"
        for index, link in enumerate(links)
        if link
    )
    return f'<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel><title>t</title>{items}</channel></rss>'.encode()


async def serve(hosts: list[str], port: int) -> None:
    hostile = Hostile()
    servers = [await asyncio.start_server(hostile.handle, hosts[0], port)]
    port = servers[0].sockets[0].getsockname()[1]
    servers += [await asyncio.start_server(hostile.handle, host, port) for host in hosts[1:]]
    print("READY " + json.dumps({"port": port, "hosts": hosts}), flush=True)
    await asyncio.Event().wait()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--host", action="append", default=[])
    parser.add_argument("--port", type=int, default=0)
    arguments = parser.parse_args()
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    asyncio.run(serve(arguments.host or ["127.0.0.1"], arguments.port))


if __name__ == "__main__":
    main()
