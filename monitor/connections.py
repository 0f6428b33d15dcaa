"""Direct connections for fetching: GET over HTTP/1.1 on asyncio's transports, kept alive per origin.

A poll cycle is mostly requests whose answer is a 304 or a page of a few kB, so what a request
costs in Python is most of what the cycle costs. httpcore (with h11 under it) spent more than
the rest of the fetcher together: a pool that scans its connections and takes anyio locks twice
per request, a trace and a model object per step, an event object and a state machine per part of
the answer. Here a connection is a protocol that buffers what arrives, a request is one write of
a head built in one piece (the caller's time limit bounds the whole exchange, so no timer is
armed per read), and monitor.http11 reads the answer from the buffer.

The address guard stays in front: a connection is made only to an address that ``addresses``
(monitor.network.checked_addresses) resolved and allowed, and TLS is verified against the host's
name. A connection goes back to its origin's idle list only once its answer was read to the end
and the server keeps it open; one that the server closed while idle is dropped before use, and a
GET that finds it closed under it is sent once more on a new connection (the request cannot have
been acted on: not a byte of an answer came back). Proxied requests stay on httpcore
(monitor.network): TLS inside a proxy's TLS needs a stream of streams, which asyncio's start_tls
does not promise. Errors are httpcore's, so the fetcher reports both alike.
"""

from __future__ import annotations

import asyncio
import ssl
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import cast

import httpcore

from monitor.guard import IPAddress
from monitor.http11 import Head, ProtocolError, chunk_size, head_end, parse_head, trailer_end

# Bytes buffered before reading pauses (a large body is not read ahead of its cap); reading resumes
# when the reader wants more than is buffered, however the buffer was emptied.
_HIGH_WATER = 256 * 1024
KEEPALIVE_SECONDS = 30.0  # an idle connection older than this is closed rather than used


class _Stale(Exception):
    """The connection closed before any byte of an answer: the request was not taken."""


class _Protocol(asyncio.Protocol):
    def __init__(self) -> None:
        self.transport: asyncio.Transport | None = None
        self.buffer = bytearray()
        self.closed = False  # the peer ended the stream, or the connection was lost
        self.error: Exception | None = None
        self.answered = False  # a byte arrived since the last request was sent
        self._paused = False
        self._waiter: asyncio.Future[None] | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = cast(asyncio.Transport, transport)

    def data_received(self, data: bytes) -> None:
        self.buffer += data
        self.answered = True
        if len(self.buffer) >= _HIGH_WATER and not self._paused and self.transport is not None:
            self._paused = True
            self.transport.pause_reading()
        self._wake()

    def eof_received(self) -> bool:
        self.closed = True
        self._wake()
        return False  # close the transport: HTTP/1.1 never half-closes an answer

    def connection_lost(self, exc: Exception | None) -> None:
        self.closed = True
        self.error = exc
        self._wake()

    def _wake(self) -> None:
        if self._waiter is not None and not self._waiter.done():
            self._waiter.set_result(None)

    async def more(self) -> None:
        """Wait for more bytes; raise when the connection ended without them."""
        if self.closed:
            if not self.answered:
                raise _Stale()
            if self.error is not None:
                raise httpcore.ReadError(str(self.error) or self.error.__class__.__name__)
            raise ProtocolError("the server closed the connection in the middle of its answer")
        if self._paused and self.transport is not None:  # the reader wants more than is buffered
            self._paused = False
            self.transport.resume_reading()
        self._waiter = asyncio.get_running_loop().create_future()
        try:
            await self._waiter
        finally:
            self._waiter = None

    def take(self, most: int) -> bytes:
        buffer = self.buffer
        if len(buffer) <= most:
            data = bytes(buffer)
            buffer.clear()
        else:
            data = bytes(buffer[:most])
            del buffer[:most]
        return data


class _Connection:
    __slots__ = ("origin", "transport", "protocol", "idle_since")

    def __init__(self, origin: tuple[bool, str, int], transport: asyncio.Transport, protocol: _Protocol) -> None:
        self.origin = origin
        self.transport = transport
        self.protocol = protocol
        self.idle_since = 0.0

    def usable(self, now: float) -> bool:
        protocol = self.protocol
        if protocol.closed or protocol.buffer or self.transport.is_closing():
            return False  # closed by the server, or sending what nobody asked for
        return now - self.idle_since < KEEPALIVE_SECONDS

    async def exchange(self, request: bytes) -> Head:
        protocol = self.protocol
        if protocol.closed or self.transport.is_closing():
            raise _Stale()
        protocol.answered = False
        self.transport.write(request)
        scanned = 0
        while True:
            end = head_end(protocol.buffer, scanned)
            if end < 0:
                scanned = max(0, len(protocol.buffer) - 3)
                await protocol.more()
                continue
            head = parse_head(bytes(protocol.buffer[:end]))
            del protocol.buffer[:end]
            scanned = 0
            if head is not None:
                return head

    def close(self) -> None:
        self.transport.close()


class Response:
    """An answer whose body is read with ``aiter_stream`` (raw, as sent); ``aclose`` always."""

    __slots__ = ("status", "headers", "_head", "_connection", "_pool", "_left", "_done")

    def __init__(self, head: Head, connection: _Connection, pool: DirectPool) -> None:
        self.status = head.status
        self.headers = head.headers
        self._head = head
        self._connection = connection
        self._pool = pool
        self._left = head.length  # bytes of a body framed by length still to read
        self._done = head.length == 0

    async def aiter_stream(self) -> AsyncIterator[bytes]:
        protocol = self._connection.protocol
        if self._head.chunked:
            async for chunk in self._chunks(protocol):
                yield chunk
        elif self._left is not None:
            while self._left:
                if not protocol.buffer:
                    await protocol.more()
                    continue
                chunk = protocol.take(self._left)
                self._left -= len(chunk)
                yield chunk
        else:  # to the end of the connection
            while not protocol.closed or protocol.buffer:
                if protocol.buffer:
                    yield protocol.take(len(protocol.buffer))
                else:
                    await self._until_end(protocol)
        self._done = True

    async def _chunks(self, protocol: _Protocol) -> AsyncIterator[bytes]:
        buffer = protocol.buffer
        while True:
            while (sized := chunk_size(buffer)) is None:
                await protocol.more()
            size, line = sized
            del buffer[:line]
            if size == 0:
                while (end := trailer_end(buffer)) < 0:
                    await protocol.more()
                del buffer[:end]
                return
            while size:
                if not buffer:
                    await protocol.more()
                    continue
                chunk = protocol.take(size)
                size -= len(chunk)
                yield chunk
            while len(buffer) < 2 and buffer[:1] != b"\n":
                await protocol.more()
            ending = 2 if buffer[:2] == b"\r\n" else 1 if buffer[:1] == b"\n" else 0
            if not ending:
                raise ProtocolError("a chunk does not end where its size says")
            del buffer[:ending]

    @staticmethod
    async def _until_end(protocol: _Protocol) -> None:
        try:
            await protocol.more()
        except ProtocolError:  # the end of the connection is the end of this body
            pass

    async def aclose(self) -> None:
        connection, buffer = self._connection, self._connection.protocol.buffer
        if not self._done and self._left is not None and len(buffer) == self._left:
            buffer.clear()  # a small unread body (a redirect's) that has fully arrived: the connection stays usable
            self._done = True
        if self._done and self._head.keep_alive and not buffer:
            self._pool.release(connection)
        else:
            connection.close()


class DirectPool:
    """Connections to the addresses the guard allows, idle ones kept per origin (scheme, host, port)."""

    def __init__(self, addresses: Callable[[str, int], Awaitable[list[IPAddress]]], tls: Callable[[], ssl.SSLContext]) -> None:
        self._addresses = addresses
        self._tls = tls
        self._idle: dict[tuple[bool, str, int], list[_Connection]] = {}

    async def request(self, https: bool, host: str, port: int, request: bytes) -> Response:
        """Send ``request`` (a whole GET head) to the origin; the answer's head has been read."""
        origin = (https, host, port)
        connection = self._idle_connection(origin)
        if connection is not None:
            try:
                return Response(await self._exchange(connection, request), connection, self)
            except _Stale:
                pass  # closed by the server while idle: once more, on a new connection
        connection = await self._connect(origin)
        try:
            return Response(await self._exchange(connection, request), connection, self)
        except _Stale:
            raise httpcore.RemoteProtocolError("the server closed the connection without answering") from None

    @staticmethod
    async def _exchange(connection: _Connection, request: bytes) -> Head:
        try:
            return await connection.exchange(request)
        except BaseException:  # an error, a timeout: whatever was under way on it is lost
            connection.close()
            raise

    def _idle_connection(self, origin: tuple[bool, str, int]) -> _Connection | None:
        idle = self._idle.get(origin)
        if not idle:
            return None
        now = asyncio.get_running_loop().time()
        while idle:
            connection = idle.pop()  # the most recently used: the least likely to have been closed
            if connection.usable(now):
                return connection
            connection.close()
        return None

    def release(self, connection: _Connection) -> None:
        connection.idle_since = asyncio.get_running_loop().time()
        self._idle.setdefault(connection.origin, []).append(connection)

    async def _connect(self, origin: tuple[bool, str, int]) -> _Connection:
        https, host, port = origin
        error: Exception | None = None
        for address in await self._addresses(host, port):
            try:
                transport, protocol = await _open(str(address), port)
            except httpcore.ConnectError as exc:
                error = exc
                continue
            if https:
                transport = await _start_tls(transport, protocol, self._tls(), host)
            return _Connection(origin, transport, protocol)
        assert error is not None
        raise error

    async def aclose(self) -> None:
        for idle in self._idle.values():
            for connection in idle:
                connection.close()
        self._idle.clear()


async def _open(address: str, port: int) -> tuple[asyncio.Transport, _Protocol]:
    try:
        transport, protocol = await asyncio.get_running_loop().create_connection(_Protocol, address, port)
    except OSError as exc:
        raise httpcore.ConnectError(str(exc) or exc.__class__.__name__) from exc
    return transport, protocol


async def _start_tls(transport: asyncio.Transport, protocol: _Protocol, context: ssl.SSLContext, host: str) -> asyncio.Transport:
    try:
        tls = await asyncio.get_running_loop().start_tls(transport, protocol, context, server_hostname=host)
    except (ssl.SSLError, OSError) as exc:
        transport.close()
        raise httpcore.ConnectError(str(exc) or exc.__class__.__name__) from exc
    except BaseException:
        transport.close()
        raise
    assert tls is not None
    protocol.transport = tls  # flow control now pauses the TLS layer's reading
    return tls
