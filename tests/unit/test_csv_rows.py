"""The split that reads plain CSV blocks without the csv module agrees with the csv module."""

from __future__ import annotations

import csv
import io

from hypothesis import given
from hypothesis import strategies as st

from safeimport._load.inputs.csv_rows import Rows, split_plain

VALUE = st.text(alphabet='ab1 ,;"\\.é', max_size=6)


def written(rows: list[list[str]], delimiter: str = ",") -> str:
    out = io.StringIO()
    csv.writer(out, delimiter=delimiter, lineterminator="\n").writerows(rows)
    return out.getvalue()


def read(text: str, delimiter: str = ",") -> list[list[str]]:
    return list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True))


@given(st.integers(1, 5).flatmap(lambda w: st.lists(st.lists(VALUE, min_size=w, max_size=w))))
def test_a_split_block_holds_what_the_csv_module_reads(rows: list[list[str]]) -> None:
    text = written(rows)
    split = split_plain(text, ",")
    if split is None:
        return  # the csv module reads it: nothing to compare
    expected = read(text)
    assert split.values == expected
    assert split.count == len(expected)
    for index in range(len(expected[0]) if expected else 0):
        assert split.column(index) == [row[index] for row in expected]


@given(st.lists(st.lists(VALUE, min_size=1, max_size=4), min_size=1))
def test_rows_of_any_widths_read_as_the_csv_module_reads_them(rows: list[list[str]]) -> None:
    text = written(rows)
    split = split_plain(text, ",")
    if split is not None:
        assert split.values == read(text)


def test_plain_lines_are_split_and_quoted_lines_read_by_the_csv_module() -> None:
    text = 'id,name\n1,"a, b"\n2,c\n3,"say ""hi"""\n4,d\n'
    rows = split_plain(text, ",")
    assert rows is not None
    assert rows.values == [["id", "name"], ["1", "a, b"], ["2", "c"], ["3", 'say "hi"'], ["4", "d"]]
    assert rows.column(0) == ["id", "1", "2", "3", "4"]
    assert rows.column(1) == ["name", "a, b", "c", 'say "hi"', "d"]


def test_blocks_the_split_cannot_read_are_left_to_the_csv_module() -> None:
    refused = {
        "a field over two lines": 'id,name\n1,"two\nlines"\n',
        "a blank line": "id,name\n\n1,a\n",
        "a blank line in one column": "name\n\na\n",
        "a blank first line in one column": "\nname\na\n",
        "a blank first line": "\n1,a\n",
        "a carriage return": "id,name\r\n1,a\r\n",
        "a quote after a closing quote": 'a,b\n"1"x,2\n',
        "nothing": "",
    }
    for case, text in refused.items():
        assert split_plain(text, ",") is None, case


def test_rows_of_other_widths_are_split_line_by_line_so_that_each_can_be_named() -> None:
    for text in ("id,name\n1,a,extra\n", "a,b\n1,2,3\n4\n", 'a,b\n"1",2,3\n5,"x, y"\n'):
        rows = split_plain(text, ",")
        assert rows is not None
        assert rows.values == read(text)
        assert rows.width is None
        assert rows.fitting(2)
        assert {i: row for i, row in enumerate(read(text)) if len(row) != 2} == rows.misfits


def test_rows_given_as_lists_answer_the_same_questions() -> None:
    rows = Rows([["1", "a"], ["2", "b"]], None)
    assert (rows.count, rows.width, rows.column(1)) == (2, 2, ["a", "b"])
    assert Rows([["1", "a"], ["2"]], None).width is None
    assert Rows([], None).width is None
