"""Reading an input's lines: from a path, a file object or an iterable, bytes or text,
decoded line by line so that a bad byte or a NUL byte is reported with its line."""

from __future__ import annotations

import codecs
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import IO, Any, cast

from .errors import LoadError

__all__ = ["Source", "SourceLines", "open_source", "source_name"]

Source = str | Path | IO[str] | IO[bytes] | Iterable[str] | Iterable[bytes]


def source_name(source: object, default: str) -> str:
    """A name for ``source`` in messages: a path, a file's name, or ``default``."""
    if isinstance(source, str | Path):
        return str(source)
    name = getattr(source, "name", None)
    return name if isinstance(name, str) else default


def open_source(source: Source) -> tuple[Iterator[bytes] | Iterator[str], IO[Any] | None]:
    """An iterator over the source's lines, and the file to close afterwards, if any."""
    if isinstance(source, str | Path):
        handle: IO[bytes] = open(source, "rb")  # noqa: SIM115 (closed by the caller)
        return iter(handle), handle
    return cast("Iterator[bytes] | Iterator[str]", iter(source)), None


def source_size(source: Source) -> int | None:
    """The size in bytes of a path source (for progress), else ``None``."""
    return Path(source).stat().st_size if isinstance(source, str | Path) else None


class SourceLines:
    """An input's lines, decoded and checked, counted, and (with ``keep``) kept until taken.

    Raises ``LoadError`` for bytes that are not in the encoding and for NUL bytes, naming
    the line. A byte-order mark at the start is dropped.
    """

    def __init__(
        self, raw: Iterator[bytes] | Iterator[str], encoding: str, name: str, *, keep: bool
    ) -> None:
        self._raw: Iterator[bytes | str] = raw
        self._decode = codecs.getdecoder(encoding)
        self._name = name
        self._keep = keep
        self.number = 0
        self.bytes = 0
        self.kept: list[str] = []

    def __iter__(self) -> SourceLines:
        return self

    def __next__(self) -> str:
        raw: bytes | str = next(self._raw)
        self.number += 1
        if isinstance(raw, bytes):
            self.bytes += len(raw)
            try:
                text: str = self._decode(raw)[0]
            except UnicodeDecodeError as exc:
                raise LoadError(
                    f"bytes that are not valid {exc.encoding}",
                    source=self._name,
                    line=self.number,
                    value=raw[max(0, exc.start - 16) : exc.end + 8],
                ) from None
        else:
            text = raw
            self.bytes += len(text)
        if self.number == 1 and text.startswith("\ufeff"):
            text = text[1:]
        if "\x00" in text:
            at = text.index("\x00")
            raise LoadError(
                "a NUL byte, which PostgreSQL text cannot hold",
                source=self._name,
                line=self.number,
                value=text[max(0, at - 20) : at + 1],
            )
        if not text.endswith("\n"):  # the last line of a file, or lines given without ends
            text += "\n"
        if self._keep:
            self.kept.append(text)
        return text
