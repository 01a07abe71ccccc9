"""The integers of CSV lines read by numpy (the id scan of a file out of id order) agree
with Python's reading of the same values, and mark what they do not read."""

from __future__ import annotations

import random

import pytest

from safeimport._load.inputs.csv_bytes import Lines


def _python(line: bytes, index: int) -> int | None:
    """What numpy is to read: an optional minus and 1 to 18 digits, nothing else."""
    fields = line.rstrip(b"\r").split(b",")
    if index >= len(fields):
        return None
    value = fields[index]
    digits = value.removeprefix(b"-")
    if not digits.isdigit() or len(digits) > 18 or not digits.isascii():
        return None
    return int(value)


def _numpy(block: bytes, index: int) -> list[int | None]:
    values, read = Lines(block, b",").integers(index)
    return [int(v) if ok else None for v, ok in zip(values, read, strict=True)]


@pytest.mark.parametrize("index", [0, 1, 2])
def test_every_line_is_read_as_python_reads_it(index: int) -> None:
    pick = random.Random(index).choice
    pieces = [
        b"",
        b"-",
        b"0",
        b"7",
        b"-12",
        b"+5",
        b" 3",
        b"3 ",
        b"1_000",
        b"x",
        b"9" * 18,
        b"9" * 19,
        b"-" + b"9" * 18,
        b"00042",
        b"4-2",
        b"\xc3\xa9",
    ]
    lines = [b",".join(pick(pieces) for _ in range(pick([1, 2, 3, 4]))) for _ in range(3000)]
    lines += [b"12,34\r", b"56\r", b"7\r8,9"]  # CRLF line ends, and a lone CR in a value
    block = b"\n".join(lines) + b"\n"
    assert _numpy(block, index) == [_python(line, index) for line in lines]


def test_the_last_line_of_a_block_and_the_largest_values() -> None:
    block = b"id,name\n999999999999999999,a\n-999999999999999999,b\n1000000000000000000,c\n"
    assert _numpy(block, 0) == [None, 10**18 - 1, -(10**18 - 1), None]


def test_lines_with_quotes_are_marked_and_an_odd_number_refused() -> None:
    assert Lines(b'1,a\n2,"b, c"\n3,d\n', b",").quoted().tolist() == [False, True, False]
    assert Lines(b"1,a\n2,b\n", b",").quoted().tolist() == [False, False]
    assert Lines(b'1,"a\n2,b"\n', b",").quoted() is None


def test_fields_past_a_lines_end_are_absent() -> None:
    lines = Lines(b"1,2,3\n4\n5,6\n", b",")
    starts, ends, present = lines.field(2)
    assert present.tolist() == [True, False, False]
    assert lines.block[starts[0] : ends[0]] == b"3"
