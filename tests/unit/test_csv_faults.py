"""The rows of a CSV block that cannot be sent, found without a database: each bad row with
its first fault, where it is in the block, whatever the rows of the wrong width before it."""

from __future__ import annotations

from safeimport._load.dates import DateText
from safeimport._load.inputs.csv_blocks import Rows
from safeimport._load.inputs.csv_faults import bad_rows
from safeimport._load.plan import plan_columns
from tests.importapp.models import Book

LIMITS = {"id": (1, 10_000)}


def _bad(values: list[list[str]], null: str = "") -> dict[int, tuple[str, str | None, str | None]]:
    plan = plan_columns(Book, ["id", "title", "added"], sequenced=["id"], source="b.csv", line=1)
    return bad_rows(Rows(values, None), plan, LIMITS, DateText(None), null)


def test_a_clean_block_has_no_bad_row() -> None:
    rows = [["1", "a", "2024-01-01T00:00:00Z"], ["", "b", ""], ["3", "c", "2024-02-01"]]
    assert _bad(rows) == {}


def test_each_bad_row_has_its_first_fault_and_its_index_in_the_block() -> None:
    found = _bad(
        [
            ["1", "ok", "2024-01-01"],
            ["2", "too few"],
            ["x", "bad id", "2024-01-01"],
            ["", "no id", "2024-01-01"],
            ["5", "bad date", "notadate"],
            ["20000", "bad id and date", "notadate"],
            ["7", "too", "many", "values"],
            ["8", "null id", "2024-01-01"],
            ["NULL", "null id", "NULL"],
            ["10", "bad date after short rows", "yesterday"],
        ],
        null="NULL",
    )
    assert sorted(found) == [1, 2, 4, 5, 6, 9]
    assert found[1] == ("2 values where the header has 3 columns", None, None)
    assert found[6] == ("4 values where the header has 3 columns", None, None)
    assert found[2] == ("'id': an id that is not an integer ('x')", "id", "x")
    assert found[5][1:] == ("id", "20000")
    assert "MAXVALUE 10000" in found[5][0]
    assert found[4][1:] == ("added", "notadate")
    assert found[9][1:] == ("added", "yesterday")
