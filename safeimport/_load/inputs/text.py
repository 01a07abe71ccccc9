"""Reading an input's text: from a path, a file object or an iterable of lines, bytes or
text (compressed bytes decompressed, see :mod:`.raw`), decoded a block at a time by an
incremental decoder (so any encoding works, UTF-16 too), and checked so that a bad byte or
a NUL byte is reported with its line."""

from __future__ import annotations

import codecs
import re
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import IO, Any, cast

from ...errors import LoadError
from ..rejects import Rejects
from .raw import compression_of, open_path, readable

__all__ = ["Source", "TextBlocks", "source_name", "source_size"]

_BAD_TEXT = re.compile("[\x00\udc80-\udcff]")
"""A NUL byte, or a byte that was not in the encoding (kept as a lone surrogate)."""


def _has_bad_text(block: str) -> bool:
    """Whether ``block`` holds a NUL byte or a byte not in the encoding: found at C speed
    (the expression runs only over text that is not ASCII)."""
    return "\x00" in block or (not block.isascii() and _BAD_TEXT.search(block) is not None)


Source = str | Path | IO[str] | IO[bytes] | Iterable[str] | Iterable[bytes]


def source_name(source: object, default: str) -> str:
    """A name for ``source`` in messages: a path, a file's name, or ``default``."""
    if isinstance(source, str | Path):
        return str(source)
    name = getattr(source, "name", None)
    return name if isinstance(name, str) else default


def source_size(source: Source) -> int | None:
    """The size in bytes of a path source (for progress), else ``None`` (a compressed file
    too: the bytes counted are those decompressed)."""
    if not isinstance(source, str | Path) or compression_of(source):
        return None
    return Path(source).stat().st_size


BLOCK_CHARS = 1 << 18


def _pieces(source: Source) -> tuple[Iterator[bytes | str], IO[Any] | None]:
    """The source in pieces: blocks read from a file (decompressed), or its lines each
    with an ending."""
    if isinstance(source, str | Path):
        handle = open_path(source)
        return iter(lambda: handle.read(BLOCK_CHARS), b""), handle
    read = getattr(source, "read", None)
    if callable(read):
        content = readable(source)
        return iter(lambda: content.read(BLOCK_CHARS), content.read(0)), None
    return _with_endings(cast("Iterable[bytes | str]", source)), None


def _with_endings(lines: Iterable[bytes | str]) -> Iterator[bytes | str]:
    """Each line with an ending: the ending of the first line that has one (a file of CRLF
    lines stays one), else a newline."""
    ending: bytes | str | None = None
    for line in lines:
        if isinstance(line, bytes):
            if line.endswith(b"\n"):
                ending = ending or (b"\r\n" if line.endswith(b"\r\n") else b"\n")
                yield line
            else:
                yield line + (ending if isinstance(ending, bytes) else b"\n")
        elif line.endswith("\n"):
            ending = ending or ("\r\n" if line.endswith("\r\n") else "\n")
            yield line
        else:
            yield line + (ending if isinstance(ending, str) else "\n")


def _ending_of(text: str) -> str:
    """The line ending that ``text`` uses (that of its first line)."""
    at = text.find("\n")
    return "\r\n" if at > 0 and text[at - 1] == "\r" else "\n"


class TextBlocks:
    """An input's text in blocks of whole lines (256 KB each), decoded and checked.

    Iterating yields the blocks; ``line`` is then the number of lines before the block just
    yielded, and ``bytes`` how much of the source was read. Bytes that are not in the
    encoding and NUL bytes raise ``LoadError`` naming their line; a byte-order mark at the
    start is dropped. Decoding and checking run over whole blocks, at C speed. A last line
    without an ending gets the ending of the first line.

    With ``whole_lines=False`` the blocks end wherever the reads end (a JSON array on one
    line need not be read whole), and the last one gets no ending.
    """

    def __init__(
        self, source: Source, encoding: str, name: str, *, whole_lines: bool = True
    ) -> None:
        self._pieces, self.handle = _pieces(source)
        self._whole_lines = whole_lines
        self._ending: str | None = None
        self._decoder = codecs.getincrementaldecoder(encoding)()
        self._encoding = encoding
        self.rejects: Rejects | None = None
        self._name = name
        self.line = 0
        self.bytes = 0
        self._next_line = 0  # lines handed out so far
        self._undelivered: list[str] = []  # text decoded and not handed out yet
        self._started = False

    def __iter__(self) -> Iterator[str]:
        if not self._whole_lines:
            yield from self._as_read()
            return
        parts = self._undelivered
        size = 0
        for piece in self._pieces:
            text = self._decode(piece)
            parts.append(text)
            size += len(text)
            if size < BLOCK_CHARS:
                continue
            joined = "".join(parts)
            cut = joined.rfind("\n") + 1
            parts.clear()
            if cut == 0:
                parts.append(joined)
                continue
            parts.append(joined[cut:])
            size = len(joined) - cut
            yield self._hand_out(joined[:cut])
        tail = "".join(parts) + self._decode(b"", final=True)
        if tail:
            ending = self._ending or _ending_of(tail)
            yield self._hand_out(tail if tail.endswith("\n") else tail + ending)

    def _as_read(self) -> Iterator[str]:
        for piece in self._pieces:
            text = self._decode(piece)
            if text:
                yield self._hand_out(text)
        tail = self._decode(b"", final=True)
        if tail:
            yield self._hand_out(tail)

    def set_aside(self, rejects: Rejects) -> None:
        """Leave out lines with bad bytes or NUL bytes (blanked, so that lines keep their
        numbers) and add them to ``rejects``, instead of failing."""
        self.rejects = rejects
        self._decoder.errors = "surrogateescape"

    def _blank_bad_lines(self, block: str) -> str:
        assert self.rejects is not None
        lines = block.split("\n")
        for index, text in enumerate(lines):
            if _BAD_TEXT.search(text):
                reason = (
                    "a NUL byte, which PostgreSQL text cannot hold"
                    if "\x00" in text
                    else f"bytes that are not valid {self._encoding}"
                )
                raw = text.encode("utf-8", "surrogateescape")
                shown = raw.decode("utf-8", "replace").replace("\x00", "\ufffd")
                self.rejects.add(self.line + index + 1, reason, shown.rstrip("\r"))
                lines[index] = ""
        return "\n".join(lines)

    def _hand_out(self, block: str) -> str:
        if self._ending is None and "\n" in block:
            self._ending = _ending_of(block)
        self.line = self._next_line
        self._next_line += block.count("\n")
        if self.rejects is not None and _has_bad_text(block):
            return self._blank_bad_lines(block)
        if "\x00" in block:
            at = block.index("\x00")
            raise LoadError(
                "a NUL byte, which PostgreSQL text cannot hold",
                source=self._name,
                line=self.line + block.count("\n", 0, at) + 1,
                value=block[max(0, at - 20) : at + 1],
            )
        return block

    def _decode(self, piece: bytes | str, *, final: bool = False) -> str:
        """Decode one piece of the source."""
        if isinstance(piece, str):
            text = piece
            self.bytes += len(piece)
        else:
            self.bytes += len(piece)
            try:
                text = self._decoder.decode(piece, final)
            except UnicodeDecodeError as exc:
                pending = sum(part.count("\n") for part in self._undelivered)
                line = self._next_line + pending + piece.count(b"\n", 0, exc.start)
                raise LoadError(
                    f"bytes that are not valid {exc.encoding}",
                    source=self._name,
                    line=line + 1,
                    value=piece[max(0, exc.start - 16) : exc.end + 8],
                ) from None
        if not self._started and text:
            self._started = True
            text = text.removeprefix("\ufeff")
        return text
