"""Discovery: which tables a set of models writes to, which sequences feed them, and where
those sequences and their columns' data stand.

Sequences are found through the catalog, never by guessing names: ``pg_depend`` links a
serial or identity column to its sequence, and a column default ``nextval('...')`` links a
column to a sequence that it does not own (such a sequence may feed several tables; its
target is then taken over all of them).

An audit is two SQL statements, however many tables it covers:

1. The catalog statement reads, for every asked-for table at once, the links between
   columns and sequences, each sequence's definition, the role's privileges and each
   column's type. It starts from the asked-for tables (index lookups in ``pg_depend``), so
   its cost follows their number, not the size of the database. Tables are resolved with
   ``to_regclass`` and named by OID, so mixed-case names, quotes in names and tables in
   other schemas or off ``search_path`` all work.
2. The data statement is one ``UNION ALL`` composed here with the driver's
   ``sql.Identifier``: ``max(col), min(col)`` of every readable integer column and
   ``last_value, is_called`` of every readable sequence, one row each, tagged by a number.
   It takes no parameters (the tags are number literals), so a ``%`` in a name is never
   read as a placeholder.

Only integer columns are audited. A column such as ``'INV-' || nextval('invoice_no_seq')``
holds text that no sequence arithmetic applies to; it is listed in ``Audit.skipped``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.apps import apps as django_apps
from django.db import DEFAULT_DB_ALIAS, connections, router
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import Model

from .._db import compose, is_postgresql
from ..errors import SequenceError
from ._report import Audit, ColumnUse, SequenceState, SkippedTable, Status
from ._rules import is_integer_type, judged

__all__ = [
    "ModelRef",
    "audit_sequences",
    "audit_tables",
    "connection_for",
    "model_tables",
    "resolve_models",
    "tables_of",
]

ModelRef = type[Model] | str


# --- which tables -------------------------------------------------------------------------


def connection_for(using: str | None) -> BaseDatabaseWrapper:
    """The connection of the alias ``using`` (``"default"`` when ``None``)."""
    return connections[using or DEFAULT_DB_ALIAS]


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


def tables_of(
    connection: BaseDatabaseWrapper, models: Iterable[type[Model]]
) -> dict[str, str | None]:
    """The tables of ``models`` (see :func:`model_tables`), quoted as Django quotes them,
    mapped to their model's label: the input of :func:`audit_tables`."""
    quote = connection.ops.quote_name
    return {quote(table): label for table, label in model_tables(models).items()}


# --- statement 1: the catalog -------------------------------------------------------------

# Driven by the asked-for tables, so that its cost follows their number, not the database's
# size: `requested` resolves them; `asked_link` is every sequence tied to one of their
# columns, by ownership (serial, identity: the sequence depends on the column) or by a
# column default that calls nextval (the default depends on the sequence); `link` is every
# column tied to one of those sequences, on any table (a shared sequence must get past all
# of them); `item` is those columns plus a row for each asked-for table without a sequence.
_CATALOG_SQL = """
WITH requested AS (
    SELECT r.ord, r.name, to_regclass(r.name) AS tbl
    FROM unnest(%(names)s::text[]) WITH ORDINALITY AS r(name, ord)
),
asked_link AS (
    SELECT d.objid AS seq
    FROM requested r
    JOIN pg_depend d ON d.refclassid = 'pg_class'::regclass AND d.refobjid = r.tbl
                    AND d.refobjsubid > 0 AND d.classid = 'pg_class'::regclass
                    AND d.deptype IN ('a', 'i')
    UNION
    SELECT d.refobjid
    FROM requested r
    JOIN pg_attrdef ad ON ad.adrelid = r.tbl
    JOIN pg_depend d ON d.classid = 'pg_attrdef'::regclass AND d.objid = ad.oid
                    AND d.refclassid = 'pg_class'::regclass
),
wanted AS (
    SELECT al.seq FROM asked_link al JOIN pg_class s ON s.oid = al.seq AND s.relkind = 'S'
),
link AS (
    SELECT d.refobjid AS tbl, d.refobjsubid::int2 AS attnum, w.seq,
           true AS owned, false AS defaulted
    FROM wanted w
    JOIN pg_depend d ON d.classid = 'pg_class'::regclass AND d.objid = w.seq
                    AND d.refclassid = 'pg_class'::regclass AND d.refobjsubid > 0
                    AND d.deptype IN ('a', 'i')
    UNION ALL
    SELECT ad.adrelid, ad.adnum, w.seq, false, true
    FROM wanted w
    JOIN pg_depend d ON d.refclassid = 'pg_class'::regclass AND d.refobjid = w.seq
                    AND d.classid = 'pg_attrdef'::regclass
    JOIN pg_attrdef ad ON ad.oid = d.objid
),
seq_link AS (
    SELECT l.tbl, l.attnum, l.seq, bool_or(l.owned) AS owned, bool_or(l.defaulted) AS defaulted
    FROM link l
    GROUP BY l.tbl, l.attnum, l.seq
),
item AS (
    SELECT sl.seq, sl.tbl, sl.attnum, sl.owned, sl.defaulted, NULL::bigint AS ord
    FROM seq_link sl
    UNION ALL
    SELECT NULL, r.tbl, NULL, NULL, NULL, r.ord
    FROM requested r
    WHERE r.tbl IS NULL OR NOT EXISTS (SELECT FROM seq_link sl WHERE sl.tbl = r.tbl)
),
asked AS (
    SELECT tbl, array_agg(ord) AS ords FROM requested WHERE tbl IS NOT NULL GROUP BY tbl
)
SELECT
    i.ord, asked.ords,
    i.seq::int8 AS seq_oid,
    i.seq::regclass::text AS seq_display, sn.nspname AS seq_schema, s.relname AS seq_name,
    i.tbl::regclass::text AS tbl_display, tn.nspname AS tbl_schema, t.relname AS tbl_name,
    a.attname AS column_name,
    format_type(CASE WHEN ty.typtype = 'd' THEN ty.typbasetype ELSE a.atttypid END, NULL)
        AS column_type,
    a.attidentity, i.owned, i.defaulted,
    format_type(ps.seqtypid, NULL) AS seq_type, ps.seqstart, ps.seqincrement, ps.seqmin,
    ps.seqmax, ps.seqcache, ps.seqcycle,
    has_sequence_privilege(i.seq, 'SELECT') AS seq_readable,
    has_sequence_privilege(i.seq, 'UPDATE') AS seq_updatable,
    has_column_privilege(i.tbl, i.attnum, 'SELECT') AS column_readable
FROM item i
LEFT JOIN asked ON asked.tbl = i.tbl
LEFT JOIN pg_class s ON s.oid = i.seq
LEFT JOIN pg_namespace sn ON sn.oid = s.relnamespace
LEFT JOIN pg_sequence ps ON ps.seqrelid = i.seq
LEFT JOIN pg_class t ON t.oid = i.tbl
LEFT JOIN pg_namespace tn ON tn.oid = t.relnamespace
LEFT JOIN pg_attribute a ON a.attrelid = i.tbl AND a.attnum = i.attnum
LEFT JOIN pg_type ty ON ty.oid = a.atttypid
ORDER BY seq_display, tbl_display, column_name
"""


def _catalog_rows(connection: BaseDatabaseWrapper, names: Sequence[str]) -> list[dict[str, Any]]:
    with connection.cursor() as cursor:
        cursor.execute(_CATALOG_SQL, {"names": list(names)})
        columns = [col[0] for col in cursor.description]
        return [dict(zip(columns, row, strict=True)) for row in cursor.fetchall()]


def _link_kind(row: dict[str, Any]) -> str:
    if row["attidentity"] == "a":
        return "identity always"
    if row["attidentity"] == "d":
        return "identity by default"
    if row["owned"] and row["defaulted"]:
        return "serial"
    return "owned" if row["owned"] else "default"


# --- statement 2: the data ----------------------------------------------------------------

# Each part is one row: its key, then max and min of a column, or last_value and is_called
# of a sequence. Every field is filled by the driver: the key as a number, names as
# identifiers.
_COLUMN_PART = "SELECT {}, max({})::int8, min({})::int8, NULL::boolean FROM {}"
_SEQUENCE_PART = "SELECT {}, last_value, NULL::int8, is_called FROM {}"


_UNREAD = -1
"""The key of a column or sequence that the role may not read: no row, no values."""


@dataclass
class _Reads:
    """What statement 2 is to read, keyed by the number that tags its row."""

    templates: list[str] = field(default_factory=list)
    fields: list[tuple[str, ...] | int] = field(default_factory=list)
    keys: dict[tuple[str, ...], int] = field(default_factory=dict)

    def column(self, row: dict[str, Any]) -> int:
        """Read max and min of the column of a catalog row; the key of its values' row."""
        if not row["column_readable"]:
            return _UNREAD
        table, column = (row["tbl_schema"], row["tbl_name"]), row["column_name"]
        return self._add(_COLUMN_PART, (*table, column), [(column,), (column,), table])

    def sequence(self, row: dict[str, Any]) -> int:
        """Read ``last_value`` and ``is_called`` of the sequence of a catalog row."""
        if not row["seq_readable"]:
            return _UNREAD
        sequence = (row["seq_schema"], row["seq_name"])
        return self._add(_SEQUENCE_PART, sequence, [sequence])

    def _add(self, template: str, name: tuple[str, ...], names: list[tuple[str, ...]]) -> int:
        if name not in self.keys:
            key = self.keys[name] = len(self.keys)
            self.templates.append(template)
            self.fields += [key, *names]
        return self.keys[name]

    def run(self, connection: BaseDatabaseWrapper) -> dict[int, tuple[Any, Any, Any]]:
        """Send every read as one statement; each row's values by key."""
        if not self.templates:
            return {}
        statement = compose(connection, " UNION ALL ".join(self.templates), *self.fields)
        with connection.cursor() as cursor:
            cursor.execute(statement)
            return {key: (first, second, called) for key, first, second, called in cursor}


@dataclass
class _Sequence:
    """A sequence met in the catalog: its row, the key of its read, its integer columns
    (each with its row, its model's label and the key of its read)."""

    row: dict[str, Any]
    key: int
    columns: list[tuple[dict[str, Any], str | None, int]] = field(default_factory=list)


def _skipped_column(row: dict[str, Any], model: str | None) -> SkippedTable:
    reason = (
        f"column {row['column_name']} ({row['column_type']}) draws from {row['seq_display']}; "
        "only integer columns are audited"
    )
    return SkippedTable(row["tbl_display"], model, reason)


def _column_use(row: dict[str, Any], model: str | None, values: tuple[Any, ...]) -> ColumnUse:
    data_max, data_min, _ = values
    return ColumnUse(
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


def _sequence_state(
    row: dict[str, Any], uses: tuple[ColumnUse, ...], values: tuple[Any, ...]
) -> SequenceState:
    """The judged state of one sequence, from its catalog row, its columns and its values."""
    last_value, _, is_called = values
    state = SequenceState(
        sequence=row["seq_display"],
        schema=row["seq_schema"],
        name=row["seq_name"],
        uses=uses,
        data_type=row["seq_type"],
        start=row["seqstart"],
        increment=row["seqincrement"],
        min_value=row["seqmin"],
        max_value=row["seqmax"],
        cache=row["seqcache"],
        cycle=row["seqcycle"],
        last_value=last_value,
        is_called=is_called,
        can_update=row["seq_updatable"],
        data_max=None,
        data_min=None,
        target=None,
        status=Status.EMPTY,
        oid=row["seq_oid"],
    )
    return judged(state)


def audit_tables(connection: BaseDatabaseWrapper, tables: Mapping[str, str | None]) -> Audit:
    """Audit the sequences behind ``tables``: quoted names (as ``to_regclass`` reads them)
    mapped to the label of their model, or ``None``. Two SQL statements in all."""
    names = list(tables)
    labels = list(tables.values())
    audit = Audit()
    reads = _Reads()
    found: dict[int, _Sequence] = {}
    for row in _catalog_rows(connection, names):
        if row["seq_oid"] is None:
            index = row["ord"] - 1
            reason = "no sequence" if row["tbl_display"] else "no such table"
            audit.skipped.append(
                SkippedTable(row["tbl_display"] or names[index], labels[index], reason)
            )
            continue
        model = next((labels[o - 1] for o in row["ords"] or () if labels[o - 1]), None)
        if not is_integer_type(row["column_type"]):
            audit.skipped.append(_skipped_column(row, model))
            continue
        if row["seq_oid"] not in found:
            found[row["seq_oid"]] = _Sequence(row, reads.sequence(row))
        found[row["seq_oid"]].columns.append((row, model, reads.column(row)))
    values = reads.run(connection)
    nothing = (None, None, None)
    for sequence in found.values():
        uses = tuple(
            _column_use(row, model, values.get(key, nothing))
            for row, model, key in sequence.columns
        )
        audit.sequences.append(
            _sequence_state(sequence.row, uses, values.get(sequence.key, nothing))
        )
    return audit


def audit_sequences(*models: ModelRef, apps: Iterable[str] = (), using: str | None = None) -> Audit:
    """Report where the sequence behind each table stands against its data.

    Args:
        *models: Model classes or ``"app_label.ModelName"`` labels.
        apps: App labels; every model of each app.
        using: The database alias (default ``"default"``).

    With neither ``models`` nor ``apps``, every installed model is audited. Proxy models
    stand for their concrete model; MTI parents and auto-created many-to-many tables are
    included. Tables without a sequence (a UUID key, say) and columns that draw from a
    sequence but hold no integers are listed in ``Audit.skipped``. Reading needs no more
    than SELECT rights; what the role may not read is reported as ``Status.NOT_PERMITTED``.
    Two SQL statements, however many models.

    Raises:
        SequenceError: an unknown model or app, or a database other than PostgreSQL.
    """
    connection = connection_for(using)
    if not is_postgresql(connection):
        raise SequenceError(f"Auditing sequences needs PostgreSQL, not {connection.vendor}.")
    found = resolve_models(models, apps=apps, using=using)
    return audit_tables(connection, tables_of(connection, found))
