"""Frames on a pipe: two little-endian u64 lengths, a JSON header, raw buffers."""

from __future__ import annotations

import os
from collections.abc import Callable

MAX_FRAME = 4 << 30  # what the grader sends; replies are capped lower by the caller
MAX_HEADER = 64 << 20


class PeerClosed(EOFError):
    """The other end closed the pipe (the process exited)."""


def write_frame(fd: int, pieces: list[bytes | memoryview],
                wait: Callable[[], None] | None = None) -> None:
    """Writes all pieces; with `wait` (which may raise on a deadline) the fd is non-blocking."""
    if wait is not None:
        os.set_blocking(fd, False)
    for piece in pieces:
        view = memoryview(piece).cast("B")
        while view:
            if wait is not None:
                wait()
            try:
                written = os.write(fd, view)
            except BlockingIOError:
                continue
            view = view[written:]


def read_exact(fd: int, size: int, wait: Callable[[], None] | None = None) -> memoryview:
    """Reads exactly `size` bytes; `wait()` runs before each read (it may raise on a deadline)."""
    buf = bytearray(size)
    view = memoryview(buf)
    got = 0
    while got < size:
        if wait is not None:
            wait()
        n = os.readv(fd, [view[got:]])
        if n == 0:
            raise PeerClosed()
        got += n
    return view


def read_frame(fd: int, wait: Callable[[], None] | None = None,
               max_size: int = MAX_FRAME) -> tuple[bytes, memoryview]:
    """One frame; ValueError (before allocating) when its lengths are malformed or too large."""
    lengths = read_exact(fd, 16, wait)
    head_len = int.from_bytes(lengths[:8], "little")
    total = int.from_bytes(lengths[8:], "little")
    if head_len > total or total > max_size or head_len > MAX_HEADER:
        raise ValueError(f"frame too large or malformed ({total} bytes)")
    data = read_exact(fd, total, wait)
    return bytes(data[:head_len]), data[head_len:]
