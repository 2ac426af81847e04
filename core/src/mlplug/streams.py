"""Full reads, and a position, for streams that return less than asked, such as HTTP request bodies;
and the size of a download stream, where it can be known.

Cloud SDKs take a short read (whatever the socket had) for the end of the data: s3transfer then
buffers the whole rest of the stream for a single PUT, and a GCS resumable upload finishes the object
early. They also ask for the position (`tell`), which a request body cannot answer. Wrapped, a read
returns all it asks for unless the stream has ended.
"""
from __future__ import annotations

import io
import os
from typing import BinaryIO


class FullReads(io.RawIOBase):
    """A forward-only view of `stream` whose `read(n)` returns n bytes unless the stream ends."""

    def __init__(self, stream: BinaryIO):
        self._stream = stream
        self._position = 0

    def readable(self) -> bool:
        return True

    def tell(self) -> int:
        return self._position

    def read(self, size: int | None = -1) -> bytes:
        if size is None or size < 0:
            data = self._stream.read()
        else:
            parts, missing = [], size
            while missing > 0 and (chunk := self._stream.read(missing)):
                parts.append(chunk)
                missing -= len(chunk)
            data = b"".join(parts)
        self._position += len(data)
        return data

    def readinto(self, buffer) -> int:
        data = self.read(len(buffer))
        buffer[:len(data)] = data
        return len(data)


def seekable(stream: BinaryIO) -> bool:
    try:
        return bool(stream.seekable())
    except (AttributeError, OSError, ValueError):
        return False


def known_size(stream: BinaryIO) -> int | None:
    """Bytes left in `stream`, or None. Cloud download streams carry their object's length as `size`
    (see `ArtifactRepository.open`); other seekable streams are measured by seeking."""
    size = getattr(stream, "size", None)
    if isinstance(size, int):
        return size
    if not seekable(stream):
        return None
    try:
        start = stream.tell()
        end = stream.seek(0, os.SEEK_END)
        stream.seek(start)
        return end - start
    except (OSError, ValueError):
        return None
