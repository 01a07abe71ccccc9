"""The ids of the staged rows: the range each sequence-backed column brings, and the
temporary sequences that a dry run draws the missing ids from."""

# The statements are built from this module's constants and names quoted by the driver.
# ruff: noqa: S608

from __future__ import annotations

from django.db.backends.base.base import BaseDatabaseWrapper

from .._db import compose, real_name
from ..sequences import SequenceState, next_free

__all__ = ["IdRanges", "IdStates", "dry_run_sequences", "incoming_ids"]

IdStates = dict[str, SequenceState]
"""Per sequence-backed column of the plan, its sequence."""

IdRanges = dict[tuple[str, str], tuple[int, int]]
"""The smallest and largest id that came in, per (model label, column)."""


def incoming_ids(
    connection: BaseDatabaseWrapper, staging: str, label: str, columns: list[str]
) -> IdRanges:
    """The smallest and largest id in ``staging`` of each of ``columns`` (of the model
    ``label``), in one query; a column with no id is left out."""
    if not columns:
        return {}
    template = ", ".join("min(CAST({} AS int8)), max(CAST({} AS int8))" for _ in columns)
    names = [(real_name(column),) for column in columns for _ in range(2)]
    statement = compose(connection, f"SELECT {template} FROM {{}}", *names, (staging,))
    with connection.cursor() as cursor:
        cursor.execute(statement)
        row = cursor.fetchone()
    return {
        (label, real_name(column)): (row[2 * i], row[2 * i + 1])
        for i, column in enumerate(columns)
        if row[2 * i] is not None
    }


def dry_run_sequences(
    connection: BaseDatabaseWrapper,
    label: str,
    sequenced: IdStates,
    incoming: IdRanges,
    prefix: str,
) -> dict[str, int]:
    """Per column of ``sequenced``, the OID of a temporary copy of its sequence (named
    ``prefix`` and a number) that starts where the sequence would stand after the
    reservation of the ``incoming`` ids: a dry run touches no sequence. The copies go with
    the rollback."""
    draws: dict[str, int] = {}
    for column, state in sequenced.items():
        first = state.next_value if state.next_value is not None else state.start
        bounds = incoming.get((label, real_name(column)))
        if bounds is not None:
            past = next_free(state.start, state.increment, bounds[0 if state.descending else 1])
            first = min(first, past) if state.descending else max(first, past)
        name = f"{prefix}_{len(draws)}"
        with connection.cursor() as cursor:
            cursor.execute(
                compose(
                    connection,
                    "CREATE TEMPORARY SEQUENCE {} INCREMENT %s MINVALUE %s MAXVALUE %s START %s",
                    (name,),
                ),
                [state.increment, state.min_value, state.max_value, first],
            )
            cursor.execute("SELECT %s::regclass::oid::int8", [name])
            draws[column] = cursor.fetchone()[0]
    return draws
