"""Exports as lines of text: gathered into chunks for an HTTP response, or written whole to a file."""
import os
from collections.abc import Iterable, Iterator

HTTP_CHUNK_CHARS = 64 * 1024


def chunked(lines: Iterable[str], size: int = HTTP_CHUNK_CHARS) -> Iterator[str]:
    """The lines joined into chunks of about ``size`` characters (a line is never split)."""
    buffer, length = [], 0
    for line in lines:
        buffer.append(line)
        length += len(line)
        if length >= size:
            yield "".join(buffer)
            buffer, length = [], 0
    if buffer:
        yield "".join(buffer)


def write_whole(path, lines: Iterable[str]) -> int:
    """Write the lines to ``path`` through a partial file beside it, renamed into place once complete, so the
    name never holds half a file; returns how many lines were written. OSError as the filesystem raised it."""
    partial = f"{path}.part"
    count = 0
    try:
        with open(partial, "w", encoding="utf-8", newline="") as handle:
            for line in lines:
                handle.write(line)
                count += 1
        os.replace(partial, path)
    finally:
        if os.path.exists(partial):
            os.remove(partial)
    return count
