"""Full reads from streams that return less than asked, such as HTTP request bodies.

s3transfer reads `multipart_threshold` bytes once to choose between one PUT and a multipart upload, and
takes a short read (whatever the socket had) as the end of small input: it would then buffer the whole
rest of the stream in memory for a single PUT. Wrapped, a read returns all it asks for unless the
stream has ended, so large streams go up in parts of a bounded size.
"""
from __future__ import annotations

import io
from typing import BinaryIO


class FullReads(io.RawIOBase):
    """A forward-only view of `stream` whose `read(n)` returns n bytes unless the stream ends."""

    def __init__(self, stream: BinaryIO):
        self._stream = stream

    def readable(self) -> bool:
        return True

    def read(self, size: int | None = -1) -> bytes:
        if size is None or size < 0:
            return self._stream.read()
        parts, missing = [], size
        while missing > 0 and (chunk := self._stream.read(missing)):
            parts.append(chunk)
            missing -= len(chunk)
        return b"".join(parts)

    def readinto(self, buffer) -> int:
        data = self.read(len(buffer))
        buffer[:len(data)] = data
        return len(data)


def seekable(stream: BinaryIO) -> bool:
    try:
        return bool(stream.seekable())
    except (AttributeError, OSError, ValueError):
        return False
