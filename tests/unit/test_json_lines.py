"""JSON Lines read a block of lines at a time: the same values from msgspec and from the
standard library, every object with its line, and anything that is not one object a line
read object by object from there on, its lines still right."""

from __future__ import annotations

import decimal
import json
from typing import Any

import pytest

from safeimport._load.inputs import json_lines
from safeimport._load.inputs.json_lines import BATCH_CHARS, JsonBatches, decode_block
from safeimport.errors import LoadError

pytestmark = pytest.mark.usefixtures("json_decoder")  # with msgspec, and without

D = decimal.Decimal


def _read(text: str | list[str]) -> list[tuple[int, Any]]:
    """Every value with its line, and check that no batch holds the same line twice."""
    values: list[tuple[int, Any]] = []
    for batch in JsonBatches([text] if isinstance(text, str) else text, "<json>"):
        values += zip(batch.lines, batch.items, strict=True)
    return values


def test_numbers_keep_every_digit_whichever_decodes_them() -> None:
    text = (
        '{"a": 12345678901234.123456, "b": 9007199254740993, "c": 1e400, "d": -0.0}\n'
        '{"a": 1.50, "b": -123456789012345678901234567890, "c": 2E-7, "d": 0}\n'
    )
    assert decode_block(text) == [
        {"a": D("12345678901234.123456"), "b": 9007199254740993, "c": D("1e400"), "d": D("-0.0")},
        {"a": D("1.50"), "b": -123456789012345678901234567890, "c": D("2E-7"), "d": 0},
    ]
    assert str(decode_block(text)[1]["a"]) == "1.50"  # type: ignore[index]


def test_both_decoders_read_the_same_values(json_decoder: str) -> None:
    if json_decoder != "msgspec":
        pytest.skip("compares msgspec with the standard decoder")
    rows = [
        {"s": 'tab\t "q" \\ \u00e9 \U0001f600 \u0000', "n": None, "t": True, "l": [1, [2.5]]},
        {"o": {"x": {"y": "z"}}, "i": 2**70, "f": 0.1, "e": ""},
    ]
    text = "".join(json.dumps(row, ensure_ascii=False) + "\r\n" for row in rows)
    fast, standard = decode_block(text, fast=True), decode_block(text, fast=False)
    assert fast == standard == json.loads("[" + text.replace("\r\n", ",")[:-1] + "]", parse_float=D)


@pytest.mark.parametrize(
    "text",
    [
        '{"a": 1}\n\n{"a": 2}\n',  # a blank line
        '{"a": 1} {"a": 2}\n{"a": 3}\n',  # two objects on a line
        '{"a": 1}\n{"a":\n2}\n',  # an object over two lines
        '{"a": 1}\n[1]\n',  # not an object
        '{"a": 1}\n{"a": 2} \n',  # a blank after the object
        '{"a": 1},\n{"a": 2}\n',  # a comma after it
        '{"a": NaN}\n',  # not JSON: the standard decoder reads it object by object
        '{"a": 1}\n{"a" 2}\n',  # malformed
    ],
)
def test_a_block_that_is_not_one_object_a_line_is_not_decoded_whole(text: str) -> None:
    if "NaN" in text and json_lines._FAST is None:
        pytest.skip("the standard decoder takes NaN, as JsonValues does")
    assert decode_block(text) is None


def test_lines_are_counted_across_blocks() -> None:
    row = json.dumps({"id": 1, "name": "x" * 100})
    count = 3 * BATCH_CHARS // len(row)
    values = _read([row + "\n"] * count)
    assert [line for line, _ in values] == list(range(1, count + 1))


def test_from_a_blank_line_on_objects_are_read_one_by_one_with_their_lines() -> None:
    row = json.dumps({"id": 1, "name": "y" * 100}) + "\n"
    before = 2 * BATCH_CHARS // len(row)  # whole blocks, decoded whole
    text = row * before + "\n" + '{"id": 2,\n "name": "z"}\n' + row
    values = _read(text)
    assert len(values) == before + 2
    assert values[before][0] == before + 2  # past the blank line
    assert values[before][1] == {"id": 2, "name": "z"}
    assert values[-1][0] == before + 4


def test_a_line_longer_than_a_block_is_read_whole() -> None:
    long = json.dumps({"id": 2, "name": "x" * (2 * BATCH_CHARS)})
    values = _read(['{"id": 1}\n', long[:1000], long[1000:], '\n{"id": 3}'])
    assert [(line, item["id"]) for line, item in values] == [(1, 1), (2, 2), (3, 3)]
    assert len(values[1][1]["name"]) == 2 * BATCH_CHARS


def test_a_last_line_without_an_ending_and_leading_blank_lines() -> None:
    assert _read(['\n  \n{"id": 1}\n{"id"', ": 2}"]) == [(3, {"id": 1}), (4, {"id": 2})]


def test_bad_json_after_whole_blocks_names_its_line() -> None:
    row = json.dumps({"id": 1, "name": "w" * 100}) + "\n"
    before = 2 * BATCH_CHARS // len(row)
    with pytest.raises(LoadError) as info:
        _read(row * before + '{"id": 2, "name": }\n' + row)
    assert info.value.line == before + 1
    assert "malformed JSON" in info.value.reason
