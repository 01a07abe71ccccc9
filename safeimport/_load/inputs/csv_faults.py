"""The rows of a CSV block that cannot be sent: a wrong number of values, an id that is not
one (or that its sequence cannot hold), date text in no form read (see :mod:`..dates`).

Each check runs over a column of a block at once (C speed) and looks at the column row
by row only when it fails: :func:`check_dates` raises for the first bad date; with
``on_error="skip"``, :func:`bad_rows` finds every bad row and :func:`cut_out` takes them
out of the block.
"""

from __future__ import annotations

import itertools
import operator
from collections.abc import Callable, Sequence
from typing import cast

from ...errors import LoadError
from ..chunks import BadId, IdLimits, id_bounds
from ..dates import DateText, Kind, date_kind
from ..plan import ColumnPlan, Target
from ..rejects import Rejects
from .csv_blocks import Rows, line_offsets
from .csv_numbers import RepeatedIds, bad_integers, integer_type
from .csv_rows import Fault

__all__ = [
    "Fault",
    "bad_rows",
    "check_dates",
    "cut_out",
    "date_columns",
    "date_fault",
    "date_kinds",
    "fault",
    "id_fault",
    "integer_columns",
    "repeat_faults",
    "repeated_rows",
    "value_faults",
    "wrong_width",
]


def integer_columns(plan: ColumnPlan) -> list[tuple[int, Target, tuple[str, int]]]:
    """The input positions, targets and types of the integer columns that do not draw
    from a sequence (those are checked as ids)."""
    found = []
    for index, target in enumerate(plan.targets):
        if target is not None and not target.sequenced:
            kind = integer_type(target.field)
            if kind is not None:
                found.append((index, target, kind))
    return found


def date_columns(plan: ColumnPlan) -> list[tuple[int, Target]]:
    """The input positions and targets of the columns that hold dates or timestamps."""
    return [(i, t) for i, t in enumerate(plan.targets) if t is not None and date_kind(t.field)]


def date_kinds(plan: ColumnPlan) -> list[tuple[int, Kind]]:
    """The input positions of the columns that hold dates or timestamps, and which."""
    return [
        (index, kind)
        for index, target in date_columns(plan)
        if (kind := date_kind(target.field)) is not None  # (always: a date column)
    ]


def wrong_width(row: list[str], plan: ColumnPlan, source: str, line: int) -> LoadError:
    """The error for a row (on ``line``) without as many values as the header has columns."""
    width = len(plan.inputs)
    if len(row) > width:
        return LoadError(
            f"{len(row)} values where the header has {width} columns",
            source=source,
            line=line,
            value=row[width],
        )
    return LoadError(
        f"{len(row)} values where the header has {width} columns: no value for "
        f"{plan.inputs[len(row)]!r}",
        source=source,
        line=line,
        column=plan.inputs[len(row)],
    )


def check_dates(
    rows: Rows, plan: ColumnPlan, dates: DateText, null: str, *, source: str, base_line: int
) -> None:
    """Refuse a block whose date or timestamp columns hold text in no form read.

    Raises:
        LoadError: naming the first such value, its line and column.
    """
    for index, target in date_columns(plan):
        values = rows.column(index)
        bad = dates.bad_values(values, target.field, null)
        if bad:
            raise LoadError(
                dates.reason(target.field),
                source=source,
                line=base_line + rows.start(bad[0]) + 1,
                column=target.name,
                value=values[bad[0]],
            )


def bad_rows(
    rows: Rows, plan: ColumnPlan, limits: IdLimits, dates: DateText, null: str
) -> dict[int, Fault]:
    """The rows of ``rows`` that cannot be sent, by index, each with its fault (the first
    found: a wrong number of values, then a bad id, a bad integer, a bad date).

    A column is taken out of the rows and checked whole at C speed (``map``, ``compress``,
    :func:`~..chunks.id_bounds`, :meth:`~..dates.DateText.bad_values`); it is looked at
    value by value only when it holds a bad one (measured on one million rows: 0.5 s of
    the reading thread's 3 s went to building (index, value) pairs row by row).
    """
    width = len(plan.inputs)
    bad: dict[int, Fault] = {}
    numbers: Sequence[int] = range(rows.count)
    column_at: Callable[[int], list[str]] = rows.column
    if rows.fitting(width) and rows.misfits:  # the other rows, and where each one is
        bad = {
            i: (f"{len(row)} values where the header has {width} columns", None, None)
            for i, row in rows.misfits.items()
        }
        fit = [i not in bad for i in numbers]
        numbers = list(itertools.compress(numbers, fit))
        column_at = lambda at: list(itertools.compress(rows.column(at), fit))  # noqa: E731
    elif not rows.fitting(width):  # the rows of the right width only, and where each one is
        values = rows.values
        whole = list(map(width.__eq__, map(len, values)))
        bad = {
            i: (f"{len(values[i])} values where the header has {width} columns", None, None)
            for i in itertools.compress(numbers, map(operator.not_, whole))
        }
        numbers = list(itertools.compress(numbers, whole))
        values = list(itertools.compress(values, whole))
        column_at = lambda at: list(map(operator.itemgetter(at), values))  # noqa: E731
    bad_dates = lambda at, target, column: dates.bad_values(column, target.field, null)  # noqa: E731
    value_faults(bad, numbers, column_at, plan, limits, null, bad_dates, dates)
    return bad


BadDates = Callable[[int, Target, list[str]], list[int]]
"""The indexes of the bad dates of a column: its input position, target and values."""


def value_faults(
    bad: dict[int, Fault],
    numbers: Sequence[int],
    column_at: Callable[[int], list[str]],
    plan: ColumnPlan,
    limits: IdLimits,
    null: str,
    bad_dates: BadDates,
    dates: DateText,
) -> None:
    """Add to ``bad`` the faults of the rows ``numbers`` (each row's first, in order: a bad
    id, a bad integer, a bad date), whose columns ``column_at`` gives by input position;
    ``bad_dates`` finds a date column's bad values."""
    for at, target in plan.sequenced():
        column = column_at(at)
        given = [v not in ("", null) for v in column] if "" in column or null in column else None
        try:  # the whole column at once; value by value only when it holds a bad id
            id_bounds(column if given is None else list(itertools.compress(column, given)),
                      target.column, limits)  # fmt: skip
        except BadId:
            for i, value in zip(numbers, column, strict=True):
                found = id_fault(value, target, limits) if value not in ("", null) else None
                if found is not None:
                    bad.setdefault(i, found)
    for at, target, kind in integer_columns(plan):
        column = column_at(at)
        for index, text in bad_integers(column, kind, null).items():
            bad.setdefault(numbers[index], fault(target, text, column[index]))
    for at, target in date_columns(plan):
        column = column_at(at)
        for index in bad_dates(at, target, column):
            bad.setdefault(numbers[index], date_fault(column[index], target, dates))


def fault(target: Target, reason: str, value: str) -> Fault:
    """The fault of ``target``'s ``value``, worded as the staged path words it."""
    return (f"{target.name!r}: {reason}", target.name, value)


def id_fault(value: str, target: Target, limits: IdLimits) -> Fault | None:
    """The fault of the id text ``value`` of ``target`` (neither empty nor NULL), if any."""
    try:
        id_bounds([value], target.column, limits)
    except BadId as exc:
        return fault(target, f"{exc.reason} ({value!r})", value)
    return None


def date_fault(value: str, target: Target, dates: DateText) -> Fault:
    """The fault of ``target``'s date or timestamp text ``value``, in no form read."""
    return fault(target, f"{dates.reason(target.field)} ({value!r})", value)


def repeated_rows(
    rows: Rows,
    plan: ColumnPlan,
    bad: dict[int, Fault],
    repeats: dict[str, RepeatedIds],
    null: str,
) -> dict[int, Fault]:
    """The rows not ``bad`` already whose id an earlier row of the input has (``repeats``
    holds what each id column has sent), with the staged path's reason."""
    found: dict[int, Fault] = {}
    for at, target in plan.sequenced():
        ids: list[str | None] = (
            list(rows.column(at))
            if rows.fitting(len(plan.inputs))
            else [row[at] if at < len(row) else None for row in rows.values]
        )
        for i in bad:
            ids[i] = None
        if "" in ids or null in ids:
            ids = [None if value in ("", null) else value for value in ids]
        sent = repeats.setdefault(target.column, RepeatedIds())
        text_of = cast("Callable[[int], str]", ids.__getitem__)  # (a repeated id is one)
        for i, repeated in repeat_faults(target, sent.repeated(ids), text_of).items():
            found.setdefault(i, repeated)
    return found


def repeat_faults(
    target: Target, repeated: list[int], text_of: Callable[[int], str]
) -> dict[int, Fault]:
    """The faults of the rows ``repeated`` (by index; see
    :meth:`.csv_numbers.RepeatedIds.repeated`), whose id an earlier row has: the staged
    path's reason, and the id as written (``text_of`` a row's index)."""
    found: dict[int, Fault] = {}
    for i in repeated:
        text = text_of(i)
        found[i] = (
            f"{target.name} {int(text)} appears more than once in the input",
            target.name,
            text,
        )
    return found


def cut_out(rows: Rows, text: str, base_line: int, bad: dict[int, Fault], rejects: Rejects) -> Rows:
    """``rows`` (the block ``text``, after line ``base_line``) without the ``bad`` ones,
    which go to ``rejects`` with their lines as they are in the text."""
    if rows.spans is None:
        return _cut_lines(rows, text, base_line, bad, rejects)
    offsets = line_offsets(text)
    kept: list[list[str]] = []
    spans: list[tuple[int, int]] = []
    for i, (row, (start, end)) in enumerate(zip(rows.values, rows.spans, strict=True)):
        if i not in bad:
            kept.append(row)
            spans.append((start, end))
            continue
        record = text[offsets[start] : offsets[end]].rstrip("\r\n")
        reason, column, value = bad[i]
        rejects.add(base_line + start + 1, reason, record, column=column, value=value)
    return Rows(kept, spans)


def _cut_lines(
    rows: Rows, text: str, base_line: int, bad: dict[int, Fault], rejects: Rejects
) -> Rows:
    """:func:`cut_out` for a block of one row per line: the bad lines are taken out of its
    lines and of its columns, at C speed but for the bad ones."""
    lines = text.split("\n")
    columns = None
    if rows.held_width is not None and set(rows.misfits) <= set(bad):  # kept as columns
        columns = [list(rows.column(index)) for index in range(rows.held_width)]
    kept_lines = list(range(rows.count))
    for i in sorted(bad):
        reason, column, value = bad[i]
        rejects.add(base_line + i + 1, reason, lines[i].rstrip("\r"), column=column, value=value)
    for i in sorted(bad, reverse=True):
        del lines[i], kept_lines[i]
        for column_values in columns or ():
            del column_values[i]
    spans = list(zip(kept_lines, map((1).__add__, kept_lines), strict=True))
    if columns is not None:
        result = Rows.from_columns(columns, spans)
    else:
        every_row = rows.values
        result = Rows([every_row[i] for i in kept_lines], spans)
    result.kept_text = "\n".join(lines)
    return result
