"""An input's bytes, decompressed when they are gzip, bzip2 or xz, as pandas and
``loaddata`` read them: told by a path's extension (``.gz``, ``.bz2``, ``.xz``) or by the
first bytes of a path or a binary file object."""

from __future__ import annotations

import bz2
import gzip
import lzma
import os
from collections.abc import Callable
from pathlib import Path
from typing import IO, Any, cast

__all__ = ["compression_of", "open_path", "readable"]

_MAGIC = {b"\x1f\x8b": "gz", b"BZh": "bz2", b"\xfd7zXZ\x00": "xz"}
# Each opens a path or reads a binary file object; closing what it returns closes a file
# that it opened itself.
_OPENERS: dict[str, Callable[..., Any]] = {"gz": gzip.open, "bz2": bz2.open, "xz": lzma.open}
_HEAD = 6


def _by_magic(head: bytes) -> str | None:
    return next((kind for magic, kind in _MAGIC.items() if head.startswith(magic)), None)


def compression_of(path: str | os.PathLike[str]) -> str | None:
    """``"gz"``, ``"bz2"`` or ``"xz"`` when the file at ``path`` is compressed (by its
    extension, else its first bytes), else ``None``."""
    suffix = Path(path).suffix.lower().lstrip(".")
    if suffix in _OPENERS:
        return suffix
    with open(path, "rb") as handle:
        return _by_magic(handle.read(_HEAD))


def open_path(path: str | os.PathLike[str]) -> IO[bytes]:
    """The file at ``path`` opened for reading its bytes, decompressed if it is
    compressed; closing it closes the file."""
    kind = compression_of(path)
    return cast("IO[bytes]", _OPENERS[kind](path, "rb") if kind else open(path, "rb"))


class _Rejoined:
    """A binary file whose first bytes were read already (to tell its format)."""

    def __init__(self, head: bytes, rest: Any) -> None:
        self._head, self._rest = head, rest

    def read(self, size: int = -1) -> bytes:
        if not self._head:
            return bytes(self._rest.read(size))
        if size is None or size < 0:
            head, self._head = self._head, b""
            return head + bytes(self._rest.read())
        head, self._head = self._head[:size], self._head[size:]
        more = size - len(head)
        return head + bytes(self._rest.read(more)) if more else head


def readable(handle: Any) -> Any:
    """A file object that reads ``handle``'s content: a binary file decompressed when its
    first bytes say it is compressed, anything else as it is."""
    if handle.read(0) != b"":
        return handle  # text
    head = b""
    while len(head) < _HEAD:
        more = handle.read(_HEAD - len(head))
        if not more:
            break
        head += more
    kind = _by_magic(head)
    rejoined = _Rejoined(head, handle)
    return _OPENERS[kind](rejoined, "rb") if kind else rejoined
