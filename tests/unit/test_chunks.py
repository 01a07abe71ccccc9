"""The ids of a chunk and where its rows came from: ``id_bounds`` checks a column's ids
against what its sequence can hold, and ``Positions`` maps PostgreSQL's COPY record numbers
back to the input's lines."""

from __future__ import annotations

from array import array

import pytest

from safeimport._load.chunks import BadId, Chunk, ChunkBuilder, Positions, id_bounds

LIMITS = {"id": (1, 1000)}


@pytest.mark.parametrize(
    ("values", "bounds"),
    [
        (["7", "3", "12"], (3, 12)),
        ([7, 3, 12], (3, 12)),
        ([7.0, 3, "12"], (3, 12)),
        (["1000", "1"], (1, 1000)),
        (["5"], (5, 5)),
        ([], None),
    ],
    ids=["texts", "ints", "whole floats and mixed", "the limits themselves", "one", "none"],
)
def test_id_bounds_are_the_smallest_and_largest_id(
    values: list[object], bounds: tuple[int, int] | None
) -> None:
    assert id_bounds(values, "id", LIMITS) == bounds


@pytest.mark.parametrize(
    ("values", "index", "reason"),
    [
        (["1", "x", "3"], 1, "an id that is not an integer"),
        (["1", "2.5"], 1, "an id that is not an integer"),
        ([1, 2.5], 1, "an id that is not an integer"),
        ([1, True], 1, "an id that is not an integer"),
        ([1, None], 1, "an id that is not an integer"),
        (["1", ""], 1, "an id that is not an integer"),
        (["5", "0", "-3"], 1, "an id below MINVALUE 1 of the sequence behind 'id'"),
        (["5", "1001", "2000"], 1, "an id past MAXVALUE 1000 of the sequence behind 'id'"),
    ],
    ids=["text", "fraction as text", "fraction", "bool", "None", "empty", "below", "past"],
)
def test_a_bad_id_names_the_first_bad_value_and_why(
    values: list[object], index: int, reason: str
) -> None:
    with pytest.raises(BadId) as info:
        id_bounds(values, "id", LIMITS)
    assert (info.value.index, info.value.reason, info.value.value) == (
        index,
        reason,
        values[index],
    )


def test_a_column_without_limits_takes_any_integer() -> None:
    assert id_bounds(["-5", str(2**62)], "other", LIMITS) == (-5, 2**62)


def _chunk(rows: int, first_line: int, lines: list[int] | None = None) -> Chunk:
    return Chunk(
        data=b"",
        rows=rows,
        first_line=first_line,
        lines=None if lines is None else array("q", lines),
        bounds={},
        source_bytes=0,
    )


def test_positions_map_records_to_lines_across_chunks() -> None:
    positions = Positions()
    positions.add(_chunk(3, 2))  # rows on lines 2, 3, 4
    positions.add(_chunk(2, 5, [5, 9]))  # a row over several lines, or a blank line: 5, 9
    positions.add(_chunk(1, 12))
    assert positions.rows == 6
    assert [positions.line_of(record) for record in range(1, 7)] == [2, 3, 4, 5, 9, 12]


@pytest.mark.parametrize("record", [0, 4, 100])
def test_a_record_that_was_not_sent_has_no_line(record: int) -> None:
    positions = Positions()
    positions.add(_chunk(3, 2))
    assert positions.line_of(record) is None


def test_no_chunk_sent_no_line() -> None:
    assert Positions().line_of(1) is None


@pytest.mark.parametrize(
    ("batches", "lines"),
    [
        ([range(1, 4), range(4, 6)], None),  # consecutive: row k is on line 1 + k
        ([range(1, 4), range(5, 6)], [1, 2, 3, 5]),  # a blank line between
        ([[1, 1, 3]], [1, 1, 3]),  # two objects on line 1, none on line 2
        ([[2, 3], range(4, 5)], None),
    ],
)
def test_rows_added_a_batch_at_a_time_keep_their_lines(
    batches: list[range | list[int]], lines: list[int] | None
) -> None:
    builder = ChunkBuilder()
    for batch in batches:
        builder.add_rows("x\n" * len(batch), batch)
    chunk = builder.take()
    assert chunk.rows == sum(len(batch) for batch in batches)
    assert chunk.first_line == batches[0][0]
    assert (None if chunk.lines is None else list(chunk.lines)) == lines
