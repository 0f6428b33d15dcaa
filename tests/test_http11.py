"""regwatch's own HTTP/1.1 client (monitor.http11, monitor.connections): framing read strictly,
connections kept alive only when that is safe, a connection closed while idle never fails a poll.

The server is a raw asyncio server on 127.0.0.1 in the test's own event loop, answering each
request with the bytes the test scripts, so that it can break HTTP's rules where a fetcher must
not be fooled.
"""

from __future__ import annotations

import asyncio
import socket
from collections.abc import Callable

import pytest

from monitor import connections
from monitor.config import FetchConfig
from monitor.errors import BodyTooLargeError, FetchError, TransportError
from monitor.fetch import Fetcher
from monitor.http11 import MAX_HEAD_BYTES, ProtocolError, chunk_size, head_end, parse_head, trailer_end

CONFIG = FetchConfig(min_host_interval=0, timeout=3, allow=["127.0.0.1"], respect_robots_txt=False)
PAGE = b"<p>page</p>"
Answer = bytes | list[bytes | None] | None


def ok(body: bytes = PAGE, *headers: str) -> bytes:
    fields = "".join(f"{field}\r\n" for field in headers)
    return f"HTTP/1.1 200 OK\r\nContent-Length: {len(body)}\r\n{fields}\r\n".encode() + body


class Scripted:
    """Answers the n-th request of a connection with ``answers[path](n)``, bytes or a list of
    parts sent apart; a None answer, or a None part, closes the connection. Counts the
    connections made."""

    def __init__(self, answers: dict[str, Callable[[int], Answer]]) -> None:
        self.answers = answers
        self.connections = 0
        self.heads: list[bytes] = []

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        try:
            for n in range(100):
                head = await reader.readuntil(b"\r\n\r\n")
                self.heads.append(head)
                answer = self.answers[head.split(b" ")[1].decode()](n)
                if answer is None:
                    break
                for part in answer if isinstance(answer, list) else [answer]:
                    if part is None:
                        return
                    writer.write(part)
                    await writer.drain()
                    await asyncio.sleep(0.01)  # each part its own segment
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            writer.close()


def fetch_all(
    answers: dict[str, Callable[[int], Answer]],
    paths: list[str],
    pause: float = 0.0,
    config: FetchConfig = CONFIG,
    server_side: Scripted | None = None,
    **validators: str,
):
    """Fetch ``paths`` in turn (with the stored ``validators``: etag, last_modified); returns the
    pages (or the errors) and the number of connections."""
    server_side = server_side or Scripted(answers)

    async def run():
        server = await asyncio.start_server(server_side.handle, "127.0.0.1", 0)
        port = server.sockets[0].getsockname()[1]
        fetcher = Fetcher(config)
        results = []
        try:
            for path in paths:
                try:
                    results.append(await fetcher.get(f"http://127.0.0.1:{port}{path}", **validators))
                except FetchError as exc:
                    results.append(exc)
                await asyncio.sleep(pause)
        finally:
            await fetcher.aclose()
            server.close()
        return results

    return asyncio.run(run()), server_side.connections


def test_one_connection_carries_every_request_to_an_origin():
    pages, connections = fetch_all({"/a": lambda n: ok(b"A"), "/b": lambda n: ok(b"B")}, ["/a", "/b", "/a"])
    assert [page.content for page in pages] == [b"A", b"B", b"A"] and connections == 1


def test_a_connection_the_server_closed_while_idle_is_replaced_without_an_error():
    # The server answers once per connection, then closes it without saying so, while it is idle.
    pages, connections = fetch_all({"/a": lambda n: [ok(), None]}, ["/a", "/a", "/a"], pause=0.05)
    assert [page.content for page in pages] == [PAGE] * 3 and connections == 3
    # The same, the close not yet seen when the next request leaves: the GET is sent once more.
    pages, connections = fetch_all({"/a": lambda n: ok() if n == 0 else None}, ["/a", "/a"])
    assert [page.content for page in pages] == [PAGE] * 2 and connections == 2


def test_a_connection_idle_longer_than_the_keep_alive_is_not_used_again(monkeypatch):
    monkeypatch.setattr(connections, "KEEPALIVE_SECONDS", 0.02)
    pages, opened = fetch_all({"/a": lambda n: ok()}, ["/a", "/a"], pause=0.05)
    assert [page.content for page in pages] == [PAGE] * 2 and opened == 2
    monkeypatch.undo()
    pages, opened = fetch_all({"/a": lambda n: ok()}, ["/a", "/a"], pause=0.05)  # within it: kept
    assert opened == 1


def test_a_stored_validator_that_would_break_the_request_is_left_out_and_the_page_comes_whole():
    answers = {"/a": lambda n: ok()}
    server_side = Scripted(answers)
    (page,), _ = fetch_all(
        answers, ["/a"], server_side=server_side, etag='"v1"\r\nX-Injected: 1', last_modified="Fri, 09 Feb 2024 00:00:00 GMT"
    )
    (head,) = server_side.heads
    assert page.content == PAGE
    assert b"X-Injected" not in head and b"If-None-Match" not in head
    assert b"\r\nIf-Modified-Since: Fri, 09 Feb 2024 00:00:00 GMT\r\n" in head  # a clean one is still sent


def test_a_new_connection_closed_without_an_answer_is_a_transport_error():
    (failed,), _ = fetch_all({"/a": lambda n: None}, ["/a"])
    assert isinstance(failed, TransportError) and "closed the connection without answering" in str(failed)


def test_chunked_bodies_with_extensions_and_trailers_arrive_whole_across_segments():
    chunked = [
        b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5;name=x\r\n<p>p",
        b"a\r\n7\r\nge</p>\n\r\n",
        b"0\r\nX-Sum: 1\r\n\r\n",
    ]
    pages, connections = fetch_all({"/a": lambda n: chunked, "/b": lambda n: ok(b"B")}, ["/a", "/b"])
    assert [page.content for page in pages] == [b"<p>page</p>\n", b"B"] and connections == 1


def test_a_body_to_the_end_of_the_connection_and_connection_close_are_not_kept():
    until_close = [b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\n\r\n<p>pa", b"ge</p>", None]
    answers = {"/open": lambda n: until_close, "/close": lambda n: ok(PAGE, "Connection: close")}
    pages, connections = fetch_all(answers, ["/open", "/close", "/close"])
    assert [page.content for page in pages] == [PAGE] * 3 and connections == 3
    pages, connections = fetch_all({"/a": lambda n: b"HTTP/1.0 200 OK\r\nContent-Length: 1\r\n\r\nx"}, ["/a", "/a"])
    assert [page.content for page in pages] == [b"x"] * 2 and connections == 2  # HTTP/1.0: one answer per connection


def test_interim_answers_are_skipped_and_a_redirects_small_body_does_not_cost_the_connection():
    answers = {
        "/early": lambda n: [b"HTTP/1.1 103 Early Hints\r\nLink: </s.css>\r\n\r\n", ok()],
        "/moved": lambda n: b"HTTP/1.1 301 Moved\r\nLocation: /early\r\nContent-Length: 5\r\n\r\nmoved",
    }
    pages, connections = fetch_all(answers, ["/moved", "/early"])
    assert [page.content for page in pages] == [PAGE] * 2 and connections == 1


def test_a_length_cut_short_by_the_server_is_an_error_not_a_page():
    (failed,), _ = fetch_all({"/a": lambda n: [b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nshort", None]}, ["/a"])
    assert isinstance(failed, TransportError) and "in the middle of its answer" in str(failed)


@pytest.mark.parametrize(
    ("answer", "message"),
    [
        (b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\nhello!", "conflicting Content-Length"),
        (b"HTTP/1.1 200 OK\r\nContent-Length: 5, 6\r\n\r\nhello!", "conflicting Content-Length"),
        (b"HTTP/1.1 200 OK\r\nContent-Length: -5\r\n\r\nhello", "invalid Content-Length"),
        (b"HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n", "unsupported Transfer-Encoding"),
        (b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n", "malformed chunk size"),
        (b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nabc\r\n0\r\n\r\n", "does not end where its size says"),
        (b"HTTP/1.1 200 OK\r\nBad Header: x\r\nContent-Length: 0\r\n\r\n", "malformed header line"),
        (b"HTTP/1.1 200 OK\r\nX: a\x01b\r\nContent-Length: 0\r\n\r\n", "malformed header line"),
        (b"HTTP/2 200\r\nContent-Length: 0\r\n\r\n", "not an HTTP/1.x status line"),
        (b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n\r\n", "switched protocols"),
        (b"HTTP/1.1 200 OK\r\nX-Big: " + b"x" * MAX_HEAD_BYTES + b"\r\n\r\n", "head over"),
    ],
)
def test_answers_that_break_framing_are_transport_errors(answer, message):
    (failed,), _ = fetch_all({"/a": lambda n: answer}, ["/a"])
    assert isinstance(failed, TransportError) and message in str(failed)


def test_a_chunked_body_over_the_cap_is_refused_midway_and_its_connection_not_used_again():
    chunks = b"".join(b"3e8\r\n" + b"x" * 1000 + b"\r\n" for _ in range(4))  # 4 x 1000 bytes, no length said
    chunked = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n" + chunks + b"0\r\n\r\n"
    capped = CONFIG.model_copy(update={"max_body_bytes": 2500})
    (refused, page), opened = fetch_all({"/big": lambda n: chunked, "/a": lambda n: ok()}, ["/big", "/a"], config=capped)
    assert isinstance(refused, BodyTooLargeError) and page.content == PAGE and opened == 2


def test_a_chunked_answer_with_a_length_too_is_read_by_its_chunks_and_the_connection_dropped():
    suspect = b"HTTP/1.1 200 OK\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n"
    pages, connections = fetch_all({"/a": lambda n: suspect}, ["/a", "/a"])
    assert [page.content for page in pages] == [b"hello"] * 2 and connections == 2


def test_head_parsing():
    raw = b'HTTP/1.1 304 Not Modified\r\nETag:  "v1" \r\nX-Folded: a\r\n  b\r\nConnection: keep-alive\r\n\r\n'
    assert head_end(raw + b"rest") == len(raw) and head_end(raw[:-2]) == -1
    head = parse_head(raw)
    assert head is not None and (head.status, head.length, head.chunked, head.keep_alive) == (304, 0, False, True)
    assert head.headers == [(b"etag", b'"v1"'), (b"x-folded", b"a b"), (b"connection", b"keep-alive")]
    assert parse_head(b"HTTP/1.1 100 Continue\r\n\r\n") is None
    assert head_end(b"HTTP/1.0 200 OK\n\nbody") == len(b"HTTP/1.0 200 OK\n\n")  # bare line feeds, as h11 takes them
    with pytest.raises(ProtocolError, match="head over"):
        head_end(b"x" * (MAX_HEAD_BYTES + 1))


def test_chunk_lines():
    assert chunk_size(b"1a;ext=1\r\ndata") == (26, 10) and chunk_size(b"1a") is None
    assert trailer_end(b"\r\nnext") == 2 and trailer_end(b"X: 1\r\n\r\n") == 8 and trailer_end(b"X: 1\r\n") == -1
    with pytest.raises(ProtocolError, match="too long"):
        chunk_size(b"1" * 2000)


def test_a_paused_connection_reads_again_when_its_reader_wants_more_however_its_buffer_was_emptied():
    """A body not read to its end is dropped on close (the buffer cleared, not taken): the next
    read on the connection must not wait on a transport still paused."""

    async def run() -> bytes:
        ours, theirs = socket.socketpair()
        transport, protocol = await asyncio.get_running_loop().create_connection(connections._Protocol, sock=ours)
        theirs.setblocking(False)
        sending = asyncio.create_task(asyncio.get_running_loop().sock_sendall(theirs, b"x" * (4 * connections._HIGH_WATER)))
        try:
            async with asyncio.timeout(5):
                while len(protocol.buffer) < connections._HIGH_WATER:  # reading pauses here
                    await asyncio.sleep(0.01)
                protocol.buffer.clear()  # as Response.aclose drops an unread body
                await protocol.more()
                return bytes(protocol.buffer)
        finally:
            sending.cancel()
            transport.close()
            theirs.close()

    assert asyncio.run(run())
