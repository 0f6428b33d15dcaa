"""Reading an HTTP/1.1 response (pure): the head, and how its body is framed.

regwatch only sends GET, one request at a time per connection, so a client needs little of
HTTP/1.1: the status line and header fields, then a body delimited by Content-Length, by chunked
transfer coding, or by the end of the connection. This module is that, on bytes already received
(monitor.connections does the I/O). It is strict where a lenient reader would let a hostile or
broken server desynchronise a kept-alive connection (RFC 9112 §6.3): conflicting Content-Length
values, a Transfer-Encoding other than ``chunked``, a malformed chunk size, a head over 100 KiB
(httpcore's limit) are errors; a connection is kept only after a body framed by length or chunks
and an HTTP/1.1 answer that did not ask to close.

Errors are httpcore's ``RemoteProtocolError``, as h11 under httpcore raised them for the same
answers, so that the fetcher reports both transports alike.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import httpcore

MAX_HEAD_BYTES = 100 * 1024
_MAX_CHUNK_LINE = 1024
_STATUS_LINE = re.compile(rb"HTTP/1\.([01]) ([0-9]{3})(?:[ \t][^\x00\r\n]*)?")
# A field value has no controls but HTAB: what an answer's values are read by, and what a
# request's are refused for (UNSAFE_VALUE).
_VALUE_CONTROLS = rb"\x00-\x08\x0a-\x1f\x7f"
UNSAFE_VALUE = re.compile(rb"[" + _VALUE_CONTROLS + rb"]")
# A field name is a token; the value loses the blanks around it.
_FIELD = re.compile(rb"([!#$%&'*+.^_`|~0-9A-Za-z-]+):[ \t]*([^" + _VALUE_CONTROLS + rb"]*)")
_FIELD_LINES = re.compile(rb"^" + _FIELD.pattern + rb"\r?\n", re.MULTILINE)  # each a whole line
_CHUNK_SIZE = re.compile(rb"([0-9A-Fa-f]{1,16})[ \t]*(?:;[^\x00\r\n]*)?\r?\n")
_NO_BODY = frozenset({204, 304})


class ProtocolError(httpcore.RemoteProtocolError):
    """The server's answer breaks HTTP/1.1's rules."""


@dataclass(frozen=True)
class Head:
    """A final (non-1xx) response head: names lower-cased, values as sent (latin-1 bytes)."""

    status: int
    headers: list[tuple[bytes, bytes]]
    length: int | None  # the body's length, or None: chunked (``chunked``) or until the connection ends
    chunked: bool
    keep_alive: bool  # the connection may carry another request once this body is read


def head_end(buffer: bytes | bytearray, start: int = 0) -> int:
    """Where the head in ``buffer`` ends (after its blank line), or -1 while it is incomplete.
    ``start``: where to look from, the bytes before it searched already."""
    # Two plain searches cost less than one regular expression: a blank line is "\n\r\n" or "\n\n".
    crlf, lf = buffer.find(b"\n\r\n", start), buffer.find(b"\n\n", start)
    if crlf < 0 and lf < 0:
        if len(buffer) > MAX_HEAD_BYTES:
            raise ProtocolError(f"response head over {MAX_HEAD_BYTES} bytes")
        return -1
    end = lf + 2 if crlf < 0 or 0 <= lf < crlf else crlf + 3
    if end > MAX_HEAD_BYTES:
        raise ProtocolError(f"response head over {MAX_HEAD_BYTES} bytes")
    return end


def parse_head(raw: bytes) -> Head | None:
    """The head whose bytes (blank line included) are ``raw``; None for an interim 1xx answer."""
    first = raw.find(b"\n")
    status_line = _STATUS_LINE.fullmatch(raw[:first].rstrip(b"\r"))
    if status_line is None:
        raise ProtocolError(f"not an HTTP/1.x status line: {raw[:first][:100]!r}")
    minor, status = status_line.group(1), int(status_line.group(2))
    block = raw[first + 1 : -2 if raw.endswith(b"\r\n") else -1]  # the field lines, without the blank one
    fields = _FIELD_LINES.findall(block)
    if len(fields) == block.count(b"\n"):  # every line a plain field: the usual head, in one call
        headers = [(name.lower(), value.rstrip(b" \t")) for name, value in fields]
    else:
        headers = _fields(block.rstrip(b"\r\n").split(b"\n"))
    if status < 200:
        if status == 101:
            raise ProtocolError("the server switched protocols, which was not asked for")
        return None
    return _framed(status, headers, http11=minor == b"1")


def _fields(lines: list[bytes]) -> list[tuple[bytes, bytes]]:
    headers: list[tuple[bytes, bytes]] = []
    for line in lines:
        line = line.rstrip(b"\r")
        if line[:1] in (b" ", b"\t"):  # obsolete line folding: one value over two lines (RFC 9112 §5.2)
            if not headers:
                raise ProtocolError("a folded header line with no header before it")
            name, value = headers[-1]
            headers[-1] = (name, value + b" " + line.strip(b" \t"))
            continue
        field = _FIELD.fullmatch(line)
        if field is None:
            raise ProtocolError(f"malformed header line: {line[:100]!r}")
        headers.append((field.group(1).lower(), field.group(2).rstrip(b" \t")))
    return headers


def _framed(status: int, headers: list[tuple[bytes, bytes]], *, http11: bool) -> Head:
    transfer: list[bytes] = []
    lengths: set[bytes] = set()
    close = not http11
    for name, value in headers:
        if name == b"transfer-encoding":
            transfer += (coding.strip().lower() for coding in value.split(b","))
        elif name == b"content-length":
            lengths.update(length.strip() for length in value.split(b","))
        elif name == b"connection" and b"close" in (token.strip().lower() for token in value.split(b",")):
            close = True
    if status in _NO_BODY:
        return Head(status, headers, 0, False, not close)
    if transfer:
        if transfer != [b"chunked"]:
            raise ProtocolError(f"unsupported Transfer-Encoding {b', '.join(transfer).decode('latin-1')!r}")
        # With a Content-Length too, the answer is suspect: read it by its chunks, keep nothing after.
        return Head(status, headers, None, True, not close and not lengths)
    if lengths:
        if len(lengths) > 1:
            raise ProtocolError("conflicting Content-Length headers")
        (length,) = lengths
        if not length.isdigit() or len(length) > 18:
            raise ProtocolError(f"invalid Content-Length {length[:40]!r}")
        return Head(status, headers, int(length), False, not close)
    return Head(status, headers, None, False, False)  # the body runs to the end of the connection


def chunk_size(buffer: bytes | bytearray) -> tuple[int, int] | None:
    """A chunk's size and the length of its size line at the start of ``buffer``, or None while
    the line is incomplete."""
    end = buffer.find(b"\n", 0, _MAX_CHUNK_LINE)
    if end < 0:
        if len(buffer) >= _MAX_CHUNK_LINE:
            raise ProtocolError("chunk size line too long")
        return None
    line = _CHUNK_SIZE.fullmatch(buffer, 0, end + 1)
    if line is None:
        raise ProtocolError(f"malformed chunk size line {bytes(buffer[: end + 1])[:40]!r}")
    return int(line.group(1), 16), end + 1


def trailer_end(buffer: bytes | bytearray) -> int:
    """After a last chunk: where its trailer section ends (its blank line included), or -1 while
    it is incomplete. The trailer fields are skipped: regwatch reads none."""
    if buffer[:2] == b"\r\n":
        return 2
    if buffer[:1] == b"\n":
        return 1
    return head_end(buffer)
