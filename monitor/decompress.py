"""Bounded decoding of a response's Content-Encoding (pure).

One layer of ``gzip``, ``deflate`` or ``br`` (or none, ``identity``) is accepted; a stack such as
``gzip, gzip`` is refused: no server needs it, and it multiplies a bomb's ratio. Decompression is
bounded at every step: each call produces at most the bytes still allowed, so a 1.8 KB bomb never
grows past the cap in memory.
"""

from __future__ import annotations

import zlib
from typing import Protocol

try:
    import brotli
except ImportError:  # optional: without it, br is neither asked for nor accepted
    brotli = None

ACCEPT_ENCODING = "gzip, deflate, br" if brotli is not None else "gzip, deflate"
_CORRUPT: tuple[type[Exception], ...] = (zlib.error,) if brotli is None else (zlib.error, brotli.error)


class EncodingRefused(ValueError):
    """The Content-Encoding is not one regwatch decodes."""


class TooLarge(ValueError):
    """The decoded body exceeded the limit."""


class _Layer(Protocol):
    def feed(self, data: bytes, room: int) -> bytes: ...


class _Identity:
    def feed(self, data: bytes, room: int) -> bytes:
        if len(data) > room:
            raise TooLarge()
        return data


class _Zlib:
    """gzip, or deflate with or without the zlib header (servers send both)."""

    def __init__(self, gzip: bool) -> None:
        self._gzip = gzip
        self._inflater = zlib.decompressobj(zlib.MAX_WBITS | 16 if gzip else zlib.MAX_WBITS)
        self._started = False

    def feed(self, data: bytes, room: int) -> bytes:
        if not self._started and not self._gzip:
            self._started = True
            try:
                return self._inflate(data, room)
            except zlib.error:
                self._inflater = zlib.decompressobj(-zlib.MAX_WBITS)  # raw deflate, no header
        self._started = True
        return self._inflate(data, room)

    def _inflate(self, data: bytes, room: int) -> bytes:
        # max_length leaves the rest in unconsumed_tail: one byte over the room proves "too large".
        output = self._inflater.decompress(data, room + 1)
        if len(output) > room or self._inflater.unconsumed_tail:
            raise TooLarge()
        return output


class _Brotli:
    def __init__(self) -> None:
        assert brotli is not None
        self._decompressor = brotli.Decompressor()

    def feed(self, data: bytes, room: int) -> bytes:
        output = self._decompressor.process(data, output_buffer_limit=room + 1)
        if len(output) > room or not self._decompressor.can_accept_more_data():
            raise TooLarge()
        return output


def _layer(coding: str) -> _Layer:
    if coding in ("gzip", "x-gzip"):
        return _Zlib(gzip=True)
    if coding == "deflate":
        return _Zlib(gzip=False)
    if coding == "br" and brotli is not None:
        return _Brotli()
    raise EncodingRefused(f"Content-Encoding {coding!r} is not supported (gzip, deflate{', br' if brotli else ''})")


class BoundedDecoder:
    """Feed raw body chunks; get decoded bytes, at most ``limit`` of them in all."""

    def __init__(self, content_encoding: str | None, limit: int) -> None:
        codings = [c.strip().lower() for c in (content_encoding or "").split(",") if c.strip().lower() not in ("", "identity")]
        if len(codings) > 1:
            raise EncodingRefused(f"Content-Encoding {content_encoding!r} stacks {len(codings)} layers; at most one is accepted")
        self._layer: _Layer = _layer(codings[0]) if codings else _Identity()
        self._room = limit
        self._chunks: list[bytes] = []

    def feed(self, data: bytes) -> None:
        try:
            output = self._layer.feed(data, self._room)
        except _CORRUPT as exc:
            raise EncodingRefused(f"the body is not valid for its Content-Encoding: {exc}") from exc
        self._room -= len(output)
        if output:
            self._chunks.append(output)

    def content(self) -> bytes:
        return b"".join(self._chunks)
