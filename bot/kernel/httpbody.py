"""Read a request body whole, up to a limit, before anything parses it or checks a signature.

A body may arrive in several packets; ``stream.read(n)`` returns only what has arrived so
far, so a signed webhook split in two would fail its signature check. ``read_whole`` keeps
reading until the end of the body. It takes any stream with ``async readany()`` (aiohttp's
``request.content``), so this kernel module imports no web library and skills' web modules
can use it.
"""

from __future__ import annotations

from typing import Protocol


class Stream(Protocol):
    async def readany(self) -> bytes: ...


class BodyTooLarge(ValueError):
    """The body (or its declared length) is over ``limit`` bytes: answer 413."""

    def __init__(self, limit: int) -> None:
        super().__init__(f"body over {limit} bytes")
        self.limit = limit


async def read_whole(stream: Stream, limit: int, declared: int | None = None) -> bytes:
    """All of the body, or ``BodyTooLarge`` as soon as it passes ``limit`` bytes.

    ``declared`` is the Content-Length header, when there is one: an honest client that
    announces too much is refused before anything is read.
    """
    if declared is not None and declared > limit:
        raise BodyTooLarge(limit)
    chunks: list[bytes] = []
    size = 0
    while True:
        chunk = await stream.readany()
        if not chunk:
            return b"".join(chunks)
        size += len(chunk)
        if size > limit:
            raise BodyTooLarge(limit)
        chunks.append(chunk)
