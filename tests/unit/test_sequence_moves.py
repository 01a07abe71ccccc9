"""The one wording of a sequence's move, without a database."""

from __future__ import annotations

from safeimport.sequences import (
    Action,
    ColumnUse,
    SequenceChange,
    SequenceState,
    Status,
    SyncReport,
    describe_move,
    describe_moves,
)


def _change(name: str, action: Action, before: int | None, after: int | None) -> SequenceChange:
    use = ColumnUse(name, "public", name, "id", "integer", "serial", None, True, 3, 1)
    state = SequenceState(
        name + "_id_seq", "public", name + "_id_seq", (use,), "integer", 1, 1, 1, 2**31 - 1,
        1, False, before, True, True, 3, 1, 4, Status.BEHIND,
    )  # fmt: skip
    return SequenceChange(state, action, before, after)


MOVED = _change("a", Action.RAISED, 2, 4)
WOULD = _change('"B c"', Action.WOULD_RAISE, 1, 40)
STILL = _change("d", Action.UNCHANGED, 9, 9)
STUCK = _change("e", Action.NOT_PERMITTED, 1, 1)


def test_a_move_names_the_sequence_and_its_next_value_before_and_after() -> None:
    assert describe_move(MOVED) == "sequence a_id_seq 2 -> 4"
    assert describe_move(WOULD) == 'sequence "B c"_id_seq 1 -> 40'


def test_only_the_changes_whose_next_value_changed_are_listed() -> None:
    assert describe_moves([MOVED, STILL, STUCK, WOULD]) == (
        'sequence a_id_seq 2 -> 4, sequence "B c"_id_seq 1 -> 40'
    )
    assert describe_moves([STILL, STUCK]) == ""


def test_a_sync_report_summary_uses_the_same_wording() -> None:
    report = SyncReport(changes=[MOVED, STILL, STUCK])
    assert report.summary() == "3 sequence(s) checked, 1 moved: sequence a_id_seq 2 -> 4."
    assert SyncReport(changes=[STILL], dry_run=True).summary() == (
        "1 sequence(s) checked, none would move."
    )
