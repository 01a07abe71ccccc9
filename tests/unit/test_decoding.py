"""Reading an input's text: any kind of source, decoded in blocks of whole lines, a
byte-order mark dropped, and bad bytes or NUL bytes refused with the line they are on."""

from __future__ import annotations

import io
from collections.abc import Callable
from pathlib import Path

import pytest

from safeimport._load.inputs.text import TextBlocks
from safeimport._load.rejects import Rejects
from safeimport.errors import LoadError

TEXT = "id,name\n1,é\n2,b\n"


def _read(source: object, encoding: str = "utf-8") -> str:
    return "".join(TextBlocks(source, encoding, "input"))  # type: ignore[arg-type]


def _large_file(tmp_path: Path, rows: int = 200_000) -> tuple[Path, str]:
    """A file of several blocks (about 3 MB), one row per line."""
    text = "id,name\n" + "".join(f"{i},row {i:07d}\n" for i in range(1, rows + 1))
    path = tmp_path / "large.csv"
    path.write_text(text, encoding="utf-8")
    return path, text


def _refused(source: object) -> LoadError:
    with pytest.raises(LoadError) as info:
        _read(source)
    return info.value


def _path(tmp_path: Path) -> Path:
    path = tmp_path / "in.csv"
    path.write_bytes(TEXT.encode())
    return path


SOURCES: dict[str, Callable[[Path], object]] = {
    "path": _path,
    "binary file": lambda tmp: io.BytesIO(TEXT.encode()),
    "text file": lambda tmp: io.StringIO(TEXT),
    "byte lines": lambda tmp: [line.encode() for line in TEXT.splitlines(keepends=True)],
    "text lines without ends": lambda tmp: TEXT.splitlines(),
}


@pytest.mark.parametrize("kind", SOURCES)
def test_every_kind_of_source_gives_the_same_text(kind: str, tmp_path: Path) -> None:
    assert _read(SOURCES[kind](tmp_path)) == TEXT


def test_a_byte_order_mark_is_dropped_at_the_start_only() -> None:
    assert _read(io.BytesIO(b"\xef\xbb\xbfid,name\n1,\xef\xbb\xbfa\n")) == "id,name\n1,\ufeffa\n"
    assert _read(["\ufeffid,name\n", "1,a\n"]) == "id,name\n1,a\n"


def test_crlf_line_ends_are_kept_for_copy() -> None:
    assert _read(io.BytesIO(b"id,name\r\n1,a\r\n")) == "id,name\r\n1,a\r\n"


def test_another_encoding_is_decoded() -> None:
    assert _read(io.BytesIO("id,name\n1,café\n".encode("latin-1")), "latin-1") == (
        "id,name\n1,café\n"
    )


def test_blocks_hold_whole_lines_and_know_the_lines_before_them(tmp_path: Path) -> None:
    path, text = _large_file(tmp_path)
    blocks = TextBlocks(path, "utf-8", "large.csv")
    seen: list[str] = []
    for block in blocks:
        assert block.endswith("\n")
        assert blocks.line == sum(b.count("\n") for b in seen)
        seen.append(block)
    assert len(seen) > 1
    assert "".join(seen) == text
    assert blocks.bytes == path.stat().st_size


def test_a_character_cut_by_a_read_is_decoded_whole(tmp_path: Path) -> None:
    path = tmp_path / "wide.csv"
    text = "".join(f"{i},{'é' * 99}\n" for i in range(20_000))  # two bytes each: reads cut some
    path.write_bytes(text.encode("utf-8"))
    assert _read(path) == text


NOT_UTF8 = "bytes that are not valid utf-8"
NUL = "a NUL byte, which PostgreSQL text cannot hold"


@pytest.mark.parametrize(
    ("source", "reason"),
    [
        ([b"id,name\n", b"1,ok\n", b"2,caf\xe9\n", b"3,c\n"], NOT_UTF8),
        (io.BytesIO(b"id,name\n1,ok\n2,caf\xe9\n3,c\n"), NOT_UTF8),
        (["id,name\n", "1,ok\n", "2,a\x00b\n"], NUL),
        (io.BytesIO(b"id,name\n1,ok\n2,a\x00b\n"), NUL),
    ],
    ids=["bad utf-8 in lines", "bad utf-8 in a file", "NUL in lines", "NUL in a file"],
)
def test_bad_bytes_and_nul_bytes_name_their_line(source: object, reason: str) -> None:
    error = _refused(source)
    assert (error.source, error.line, error.reason) == ("input", 3, reason)


@pytest.mark.parametrize(("bad", "reason"), [(b"\xff", NOT_UTF8), (b"\x00", NUL)])
def test_bad_bytes_and_nul_bytes_far_into_a_file_name_their_line(
    tmp_path: Path, bad: bytes, reason: str
) -> None:
    path, text = _large_file(tmp_path)
    data = text.encode()
    at = data.index(b"row 0150000")
    path.write_bytes(data[:at] + bad + data[at + 1 :])
    error = _refused(path)
    assert (error.line, error.reason) == (150_001, reason)


def test_set_aside_blanks_bad_lines_keeps_the_line_numbers_and_says_why() -> None:
    rejects = Rejects("input", max_errors=None)
    blocks = TextBlocks(
        [b"id,name\n", b"1,ok\n", b"2,caf\xe9\n", b"3,a\x00b\n", b"4,z\n"], "utf-8", "input"
    )
    blocks.set_aside(rejects)
    assert "".join(blocks) == "id,name\n1,ok\n\n\n4,z\n"
    assert [(row.line, row.reason, row.record) for row in rejects.rows] == [
        (3, "bytes that are not valid utf-8", "2,caf\ufffd"),
        (4, "a NUL byte, which PostgreSQL text cannot hold", "3,a\ufffdb"),
    ]
