"""The sequence rules without a database: next free value, value limits, the judgement."""

from __future__ import annotations

import dataclasses

import pytest

from safeimport.sequences import ColumnUse, SequenceState, Status
from safeimport.sequences._rules import is_integer_type, judged, next_free, value_limits

INT_MAX = 2**31 - 1
BIG_MAX = 2**63 - 1


def _use(
    data_max: int | None, data_min: int | None = None, *, column_type: str = "integer"
) -> ColumnUse:
    return ColumnUse(
        table="t",
        schema="public",
        table_name="t",
        column="id",
        column_type=column_type,
        link="identity by default",
        model="app.T",
        readable=True,
        data_max=data_max,
        data_min=data_max if data_min is None else data_min,
    )


def _state(
    *uses: ColumnUse,
    start: int = 1,
    increment: int = 1,
    min_value: int = 1,
    max_value: int = INT_MAX,
    cache: int = 1,
    cycle: bool = False,
    last_value: int | None = 1,
    is_called: bool = False,
) -> SequenceState:
    """A judged state; by default a fresh ascending integer sequence from 1."""
    state = SequenceState(
        sequence="t_id_seq",
        schema="public",
        name="t_id_seq",
        uses=uses or (_use(None),),
        data_type="integer",
        start=start,
        increment=increment,
        min_value=min_value,
        max_value=max_value,
        cache=cache,
        cycle=cycle,
        last_value=last_value,
        is_called=is_called,
        can_update=True,
        data_max=None,
        data_min=None,
        target=None,
        status=Status.EMPTY,
    )
    return judged(state)


# --- next_free ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("start", "increment", "edge", "expected"),
    [
        (1, 1, 0, 1),  # below the start: the start itself
        (1, 1, 1, 2),
        (1, 1, 41, 42),
        (3, 5, 3, 8),  # START 3 INCREMENT 5: 3, 8, 13, ...
        (3, 5, 100, 103),
        (3, 5, 102, 103),
        (3, 5, 103, 108),
        (1000, 1, 5, 1000),  # START (and MINVALUE) 1000: never below it
        (10, 10, 10, 20),
        (10, 10, 19, 20),
    ],
)
def test_next_free_ascending(start: int, increment: int, edge: int, expected: int) -> None:
    assert next_free(start, increment, edge) == expected


@pytest.mark.parametrize(
    ("start", "increment", "edge", "expected"),
    [
        (-1, -1, 0, -1),  # above the start: the start itself
        (-1, -1, -1, -2),
        (-1, -1, -50, -51),
        (-3, -5, -3, -8),  # -3, -8, -13, ...
        (-3, -5, -100, -103),
        (100, -10, 55, 50),
    ],
)
def test_next_free_descending(start: int, increment: int, edge: int, expected: int) -> None:
    assert next_free(start, increment, edge) == expected


# --- value_limits and integer columns -----------------------------------------------------


@pytest.mark.parametrize(
    ("column_type", "max_value", "limits"),
    [
        ("integer", INT_MAX, (1, INT_MAX)),
        ("integer", BIG_MAX, (1, INT_MAX)),  # a bigint sequence feeding an integer column
        ("smallint", BIG_MAX, (1, 2**15 - 1)),
        ("bigint", BIG_MAX, (1, BIG_MAX)),
        ("bigint", 500, (1, 500)),  # MAXVALUE below the column's end
    ],
)
def test_value_limits_are_the_narrower_of_sequence_and_column(
    column_type: str, max_value: int, limits: tuple[int, int]
) -> None:
    state = _state(_use(None, column_type=column_type), max_value=max_value)
    assert value_limits(state) == limits


def test_value_limits_of_a_shared_sequence_take_every_column() -> None:
    uses = (_use(None, column_type="bigint"), _use(None, column_type="smallint"))
    assert value_limits(_state(*uses, max_value=BIG_MAX)) == (1, 2**15 - 1)


@pytest.mark.parametrize(
    ("column_type", "audited"),
    [
        ("smallint", True),
        ("integer", True),
        ("bigint", True),
        ("text", False),
        ("numeric", False),
        ("character varying", False),
        ("integer[]", False),
    ],
)
def test_only_integer_columns_are_audited(column_type: str, audited: bool) -> None:
    assert is_integer_type(column_type) is audited


# --- the judgement ------------------------------------------------------------------------


def test_an_empty_table_is_empty_with_no_target() -> None:
    state = _state(_use(None))
    assert (state.status, state.target, state.data_max) == (Status.EMPTY, None, None)


def test_a_fresh_sequence_at_the_largest_id_is_behind() -> None:
    # last_value 1, not called: nextval() would return 1, which is taken.
    state = _state(_use(1), last_value=1, is_called=False)
    assert (state.next_value, state.status, state.target) == (1, Status.BEHIND, 2)
    assert state.note == "next value 1 is not past the data (1)"


def test_a_called_sequence_at_the_largest_id_is_ok() -> None:
    state = _state(_use(1), last_value=1, is_called=True)
    assert (state.next_value, state.status, state.target) == (2, Status.OK, 2)


def test_a_sequence_past_the_target_is_ahead() -> None:
    state = _state(_use(5), last_value=100, is_called=True)
    assert (state.status, state.target) == (Status.AHEAD, 6)


def test_increment_and_start_give_a_target_on_the_step() -> None:
    state = _state(_use(100, 3), start=3, increment=5, last_value=3)
    assert (state.status, state.target) == (Status.BEHIND, 103)


def test_a_descending_sequence_is_judged_by_the_smallest_id() -> None:
    uses = (_use(-1, -50),)
    state = _state(*uses, start=-1, increment=-1, min_value=-INT_MAX, max_value=-1, last_value=-1)
    assert (state.data_edge, state.status, state.target) == (-50, Status.BEHIND, -51)
    ahead = _state(*uses, start=-1, increment=-1, min_value=-INT_MAX, max_value=-1, last_value=-90)
    assert ahead.status is Status.AHEAD


def test_minvalue_above_one_is_never_undercut() -> None:
    # START and MINVALUE 1000; the table holds ids from before (5): the target stays 1000.
    state = _state(_use(5, 1), start=1000, min_value=1000, last_value=1000)
    assert (state.status, state.target) == (Status.OK, 1000)


def test_a_shared_sequence_is_judged_by_the_largest_id_of_every_column() -> None:
    state = _state(_use(10, 1), _use(70, 20), last_value=50, is_called=True)
    assert (state.data_max, state.data_min) == (70, 1)
    assert (state.status, state.target) == (Status.BEHIND, 71)


def test_data_at_maxvalue_is_exhausted() -> None:
    state = _state(_use(100), max_value=100, last_value=7, is_called=True)
    assert (state.status, state.target) == (Status.EXHAUSTED, 101)
    assert state.note == "data reaches 100; the next free value 101 is past MAXVALUE 100"


def test_data_at_the_end_of_the_column_type_is_exhausted() -> None:
    state = _state(_use(2**15 - 1, column_type="smallint"), max_value=BIG_MAX)
    assert state.status is Status.EXHAUSTED
    assert state.note.endswith("the next free value 32768 is past MAXVALUE 32767")


def test_a_descending_sequence_at_minvalue_is_exhausted() -> None:
    state = _state(_use(-10), start=-1, increment=-1, min_value=-10, max_value=-1, last_value=-1)
    assert state.status is Status.EXHAUSTED
    assert state.note == "data reaches -10; the next free value -11 is past MINVALUE -10"


@pytest.mark.parametrize(
    ("cache", "cycle", "reason"),
    [(20, False, "CACHE 20"), (1, True, "CYCLE"), (20, True, "CACHE 20 and CYCLE")],
)
def test_cache_and_cycle_make_a_right_sequence_inexact(
    cache: int, cycle: bool, reason: str
) -> None:
    state = _state(_use(5), cache=cache, cycle=cycle, last_value=6)
    assert state.status is Status.INEXACT
    assert state.note == f"{reason}: other sessions may hand out values it cannot see"


def test_cache_does_not_hide_a_behind_sequence() -> None:
    assert _state(_use(5), cache=20, last_value=3).status is Status.BEHIND


def test_an_unreadable_sequence_or_column_is_not_permitted() -> None:
    state = _state(_use(5), last_value=None)
    assert (state.status, state.note) == (
        Status.NOT_PERMITTED,
        "the current role may not read the sequence",
    )
    state = _state(dataclasses.replace(_use(5), readable=False), last_value=1)
    assert (state.status, state.note) == (
        Status.NOT_PERMITTED,
        "the current role may not read t.id",
    )
