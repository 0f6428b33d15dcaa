"""httpcore network streams straight on asyncio's transports, for direct connections.

httpcore's own asyncio backend goes through anyio: a cancel scope per read and per write, a
checkpoint before every send, reading paused and resumed around every receive and a poll(2) of
the socket whenever the pool checks an idle connection. An unchanged page (a 304) is one write and
one read, so those layers were a fifth of the CPU of an idle poll cycle (bench/poll_cycle.py).
Here a protocol buffers what arrives (reading pauses past a high-water mark, so a large body is
not read ahead of the size cap), a read waits only when nothing is buffered, and the timeouts
httpcore passes are timers armed only while waiting.

Errors are httpcore's, as its anyio backend raises them. Proxied connections keep that backend:
TLS inside a proxy's TLS needs a stream of streams, which asyncio's start_tls does not promise.
"""

from __future__ import annotations

import asyncio
import select
import ssl
from collections.abc import Iterable
from typing import Any, cast

import httpcore

_HIGH_WATER = 256 * 1024  # bytes buffered before reading pauses


class _Protocol(asyncio.Protocol):
    def __init__(self) -> None:
        self.transport: asyncio.Transport | None = None
        self.buffer = bytearray()
        self.closed = False  # the peer ended the stream, or the connection was lost
        self.error: Exception | None = None
        self._reading_paused = False
        self._writing_paused = False
        self._readable: asyncio.Future[None] | None = None
        self._drained: asyncio.Future[None] | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = cast(asyncio.Transport, transport)

    def data_received(self, data: bytes) -> None:
        self.buffer += data
        if len(self.buffer) >= _HIGH_WATER and not self._reading_paused and self.transport is not None:
            self._reading_paused = True
            self.transport.pause_reading()
        _wake(self._readable)

    def eof_received(self) -> bool:
        self.closed = True
        _wake(self._readable)
        return False  # close the transport: HTTP/1.1 never half-closes a response

    def connection_lost(self, exc: Exception | None) -> None:
        self.closed = True
        self.error = exc
        _wake(self._readable)
        _wake(self._drained)

    def pause_writing(self) -> None:
        self._writing_paused = True

    def resume_writing(self) -> None:
        self._writing_paused = False
        _wake(self._drained)

    def take(self, max_bytes: int) -> bytes:
        data = bytes(self.buffer[:max_bytes])
        del self.buffer[:max_bytes]
        if self._reading_paused and len(self.buffer) < _HIGH_WATER and self.transport is not None:
            self._reading_paused = False
            self.transport.resume_reading()
        return data

    async def until_readable(self, timeout: float | None) -> None:
        self._readable = asyncio.get_running_loop().create_future()
        await _wait(self._readable, timeout, httpcore.ReadTimeout)

    async def until_drained(self, timeout: float | None) -> None:
        if self._writing_paused and not self.closed:
            self._drained = asyncio.get_running_loop().create_future()
            await _wait(self._drained, timeout, httpcore.WriteTimeout)


def _wake(waiter: asyncio.Future[None] | None) -> None:
    if waiter is not None and not waiter.done():
        waiter.set_result(None)


def _expire(waiter: asyncio.Future[None], error: type[httpcore.TimeoutException]) -> None:
    if not waiter.done():
        waiter.set_exception(error())


async def _wait(waiter: asyncio.Future[None], timeout: float | None, error: type[httpcore.TimeoutException]) -> None:
    if timeout is None:
        await waiter
        return
    timer = asyncio.get_running_loop().call_later(timeout, _expire, waiter, error)
    try:
        await waiter
    finally:
        timer.cancel()


class AsyncioStream(httpcore.AsyncNetworkStream):
    def __init__(self, transport: asyncio.Transport, protocol: _Protocol) -> None:
        self._transport = transport
        self._protocol = protocol

    async def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        protocol = self._protocol
        if not protocol.buffer and not protocol.closed:
            await protocol.until_readable(timeout)
        if protocol.buffer:
            return protocol.take(max_bytes)
        if protocol.error is not None:
            raise httpcore.ReadError(str(protocol.error) or protocol.error.__class__.__name__)
        return b""

    async def write(self, buffer: bytes, timeout: float | None = None) -> None:
        if not buffer:
            return
        if self._transport.is_closing():
            raise httpcore.WriteError("the connection is closed")
        self._transport.write(buffer)
        await self._protocol.until_drained(timeout)
        if self._protocol.error is not None:
            raise httpcore.WriteError(str(self._protocol.error) or self._protocol.error.__class__.__name__)

    async def aclose(self) -> None:
        self._transport.close()

    async def start_tls(
        self, ssl_context: ssl.SSLContext, server_hostname: str | None = None, timeout: float | None = None
    ) -> httpcore.AsyncNetworkStream:
        loop = asyncio.get_running_loop()
        try:
            async with asyncio.timeout(timeout):
                transport = await loop.start_tls(self._transport, self._protocol, ssl_context, server_hostname=server_hostname)
        except TimeoutError:
            self._transport.close()
            raise httpcore.ConnectTimeout("TLS handshake timed out") from None
        except (ssl.SSLError, OSError) as exc:
            self._transport.close()
            raise httpcore.ConnectError(str(exc) or exc.__class__.__name__) from exc
        assert transport is not None
        self._protocol.transport = transport  # flow control now pauses the TLS layer's reading
        return AsyncioStream(transport, self._protocol)

    def get_extra_info(self, info: str) -> Any:
        if info == "ssl_object":
            return self._transport.get_extra_info("ssl_object")
        if info == "client_addr":
            return self._transport.get_extra_info("sockname")
        if info == "server_addr":
            return self._transport.get_extra_info("peername")
        if info == "socket":
            return self._transport.get_extra_info("socket")
        if info == "is_readable":  # asked of an idle connection: has the server closed it, or sent anything?
            return self._protocol.closed or bool(self._protocol.buffer) or _socket_readable(self._transport)
        return None


def _socket_readable(transport: asyncio.Transport) -> bool:
    """What the event loop may not have read yet (httpcore asks the socket the same way)."""
    sock = transport.get_extra_info("socket")
    descriptor = -1 if sock is None else sock.fileno()
    if descriptor < 0:
        return True
    poller = select.poll()
    poller.register(descriptor, select.POLLIN)
    return bool(poller.poll(0))


async def connect_tcp(
    host: str, port: int, timeout: float | None, local_address: str | None, socket_options: Iterable[Any] | None
) -> httpcore.AsyncNetworkStream:
    """A connection to ``host`` (an address the guard checked), as httpcore's backends make one."""
    loop = asyncio.get_running_loop()
    try:
        async with asyncio.timeout(timeout):
            transport, protocol = await loop.create_connection(
                _Protocol, host, port, local_addr=(local_address, 0) if local_address else None
            )
    except TimeoutError:
        raise httpcore.ConnectTimeout(f"connecting to {host}:{port} timed out") from None
    except OSError as exc:
        raise httpcore.ConnectError(str(exc) or exc.__class__.__name__) from exc
    for option in socket_options or ():
        transport.get_extra_info("socket").setsockopt(*option)
    return AsyncioStream(transport, protocol)
