"""Skip mode's check of a block as bytes (``csv_skip``) agrees with the check of its values
(``csv_faults.bad_rows``): the same rows are set aside, with the same lines, reasons,
columns and values, and the same chunks are sent, with the same id ranges."""

from __future__ import annotations

import csv
import io
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from safeimport._load.chunks import Chunk, Restart
from safeimport._load.inputs import csv_skip
from safeimport._load.inputs.csv import CsvInput
from safeimport._load.plan import plan_columns
from safeimport._load.rejects import Rejects
from safeimport.errors import LoadError
from tests.importapp.models import Book
from tests.unit.test_csv_plain import DAYS, IDS, MOMENTS, TITLES

LIMITS = {"id": (-(10**12), 10**12)}
HEADER = ["id", "title", "published", "added", "pages"]
PAGES = st.one_of(
    st.integers(0, 5000).map(str),
    st.sampled_from(["", "-7", "+3", " 9", "x", "2147483648", "-2147483648", "1e3", "٣"]),
)


def _load(text: str, *, bytes_check: bool, null: str = "") -> Any:
    """The chunks of ``text`` read in skip mode and the rows set aside (or the error)."""
    with pytest.MonkeyPatch.context() as patch:
        if not bytes_check:
            patch.setattr(csv_skip.SkipCheck, "rows", lambda self, text: None)
        source = CsvInput([text.encode("utf-8")], null=null)
        rejects = Rejects(source.name, None)
        source.set_aside(rejects)
        source.set_aside_repeated_ids()
        names, line = source.columns()
        plan = plan_columns(Book, names, sequenced=["id"], source=source.name, line=line)
        try:
            chunks = [_fields(chunk) for chunk in source.chunks(plan, LIMITS)]
        except Restart:
            return "restart"
        except LoadError as error:
            return (error.line, error.column, error.value, error.reason)
        return chunks, [row.as_dict() for row in rejects.rows]


def _fields(chunk: Chunk) -> tuple[Any, ...]:
    lines = list(chunk.lines) if chunk.lines is not None else None
    return (
        chunk.data,
        chunk.rows,
        chunk.first_line,
        lines,
        chunk.bounds,
        chunk.missing_ids,
        chunk.set_aside,
    )


def _csv(rows: list[list[str]]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(HEADER)
    writer.writerows(rows)
    return out.getvalue()


CLEAN_ROW = st.tuples(
    st.integers(1, 10**6).map(str),
    st.text(alphabet='ab ,"é', max_size=4),
    st.dates().map(str),
    st.datetimes().map(lambda moment: moment.strftime("%Y-%m-%d %H:%M:%S+00:00")),
    st.integers(0, 5000).map(str),
).map(list)
ODD_VALUE = st.tuples(st.integers(0, 4), st.one_of(IDS, TITLES, DAYS, MOMENTS, PAGES))


@settings(max_examples=300, deadline=None)
@given(
    st.lists(CLEAN_ROW, min_size=1, max_size=40),
    st.lists(ODD_VALUE, max_size=4),
    st.lists(st.sampled_from(["drop", "extra", "repeat"]), max_size=3),
    st.data(),
)
def test_blocks_with_odd_rows_set_the_same_rows_aside_as_the_values_check(
    rows: list[list[str]], odd: list[tuple[int, str]], shapes: list[str], data: st.DataObject
) -> None:
    for column, value in odd:
        rows[data.draw(st.integers(0, len(rows) - 1))][column] = value
    for change in shapes:
        at = data.draw(st.integers(0, len(rows) - 1))
        if change == "drop":
            rows[at] = rows[at][:-1]
        elif change == "extra":
            rows[at] = [*rows[at], "x"]
        else:
            rows[at][0] = rows[at - 1][0]
    text = _csv(rows)
    assert _load(text, bytes_check=True) == _load(text, bytes_check=False)


@settings(max_examples=300, deadline=None)
@given(
    st.lists(st.tuples(IDS, TITLES, DAYS, MOMENTS, PAGES).map(list), min_size=1, max_size=30),
    st.sampled_from(["", "NULL"]),
)
def test_any_block_is_read_as_the_values_check_reads_it(rows: list[list[str]], null: str) -> None:
    text = _csv(rows)
    assert _load(text, bytes_check=True, null=null) == _load(text, bytes_check=False, null=null)


def _block(count: int, first: int = 1) -> str:
    return "".join(
        f"{i},t {i},2024-01-{i % 28 + 1:02d},2024-01-05 10:20:{i % 60:02d}+00:00,{i}\n"
        for i in range(first, first + count)
    )


def test_a_block_with_a_bad_row_sends_the_others_without_splitting_them() -> None:
    good = _block(3000)
    lines = good.splitlines(keepends=True)
    lines[10] = "11,t,2024-01-12,2024-01-05 10:20:11+00:00,many\n"
    lines[20] = "21,t,2024-01-22,2024-13-45 25:61:00\n"
    lines[30] = lines[29]  # the id of the line before
    text = "".join(lines)
    source = CsvInput([(",".join(HEADER) + "\n").encode()])
    source.set_aside(Rejects(source.name, None))
    source.set_aside_repeated_ids()
    names, at = source.columns()
    plan = plan_columns(Book, names, sequenced=["id"], source=source.name, line=at)
    check = csv_skip.SkipCheck(plan, ",", source.dates, LIMITS, "", {})
    rows = check.rows(text)
    assert rows is not None
    assert rows.checked is not None
    assert rows.checked.rows == 2997
    assert rows.checked.bounds == {"id": (1, 3000)}
    assert [(i, fault[0]) for i, fault, _ in rows.checked.set_aside] == [
        (10, "'pages': invalid input syntax for type integer: \"many\""),
        (20, "4 values where the header has 5 columns"),
        (30, "id 30 appears more than once in the input"),
    ]
    assert (
        rows.checked.data == "".join(lines[:10] + lines[11:20] + lines[21:30] + lines[31:]).encode()
    )
    assert rows.checked.kept is not None
    assert rows.checked.kept.tolist() == [i for i in range(3000) if i not in (10, 20, 30)]
    assert rows._unsplit is not None  # not split


@pytest.mark.parametrize(
    "line",
    [
        "1,a,2024-01-05,2024-01-05 24:00:00,3",  # the hour 24: the column is read otherwise
        "1,a,2024-01-05,2024-01-05 10:20:60,3",  # a 60th second
        '1,"a, b",2024-01-05,2024-01-05 24:00:00,3',  # the same on a line with quotes
        "1,a,2024-01-05,2024-01-05\r",  # a carriage return
        '1,"a\nb",2024-01-05,2024-01-05,3',  # a field over two lines
        "\\.",  # a line that COPY would end the data at
    ],
)
def test_a_block_whose_column_the_values_check_reads_whole_is_left_to_it(line: str) -> None:
    good = _block(48, first=2)
    source = CsvInput([(",".join(HEADER) + "\n").encode()])
    names, at = source.columns()
    plan = plan_columns(Book, names, sequenced=["id"], source=source.name, line=at)
    check = csv_skip.SkipCheck(plan, ",", source.dates, LIMITS, "", {})
    assert check.rows(good) is not None
    assert check.rows(good + line + "\n") is None


def test_a_date_column_without_a_shape_most_values_have_is_left_to_the_values_check() -> None:
    source = CsvInput([(",".join(HEADER) + "\n").encode()])
    names, at = source.columns()
    plan = plan_columns(Book, names, sequenced=["id"], source=source.name, line=at)
    check = csv_skip.SkipCheck(plan, ",", source.dates, LIMITS, "", {})
    half = "1,a,2024-01-05,2024-01-05 10:20:30,3\n2,a,2024-1-5,2024-01-05 10:20:30,3\n"
    assert check.rows(half) is None
    most = half + "3,a,2024-01-06,2024-01-05 10:20:30,3\n"
    assert check.rows(most) is not None


def test_a_null_text_with_a_digit_is_left_to_the_values_check() -> None:
    source = CsvInput([(",".join(HEADER) + "\n").encode()])
    names, at = source.columns()
    plan = plan_columns(Book, names, sequenced=["id"], source=source.name, line=at)
    assert csv_skip.SkipCheck(plan, ",", source.dates, LIMITS, "0", {}).rows(_block(5)) is None
    assert csv_skip.SkipCheck(plan, ",", source.dates, LIMITS, "N", {}).rows(_block(5)) is not None


ODD_VALUES = {
    0: ["0", "-3", "+5", " 7", "", "x", "1_000", "10000000000000", "0012", "NULL", "٣", "3"],
    2: ["2024-1-5", "20240105", "05/01/2024", "", "2024-13-01", "2024-1-35", "2024-02-30"],
    3: ["2024-01-05", "2024-01-05T10:20:30Z", "2024-1-5 25:00", "", "NULL", "Jan 5 2024"],
    4: ["", "-7", "+3", " 9", "x", "2147483648", "-2147483648", "1e3", "٣", "NULL"],
}


@pytest.mark.parametrize("null", ["", "NULL"])
@pytest.mark.parametrize(
    ("column", "value"), [(c, v) for c, values in ODD_VALUES.items() for v in values]
)
def test_each_odd_value_is_set_aside_or_sent_as_the_values_check_does(
    column: int, value: str, null: str
) -> None:
    rows = [line.split(",") for line in _block(30).splitlines()]
    rows[5][column] = value
    rows[9][column] = value
    text = _csv(rows)
    source = CsvInput([text.encode()], null=null)
    names, at = source.columns()
    plan = plan_columns(Book, names, sequenced=["id"], source=source.name, line=at)
    check = csv_skip.SkipCheck(plan, ",", source.dates, LIMITS, null, {})
    assert check.rows(text.split("\n", 1)[1]) is not None  # the bytes check answers
    assert _load(text, bytes_check=True, null=null) == _load(text, bytes_check=False, null=null)


@pytest.mark.parametrize(
    "lines",
    [
        # split for its quotes or its id, a date of the column's shape is not looked at
        ['6,"a, b",2024-13-01,2024-01-05 10:20:30+00:00,3', " 7,c,2024-13-01,,4"],
        # the id after a quoted field with a delimiter in it is read from the values
        ['"a,1000,b",31,2024-01-05,2024-01-05 10:20:30+00:00,3'],
    ],
)
def test_lines_read_as_values_are_judged_as_the_values_check_judges_them(
    lines: list[str],
) -> None:
    rows = [line.split(",") for line in _block(30).splitlines()]
    if lines[0].startswith('"'):
        rows = [[row[1], row[0], *row[2:]] for row in rows]
        header = ["title", "id", "published", "added", "pages"]
    else:
        header = HEADER
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows([header, *rows])
    text = out.getvalue() + "\n".join(lines) + "\n"
    source = CsvInput([text.encode()])
    names, at = source.columns()
    plan = plan_columns(Book, names, sequenced=["id"], source=source.name, line=at)
    check = csv_skip.SkipCheck(plan, ",", source.dates, LIMITS, "", {})
    assert check.rows(text.split("\n", 1)[1]) is not None  # the bytes check answers
    assert _load(text, bytes_check=True) == _load(text, bytes_check=False)


def test_a_repeat_of_the_last_block_is_set_aside_and_left_out_of_the_id_range() -> None:
    source = CsvInput([(",".join(HEADER) + "\n").encode()])
    names, at = source.columns()
    plan = plan_columns(Book, names, sequenced=["id"], source=source.name, line=at)
    check = csv_skip.SkipCheck(plan, ",", source.dates, LIMITS, "", {})
    first = check.rows(_block(100))
    assert first is not None
    assert first.checked is not None
    assert first.checked.bounds == {"id": (1, 100)}
    again = _block(1, first=100) + _block(50, first=101)  # id 100 again, first in its block
    rows = check.rows(again)
    assert rows is not None
    assert rows.checked is not None
    assert [(i, fault[0]) for i, fault, _ in rows.checked.set_aside] == [
        (0, "id 100 appears more than once in the input")
    ]
    assert rows.checked.bounds == {"id": (101, 150)}
    assert rows.checked.rows == 50
    assert not rows.checked.missing_ids
