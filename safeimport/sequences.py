"""The sequence engine: find the sequence behind every table and move it to the right place.

"Right" means that the next value the sequence hands out is free: for an ascending sequence
the smallest ``START + k * INCREMENT`` above the largest id in every column that draws from
it (below the smallest id, for a descending one). A sequence is never moved backwards: a
sequence ahead of its data only leaves a harmless gap, while lowering one hands out ids that
are taken.

Sequences are found through the catalog, never by guessing names: ``pg_depend`` links a
serial or identity column to its sequence, and a column default ``nextval('...')`` links a
column to a sequence that it does not own (such a sequence may feed several tables; its
target is then taken over all of them).

The audit is one SQL statement however many tables it covers. The data's max and min of
each column and each sequence's ``last_value`` and ``is_called`` are read by statements that
PostgreSQL composes itself (``format('%I')`` quoting) and runs through ``ts_stat()``, the
one built-in function that runs a query text and returns rows on every server (the XML
functions need a server built with libxml). Tables and sequences are named by OID or
resolved with ``to_regclass``, so mixed-case names, quotes in names and tables in other
schemas or off ``search_path`` all work; no identifier is formatted into SQL here.

``setval`` is not transactional: a rollback does not undo it. The sync only ever raises a
sequence, and it reads the sequence and sets it in one statement, so at worst a rollback
leaves a gap.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from django.apps import apps as django_apps
from django.core.management.color import no_style
from django.db import DEFAULT_DB_ALIAS, connections, router
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import Model

from ._db import compose, is_postgresql
from .errors import SequenceError, SequenceExhaustedError

__all__ = [
    "Action",
    "Audit",
    "ColumnUse",
    "SequenceChange",
    "SequenceState",
    "SkippedTable",
    "Status",
    "SyncReport",
    "audit_sequences",
    "audit_tables",
    "raise_past",
    "reserve_sequences",
    "sync_sequences",
    "sync_states",
    "tables_of",
]

ModelRef = type[Model] | str

# The range of the integer column types, for "the next id does not fit the column".
_COLUMN_RANGES = {
    "smallint": (-(2**15), 2**15 - 1),
    "integer": (-(2**31), 2**31 - 1),
    "bigint": (-(2**63), 2**63 - 1),
}


class Status(StrEnum):
    """Where a sequence stands against the data of the columns that draw from it."""

    OK = "ok"
    """The next value is free."""
    AHEAD = "ahead"
    """The next value is free and past the exact target: a harmless gap, left alone."""
    BEHIND = "behind"
    """The next value is already taken (or will be): the next insert fails."""
    EMPTY = "empty"
    """No rows: any next value is free."""
    NOT_PERMITTED = "not permitted"
    """The current role may not read the sequence or the column."""
    INEXACT = "cannot sync exactly"
    """Not behind, but CACHE > 1 or CYCLE: other sessions may hand out values regardless."""
    EXHAUSTED = "exhausted"
    """The data is past MAXVALUE (MINVALUE) or its column's type: no free value is left."""


class Action(StrEnum):
    """What a sync did to one sequence."""

    RAISED = "raised"
    WOULD_RAISE = "would raise"
    UNCHANGED = "unchanged"
    NOT_PERMITTED = "not permitted"


@dataclass(frozen=True)
class ColumnUse:
    """One column that draws its values from a sequence."""

    table: str
    """The table's name as PostgreSQL prints it (schema-qualified when off ``search_path``)."""
    schema: str
    table_name: str
    column: str
    column_type: str
    link: str
    """How the column is tied to the sequence: ``identity always``, ``identity by default``,
    ``serial`` (owned by the column and its default), ``owned`` or ``default``."""
    model: str | None
    """The label (``app_label.ModelName``) of the model whose table this is, if one was asked."""
    readable: bool
    data_max: int | None
    data_min: int | None


@dataclass(frozen=True)
class SequenceState:
    """A sequence, the columns that draw from it, and how it stands against their data."""

    sequence: str
    """The sequence's name as PostgreSQL prints it."""
    schema: str
    name: str
    uses: tuple[ColumnUse, ...]
    data_type: str
    start: int
    increment: int
    min_value: int
    max_value: int
    cache: int
    cycle: bool
    last_value: int | None
    is_called: bool | None
    can_update: bool
    data_max: int | None
    """The largest value over every column that draws from the sequence."""
    data_min: int | None
    """The smallest value over every column that draws from the sequence."""
    target: int | None
    """The smallest next value that is free (largest, for a descending sequence)."""
    status: Status
    note: str = ""
    oid: int = field(default=0, repr=False)

    @property
    def descending(self) -> bool:
        """Whether the sequence counts down."""
        return self.increment < 0

    @property
    def next_value(self) -> int | None:
        """The value ``nextval()`` would return now, computed without consuming one."""
        if self.last_value is None:
            return None
        return self.last_value + self.increment if self.is_called else self.last_value

    @property
    def data_edge(self) -> int | None:
        """The data value the sequence must get past: max, or min when descending."""
        return self.data_min if self.descending else self.data_max

    @property
    def tables(self) -> tuple[str, ...]:
        """The tables that draw from the sequence."""
        return tuple(dict.fromkeys(use.table for use in self.uses))

    @property
    def models(self) -> tuple[str, ...]:
        """Labels of the asked-for models whose tables draw from the sequence."""
        return tuple(dict.fromkeys(use.model for use in self.uses if use.model))

    def as_dict(self) -> dict[str, Any]:
        """A JSON-ready dict of every field, plus ``next_value``."""
        data = dataclasses.asdict(self)
        data["next_value"] = self.next_value
        data["uses"] = [dataclasses.asdict(use) for use in self.uses]
        del data["oid"]
        return data


@dataclass(frozen=True)
class SkippedTable:
    """An asked-for table that has no sequence (a UUID primary key, say) or does not exist."""

    table: str
    model: str | None
    reason: str

    def as_dict(self) -> dict[str, Any]:
        """A JSON-ready dict."""
        return dataclasses.asdict(self)


@dataclass
class Audit:
    """The result of :func:`audit_sequences`: iterate it for the :class:`SequenceState` s."""

    sequences: list[SequenceState] = field(default_factory=list)
    skipped: list[SkippedTable] = field(default_factory=list)

    def __iter__(self) -> Iterator[SequenceState]:
        return iter(self.sequences)

    def __len__(self) -> int:
        return len(self.sequences)

    @property
    def behind(self) -> list[SequenceState]:
        """The sequences whose next value is taken or that have no free value left."""
        return [s for s in self.sequences if s.status in (Status.BEHIND, Status.EXHAUSTED)]

    def as_dict(self) -> dict[str, Any]:
        """A JSON-ready dict."""
        return {
            "sequences": [state.as_dict() for state in self.sequences],
            "skipped": [skipped.as_dict() for skipped in self.skipped],
        }


@dataclass(frozen=True)
class SequenceChange:
    """What a sync did to one sequence: its state before, and its next value before and after."""

    state: SequenceState
    action: Action
    next_before: int | None
    next_after: int | None

    @property
    def column(self) -> str:
        """The column (or columns, comma-separated) that draws from the sequence."""
        return ", ".join(dict.fromkeys(use.column for use in self.state.uses))

    def as_dict(self) -> dict[str, Any]:
        """A JSON-ready dict."""
        return {
            "sequence": self.state.sequence,
            "tables": list(self.state.tables),
            "models": list(self.state.models),
            "status": self.state.status,
            "action": self.action,
            "next_before": self.next_before,
            "next_after": self.next_after,
        }


@dataclass
class SyncReport:
    """The result of :func:`sync_sequences` (and of ``sequences_synced()`` on exit)."""

    changes: list[SequenceChange] = field(default_factory=list)
    skipped: list[SkippedTable] = field(default_factory=list)
    dry_run: bool = False

    def __iter__(self) -> Iterator[SequenceChange]:
        return iter(self.changes)

    def __len__(self) -> int:
        return len(self.changes)

    @property
    def moved(self) -> list[SequenceChange]:
        """The sequences that were raised (or would be, in a dry run)."""
        return [c for c in self.changes if c.action in (Action.RAISED, Action.WOULD_RAISE)]

    @property
    def not_permitted(self) -> list[SequenceChange]:
        """The sequences that were behind but that the current role may not update."""
        return [c for c in self.changes if c.action is Action.NOT_PERMITTED]

    def summary(self) -> str:
        """One line: which sequences moved, from which next value to which."""
        verb = "would move" if self.dry_run else "moved"
        if not self.moved:
            return f"{len(self.changes)} sequence(s) checked, none {verb}."
        moves = ", ".join(
            f"{c.state.sequence} {c.next_before} -> {c.next_after}" for c in self.moved
        )
        return f"{len(self.changes)} sequence(s) checked, {len(self.moved)} {verb}: {moves}."

    def as_dict(self) -> dict[str, Any]:
        """A JSON-ready dict."""
        return {
            "dry_run": self.dry_run,
            "changes": [change.as_dict() for change in self.changes],
            "skipped": [skipped.as_dict() for skipped in self.skipped],
        }


# --- which tables -------------------------------------------------------------------------


def resolve_models(
    models: Iterable[ModelRef] = (), *, apps: Iterable[str] = (), using: str | None = None
) -> list[type[Model]]:
    """Turn model classes, ``"app_label.Model"`` labels and app labels into model classes.

    With neither models nor apps: every installed model that the routers allow on ``using``.
    """
    models, apps = list(models), list(apps)
    found: list[type[Model]] = []
    try:
        for ref in models:
            found.append(django_apps.get_model(ref) if isinstance(ref, str) else ref)
        for label in apps:
            found.extend(django_apps.get_app_config(label).get_models(include_auto_created=True))
    except (LookupError, ValueError) as exc:
        raise SequenceError(str(exc)) from exc
    if not models and not apps:
        alias = using or DEFAULT_DB_ALIAS
        found = [
            model
            for model in django_apps.get_models(include_auto_created=True)
            if router.allow_migrate_model(alias, model)
        ]
    return found


def model_tables(models: Iterable[type[Model]]) -> dict[str, str]:
    """Map each table that writes to ``models`` touch to the label of a model that owns it.

    A proxy model stands for its concrete model; a multi-table-inheritance child brings its
    parents' tables; auto-created many-to-many tables come with the model that declares them.
    """
    tables: dict[str, str] = {}
    for model in models:
        concrete: type[Model] = model._meta.concrete_model or model
        for owner in (concrete, *concrete._meta.get_parent_list()):
            tables.setdefault(owner._meta.db_table, owner._meta.label)
            for m2m in owner._meta.local_many_to_many:
                through = m2m.remote_field.through
                if (
                    through is not None
                    and not isinstance(through, str)
                    and through._meta.auto_created
                ):
                    tables.setdefault(through._meta.db_table, through._meta.label)
    return tables


# --- the audit ----------------------------------------------------------------------------

# One statement. `requested` resolves the asked-for tables; `seq_link` is every
# (table, column, sequence) tie in the database, by ownership (serial, identity) or by a
# column default that calls nextval; `wanted` is every sequence tied to an asked-for table,
# and `item` every column tied to a wanted sequence (on any table: a shared sequence must get
# past all of them) plus a row for each asked-for table that has no sequence.
_AUDIT_SQL = """
WITH requested AS (
    SELECT r.ord, r.name, to_regclass(r.name) AS tbl
    FROM unnest(%(names)s::text[]) WITH ORDINALITY AS r(name, ord)
),
link AS (
    SELECT d.refobjid AS tbl, d.refobjsubid::int2 AS attnum, d.objid AS seq,
           true AS owned, false AS defaulted
    FROM pg_depend d
    WHERE d.classid = 'pg_class'::regclass AND d.refclassid = 'pg_class'::regclass
      AND d.deptype IN ('a', 'i') AND d.refobjsubid > 0
    UNION ALL
    SELECT ad.adrelid, ad.adnum, d.refobjid, false, true
    FROM pg_attrdef ad
    JOIN pg_depend d ON d.classid = 'pg_attrdef'::regclass AND d.objid = ad.oid
                    AND d.refclassid = 'pg_class'::regclass
),
seq_link AS (
    SELECT l.tbl, l.attnum, l.seq, bool_or(l.owned) AS owned, bool_or(l.defaulted) AS defaulted
    FROM link l JOIN pg_class s ON s.oid = l.seq AND s.relkind = 'S'
    GROUP BY l.tbl, l.attnum, l.seq
),
wanted AS (
    SELECT DISTINCT sl.seq FROM seq_link sl JOIN requested r ON r.tbl = sl.tbl
),
item AS (
    SELECT sl.seq, sl.tbl, sl.attnum, sl.owned, sl.defaulted, NULL::bigint AS ord
    FROM seq_link sl JOIN wanted w ON w.seq = sl.seq
    UNION ALL
    SELECT NULL, r.tbl, NULL, NULL, NULL, r.ord
    FROM requested r
    WHERE r.tbl IS NULL OR NOT EXISTS (SELECT FROM seq_link sl WHERE sl.tbl = r.tbl)
)
SELECT
    i.ord,
    (SELECT array_agg(r.ord) FROM requested r WHERE r.tbl = i.tbl) AS ords,
    i.seq::int8 AS seq_oid,
    i.seq::regclass::text AS seq_display, sn.nspname AS seq_schema, s.relname AS seq_name,
    i.tbl::regclass::text AS tbl_display, tn.nspname AS tbl_schema, t.relname AS tbl_name,
    a.attname AS column_name, format_type(a.atttypid, NULL) AS column_type, a.attidentity,
    i.owned, i.defaulted,
    format_type(ps.seqtypid, NULL) AS seq_type, ps.seqstart, ps.seqincrement, ps.seqmin,
    ps.seqmax, ps.seqcache, ps.seqcycle,
    has_sequence_privilege(i.seq, 'SELECT') AS seq_readable,
    has_sequence_privilege(i.seq, 'UPDATE') AS seq_updatable,
    has_column_privilege(i.tbl, i.attnum, 'SELECT') AS column_readable,
    data.words AS data_words, state.words AS state_words
FROM item i
LEFT JOIN pg_class s ON s.oid = i.seq
LEFT JOIN pg_namespace sn ON sn.oid = s.relnamespace
LEFT JOIN pg_sequence ps ON ps.seqrelid = i.seq
LEFT JOIN pg_class t ON t.oid = i.tbl
LEFT JOIN pg_namespace tn ON tn.oid = t.relnamespace
LEFT JOIN pg_attribute a ON a.attrelid = i.tbl AND a.attnum = i.attnum
LEFT JOIN LATERAL (
    SELECT array_agg(st.word) AS words FROM ts_stat(
        CASE WHEN i.seq IS NOT NULL AND has_column_privilege(i.tbl, i.attnum, 'SELECT')
        THEN format('SELECT to_tsvector(''simple'', concat_ws('' '', max(%%1$I), min(%%1$I)))'
                    ' FROM %%2$I.%%3$I', a.attname, tn.nspname, t.relname)
        ELSE 'SELECT NULL::tsvector' END) st
) data ON true
LEFT JOIN LATERAL (
    SELECT array_agg(st.word) AS words FROM ts_stat(
        CASE WHEN i.seq IS NOT NULL AND has_sequence_privilege(i.seq, 'SELECT')
        THEN format('SELECT to_tsvector(''simple'', concat_ws('' '', last_value, is_called))'
                    ' FROM %%I.%%I', sn.nspname, s.relname)
        ELSE 'SELECT NULL::tsvector' END) st
) state ON true
ORDER BY seq_display, tbl_display, column_name
"""


def _link_kind(row: dict[str, Any]) -> str:
    if row["attidentity"] == "a":
        return "identity always"
    if row["attidentity"] == "d":
        return "identity by default"
    if row["owned"] and row["defaulted"]:
        return "serial"
    return "owned" if row["owned"] else "default"


def _data_bounds(words: list[str] | None) -> tuple[int | None, int | None]:
    """Max and min from the lexemes of ``concat_ws(' ', max, min)`` (one lexeme if equal)."""
    if not words:
        return None, None
    values = sorted(int(word) for word in words)
    return values[-1], values[0]


def _sequence_position(words: list[str] | None) -> tuple[int | None, bool | None]:
    """``last_value`` and ``is_called`` from the lexemes of ``concat_ws(' ', ...)``."""
    if not words:
        return None, None
    is_called = "t" in words
    numbers = [word for word in words if word not in ("t", "f")]
    # last_value and "t"/"f" are distinct lexemes, so exactly one number is left.
    return int(numbers[0]), is_called


def _next_free(start: int, increment: int, edge: int) -> int:
    """The first value ``start + k * increment`` (k >= 0) past ``edge`` in the sequence's way."""
    if increment > 0:
        if edge < start:
            return start
        return start + ((edge - start) // increment + 1) * increment
    step = -increment
    if edge > start:
        return start
    return start - ((start - edge) // step + 1) * step


def _judged(state: SequenceState) -> SequenceState:
    """``state`` with its data bounds, status, target and note worked out from its uses."""
    uses = state.uses
    maxes = [use.data_max for use in uses if use.data_max is not None]
    mins = [use.data_min for use in uses if use.data_min is not None]
    state = dataclasses.replace(
        state,
        data_max=max(maxes) if maxes else None,
        data_min=min(mins) if mins else None,
    )
    status, target, note = _judge(state)
    return dataclasses.replace(state, status=status, target=target, note=note)


def value_limits(state: SequenceState) -> tuple[int, int]:
    """The values that fit the sequence (MINVALUE..MAXVALUE) and every column it feeds."""
    low, high = state.min_value, state.max_value
    for use in state.uses:
        column_low, column_high = _COLUMN_RANGES.get(use.column_type, (low, high))
        low, high = max(low, column_low), min(high, column_high)
    return low, high


def _past_the_end(state: SequenceState, edge: int, target: int) -> str:
    """Why ``target``, the next value past ``edge``, does not fit; empty if it does."""
    low, high = value_limits(state)
    if low <= target <= high:
        return ""
    limit = f"MINVALUE {low}" if state.descending else f"MAXVALUE {high}"
    return f"data reaches {edge}; the next free value {target} is past {limit}"


def _judge(state: SequenceState) -> tuple[Status, int | None, str]:
    """Status, target and note of a sequence, from its definition and its columns' data."""
    next_value = state.next_value
    if next_value is None:
        return Status.NOT_PERMITTED, None, "the current role may not read the sequence"
    unreadable = [f"{use.table}.{use.column}" for use in state.uses if not use.readable]
    if unreadable:
        return Status.NOT_PERMITTED, None, f"the current role may not read {unreadable[0]}"
    edge = state.data_edge
    if edge is None:
        return Status.EMPTY, None, ""
    descending = state.descending
    target = _next_free(state.start, state.increment, edge)
    exhausted = _past_the_end(state, edge, target)
    if exhausted:
        return Status.EXHAUSTED, target, exhausted
    behind = next_value >= edge if descending else next_value <= edge
    if behind:
        return Status.BEHIND, target, f"next value {next_value} is not past the data ({edge})"
    if state.cache > 1 or state.cycle:
        reasons = [f"CACHE {state.cache}"] if state.cache > 1 else []
        reasons += ["CYCLE"] if state.cycle else []
        note = f"{' and '.join(reasons)}: other sessions may hand out values it cannot see"
        return Status.INEXACT, target, note
    ahead = next_value < target if descending else next_value > target
    return (Status.AHEAD if ahead else Status.OK), target, ""


def _audit_rows(connection: BaseDatabaseWrapper, names: Sequence[str]) -> list[dict[str, Any]]:
    with connection.cursor() as cursor:
        cursor.execute(_AUDIT_SQL, {"names": list(names)})
        columns = [col[0] for col in cursor.description]
        return [dict(zip(columns, row, strict=True)) for row in cursor.fetchall()]


def audit_tables(connection: BaseDatabaseWrapper, tables: Mapping[str, str | None]) -> Audit:
    """Audit the sequences behind ``tables``: quoted names (as ``to_regclass`` reads them)
    mapped to the label of their model, or ``None``. One SQL statement."""
    names = list(tables)
    labels = list(tables.values())
    by_oid: dict[int, dict[str, Any]] = {}
    audit = Audit()
    for row in _audit_rows(connection, names):
        if row["seq_oid"] is None:
            index = row["ord"] - 1
            reason = "no sequence" if row["tbl_display"] else "no such table"
            audit.skipped.append(
                SkippedTable(row["tbl_display"] or names[index], labels[index], reason)
            )
            continue
        data_max, data_min = _data_bounds(row["data_words"])
        model = next((labels[o - 1] for o in row["ords"] or () if labels[o - 1]), None)
        use = ColumnUse(
            table=row["tbl_display"],
            schema=row["tbl_schema"],
            table_name=row["tbl_name"],
            column=row["column_name"],
            column_type=row["column_type"],
            link=_link_kind(row),
            model=model,
            readable=row["column_readable"],
            data_max=data_max,
            data_min=data_min,
        )
        entry = by_oid.setdefault(row["seq_oid"], {"row": row, "uses": []})
        entry["uses"].append(use)
    for oid, entry in by_oid.items():
        row = entry["row"]
        last_value, is_called = _sequence_position(row["state_words"])
        state = SequenceState(
            sequence=row["seq_display"],
            schema=row["seq_schema"],
            name=row["seq_name"],
            uses=tuple(entry["uses"]),
            data_type=row["seq_type"],
            start=row["seqstart"],
            increment=row["seqincrement"],
            min_value=row["seqmin"],
            max_value=row["seqmax"],
            cache=row["seqcache"],
            cycle=row["seqcycle"],
            last_value=last_value if row["seq_readable"] else None,
            is_called=is_called,
            can_update=row["seq_updatable"],
            data_max=None,
            data_min=None,
            target=None,
            status=Status.EMPTY,
            oid=oid,
        )
        audit.sequences.append(_judged(state))
    return audit


def _connection(using: str | None) -> BaseDatabaseWrapper:
    return connections[using or DEFAULT_DB_ALIAS]


def tables_of(
    connection: BaseDatabaseWrapper, models: Iterable[type[Model]]
) -> dict[str, str | None]:
    """The tables of ``models`` (see :func:`model_tables`), quoted as Django quotes them,
    mapped to their model's label: the input of :func:`audit_tables`."""
    quote = connection.ops.quote_name
    return {quote(table): label for table, label in model_tables(models).items()}


def audit_sequences(*models: ModelRef, apps: Iterable[str] = (), using: str | None = None) -> Audit:
    """Report where the sequence behind each table stands against its data.

    Args:
        *models: Model classes or ``"app_label.ModelName"`` labels.
        apps: App labels; every model of each app.
        using: The database alias (default ``"default"``).

    With neither ``models`` nor ``apps``, every installed model is audited. Proxy models
    stand for their concrete model; MTI parents and auto-created many-to-many tables are
    included. Tables without a sequence (a UUID key, say) are listed in ``Audit.skipped``.
    Reading needs no more than SELECT rights; what the role may not read is reported as
    ``Status.NOT_PERMITTED``. One SQL statement, however many models.

    Raises:
        SequenceError: an unknown model or app, or a database other than PostgreSQL.
    """
    connection = _connection(using)
    if not is_postgresql(connection):
        raise SequenceError(f"Auditing sequences needs PostgreSQL, not {connection.vendor}.")
    found = resolve_models(models, apps=apps, using=using)
    return audit_tables(connection, tables_of(connection, found))


_SETVAL_SQL = """
SELECT %s::int8 AS seq_oid, last_value, is_called,
       CASE WHEN ((CASE WHEN is_called THEN last_value::numeric + %s ELSE last_value END) - %s)
                 * sign(%s) < 0
            THEN setval(%s::int8::oid::regclass, %s, false) END AS new_next
FROM {}"""


def _raise_sequences(
    connection: BaseDatabaseWrapper, states: Sequence[SequenceState]
) -> dict[int, tuple[int, int | None]]:
    """Raise each sequence to its target unless it is already past it, in one statement.

    Returns, by sequence OID, the next value before and the new one (``None`` if the
    sequence had meanwhile got past the target by itself).
    """
    parts: list[str] = []
    params: list[Any] = []
    for state in states:
        parts.append(compose(connection, _SETVAL_SQL, (state.schema, state.name)))
        params += [
            state.oid,
            state.increment,
            state.target,
            state.increment,
            state.oid,
            state.target,
        ]
    result: dict[int, tuple[int, int | None]] = {}
    with connection.cursor() as cursor:
        cursor.execute(" UNION ALL ".join(parts), params)
        for oid, last_value, is_called, new_next in cursor.fetchall():
            step = next(s.increment for s in states if s.oid == oid)
            result[oid] = (last_value + step if is_called else last_value, new_next)
    return result


def raise_past(connection: BaseDatabaseWrapper, edges: Sequence[tuple[SequenceState, int]]) -> None:
    """Raise each sequence so that its next value is past ``edge``; never lower one.

    For reserving ids that are about to be written: ``edge`` is the largest incoming id
    (the smallest, for a descending sequence). One statement for all of them.

    Raises:
        SequenceExhaustedError: an edge leaves no free value; nothing was changed.
    """
    states: list[SequenceState] = []
    exhausted: list[SequenceState] = []
    for state, edge in edges:
        target = _next_free(state.start, state.increment, edge)
        note = _past_the_end(state, edge, target)
        replaced = dataclasses.replace(state, target=target, note=note)
        (exhausted if note else states).append(replaced)
    if exhausted:
        raise SequenceExhaustedError(
            [dataclasses.replace(s, status=Status.EXHAUSTED) for s in exhausted]
        )
    if states:
        _raise_sequences(connection, states)


def sync_states(
    connection: BaseDatabaseWrapper, audit: Audit, *, dry_run: bool = False
) -> SyncReport:
    """Raise every sequence of ``audit`` that is behind; see :func:`sync_sequences`."""
    exhausted = [state for state in audit if state.status is Status.EXHAUSTED]
    if exhausted and not dry_run:
        raise SequenceExhaustedError(exhausted)
    behind = [state for state in audit if state.status is Status.BEHIND]
    to_raise = [state for state in behind if state.can_update]
    raised = _raise_sequences(connection, to_raise) if to_raise and not dry_run else {}
    report = SyncReport(skipped=list(audit.skipped), dry_run=dry_run)
    for state in audit:
        action, after = Action.UNCHANGED, state.next_value
        before = state.next_value
        if state.status is Status.BEHIND and not state.can_update:
            action = Action.NOT_PERMITTED
        elif state.status is Status.BEHIND and dry_run:
            action, after = Action.WOULD_RAISE, state.target
        elif state.oid in raised:
            before, new_next = raised[state.oid]
            if new_next is not None:
                action, after = Action.RAISED, new_next
            else:
                after = before
        report.changes.append(SequenceChange(state, action, before, after))
    return report


def reserve_sequences(
    connection: BaseDatabaseWrapper,
    tables: dict[str, str | None],
    incoming: dict[tuple[str, str], tuple[int, int]],
    *,
    dry_run: bool = False,
) -> SyncReport:
    """Raise sequences past their data *and* past ids that are about to be written.

    Call it before the new rows become visible to other transactions (before the commit of
    a COPY into the table, or before ``INSERT ... SELECT`` from a staging table), so that a
    concurrent ``create()`` never draws an id that the import is writing.

    Args:
        connection: The connection of the import.
        tables: As for :func:`audit_tables` (see :func:`tables_of`).
        incoming: ``(model label, column) -> (min, max)`` of the ids about to be written.
        dry_run: Report, change nothing.
    """
    audit = audit_tables(connection, tables)
    for index, state in enumerate(audit.sequences):
        uses = []
        for use in state.uses:
            bounds = incoming.get((use.model or "", use.column))
            if bounds is not None:
                low, high = bounds
                use = dataclasses.replace(
                    use,
                    data_min=low if use.data_min is None else min(low, use.data_min),
                    data_max=high if use.data_max is None else max(high, use.data_max),
                )
            uses.append(use)
        audit.sequences[index] = _judged(dataclasses.replace(state, uses=tuple(uses)))
    return sync_states(connection, audit, dry_run=dry_run)


def sync_sequences(
    *models: ModelRef,
    apps: Iterable[str] = (),
    using: str | None = None,
    dry_run: bool = False,
) -> SyncReport:
    """Move every sequence that is behind its data to the first free value past it.

    Takes the same arguments as :func:`audit_sequences`, plus ``dry_run`` (report what
    would move, change nothing). A sequence is never lowered; one that the role may not
    update is reported as ``Action.NOT_PERMITTED``. Before anything changes, a sequence
    with no free value left raises :class:`~safeimport.errors.SequenceExhaustedError`
    (a dry run reports it with ``Status.EXHAUSTED`` instead).

    On a database other than PostgreSQL, Django's own sequence reset SQL is run and the
    report is empty (SQLite, MySQL and Oracle keep their counters past the data themselves).
    """
    connection = _connection(using)
    found = resolve_models(models, apps=apps, using=using)
    if not is_postgresql(connection):
        statements = connection.ops.sequence_reset_sql(no_style(), found)
        if statements and not dry_run:
            with connection.cursor() as cursor:
                for statement in statements:
                    cursor.execute(statement)
        return SyncReport(dry_run=dry_run)
    audit = audit_tables(connection, tables_of(connection, found))
    return sync_states(connection, audit, dry_run=dry_run)


next_free = _next_free  # the name the load path uses
