"""The direct path's check of a block as bytes (``csv_plain``) agrees with the check of its
values: a block it passes is sent as the value-by-value check would send it, with the same
id range, and a block that check refuses is never passed (it is left to that check, which
names the line)."""

from __future__ import annotations

import csv
import io
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from safeimport._load.chunks import Chunk
from safeimport._load.inputs import csv_plain
from safeimport._load.inputs.csv import CsvInput
from safeimport._load.plan import plan_columns
from safeimport.errors import LoadError
from tests.importapp.models import Book

LIMITS = {"id": (-(10**12), 10**12)}
IDS = st.one_of(
    st.integers(1, 10**6).map(str),
    st.sampled_from(["0", "-3", "+5", " 7", "7 ", "", "x", "1_000", "10000000000000", "0012"]),
)
DAYS = st.one_of(
    st.dates().map(str),
    st.sampled_from(["2024-1-5", "20240105", "05/01/2024", "", "2024-13-01", "2024-01-05 "]),
    st.sampled_from(["2024-1-35", "2024-02-30", "2024-2-30", "2024-01-05T10:00"]),
)
MOMENTS = st.one_of(
    st.sampled_from(["2024-01-05 10:20:30+00:00", "2024-01-05T10:20:30Z", "2024-01-05"]),
    st.sampled_from(["2024-01-05 24:00:00", "2024-01-05 10:20:60", "2024-01-05 9:20", ""]),
    st.sampled_from(["2024-01-05 10:20:30.1234567", "Jan 5 2024", "2024-01-05 23:59:59-0230"]),
    st.sampled_from(["2024-01-05 10:20:30+05:60", "2024-1-5 25:00", "2024-01-05 10:20:30+00"]),
)
TITLES = st.text(alphabet='ab ,"\\.é\n\r', max_size=5)


def _chunks(text: str, *, bytes_check: bool, monkeypatch: pytest.MonkeyPatch) -> Any:
    """The chunks of ``text`` (or the error), with or without the check of bytes."""
    with monkeypatch.context() as patch:
        if not bytes_check:
            patch.setattr(csv_plain.PlainCheck, "rows", lambda self, text: None)
        source = CsvInput([text.encode("utf-8")])
        names, line = source.columns()
        plan = plan_columns(Book, names, sequenced=["id"], source=source.name, line=line)
        try:
            return [_fields(chunk) for chunk in source.chunks(plan, LIMITS)]
        except LoadError as error:
            return (error.line, error.column, error.value, error.reason)


def _fields(chunk: Chunk) -> tuple[Any, ...]:
    lines = list(chunk.lines) if chunk.lines is not None else None
    return (chunk.data, chunk.rows, chunk.first_line, lines, chunk.bounds, chunk.missing_ids)


def _csv(rows: list[list[str]]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["id", "title", "published", "added"])
    writer.writerows(rows)
    return out.getvalue()


@settings(max_examples=500, deadline=None)
@given(st.lists(st.tuples(IDS, TITLES, DAYS, MOMENTS).map(list), min_size=1, max_size=30))
def test_a_block_checked_as_bytes_is_sent_as_the_values_check_sends_it(
    rows: list[list[str]],
) -> None:
    text = _csv(rows)
    with pytest.MonkeyPatch.context() as monkeypatch:
        assert _chunks(text, bytes_check=True, monkeypatch=monkeypatch) == _chunks(
            text, bytes_check=False, monkeypatch=monkeypatch
        )


def test_a_clean_block_is_passed_without_being_split() -> None:
    text = "".join(
        f'{i},"t, {i}",2024-01-{i % 28 + 1:02d},2024-01-05 10:20:{i % 60:02d}+00:00\n'
        for i in range(1, 2001)
    )
    source = CsvInput([b"id,title,published,added\n" + text.encode()])
    names, line = source.columns()
    plan = plan_columns(Book, names, sequenced=["id"], source=source.name, line=line)
    check = csv_plain.PlainCheck(plan, ",", source.dates, LIMITS)
    rows = check.rows(text)
    assert rows is not None
    assert rows.checked is not None
    assert rows.checked.bounds == {"id": (1, 2000)}
    assert rows.checked.rows == 2000
    assert rows.checked.data == text.encode()
    assert rows.column(0)[:2] == ["1", "2"]  # split when asked


@pytest.mark.parametrize(
    "line",
    [
        "1,a,2024-01-05,2024-01-05 24:00:00",  # the hour 24: PostgreSQL takes it, Django not
        "1,a,2024-01-05,2024-01-05 10:20:60",  # a 60th second
        "1,a,05/01/2024,2024-01-05 10:20:30",  # day first, without date_order
        '1,"a, b",05/01/2024,2024-01-05 10:20:30',  # the same on a line with quotes
        '1,"a, b",2024-01-05,2024-01-05 24:00:00',
        '1,"a, b",2024-1-5,2024-01-05 10:20:30',  # another shape (of a date read)
        '1,"a, b",2024-01-05',
        "x,a,2024-01-05,2024-01-05 10:20:30",  # an id that is not one
        '1,a"b,"c,2024-01-05 10:20:30',  # even quotes, and a field that does not end
        '1,"a"b,2024-01-05,2024-01-05 10:20:30',  # the csv module refuses it
        "1,a,2024-01-05",  # a row too short
        "1,a,2024-01-05,2024-01-05,x",  # a row too long
        "1,a,2024-01-05,2024-01-05\r",  # a carriage return
        '1,"a\nb",2024-01-05,2024-01-05',  # a field over two lines
        "\\.",  # a line that COPY would end the data at
    ],
)
def test_a_block_with_a_row_to_look_at_is_left_to_the_values_check(line: str) -> None:
    good = "".join(f"{i},t,2024-01-05,2024-01-05 10:20:30\n" for i in range(2, 50))
    source = CsvInput([b"id,title,published,added\n"])
    names, at = source.columns()
    plan = plan_columns(Book, names, sequenced=["id"], source=source.name, line=at)
    check = csv_plain.PlainCheck(plan, ",", source.dates, LIMITS)
    assert check.rows(good) is not None
    assert check.rows(good + line + "\n") is None
    quoted = '9,"q, r",2024-01-05,2024-01-05 10:20:30\n'  # a line with quotes after it
    assert check.rows(good + line + "\n" + quoted) is None


CLEAN_ROW = st.tuples(
    st.integers(1, 10**6).map(str),
    st.text(alphabet='ab ,"é', max_size=4),
    st.dates().map(str),
    st.datetimes().map(lambda moment: moment.strftime("%Y-%m-%d %H:%M:%S+00:00")),
).map(list)
ODD_VALUE = st.tuples(st.integers(0, 3), st.one_of(IDS, TITLES, DAYS, MOMENTS))


@settings(max_examples=300, deadline=None)
@given(st.lists(CLEAN_ROW, min_size=1, max_size=40), st.lists(ODD_VALUE, max_size=2), st.data())
def test_clean_blocks_with_a_value_or_two_changed_are_sent_as_the_values_check_sends_them(
    rows: list[list[str]], odd: list[tuple[int, str]], data: st.DataObject
) -> None:
    for column, value in odd:
        rows[data.draw(st.integers(0, len(rows) - 1))][column] = value
    text = _csv(rows)
    with pytest.MonkeyPatch.context() as monkeypatch:
        assert _chunks(text, bytes_check=True, monkeypatch=monkeypatch) == _chunks(
            text, bytes_check=False, monkeypatch=monkeypatch
        )


def test_lines_with_quotes_are_read_one_row_each_or_not_at_all() -> None:
    assert csv_plain.read_quoted([b'1,"a, b"', b'2,"c"'], ",") == [["1", "a, b"], ["2", "c"]]
    # a field opened after a quote inside a value goes on into the next line given
    assert csv_plain.read_quoted([b'1,a"b,"c', b'd",e'], ",") is None
