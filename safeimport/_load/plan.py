"""Which input column goes to which model field.

A plan is made once per load from the input's column names (a CSV header, the keys of the
first JSON object, a DataFrame's columns) before any row is read, so that an unknown or
missing column is an error that names it before anything is written.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db import models
from django.db.models import NOT_PROVIDED, Model, Value
from django.db.models.functions import Now
from django.utils import timezone

from .._db import real_name
from ..errors import LoadError, UnmatchedColumnsError
from .matching import FieldNames

__all__ = [
    "ColumnPlan",
    "ColumnsArg",
    "Target",
    "filled_by_django",
    "missing_value",
    "plan_columns",
]

ColumnsArg = Mapping[str, str | None] | Sequence[str] | None


@dataclass(frozen=True)
class Target:
    """A model field that one input column is written to."""

    name: str
    """The input's name for the column (a CSV header, a JSON key)."""
    field: models.Field[Any, Any]
    sequenced: bool = False
    """The column draws its values from a sequence (an auto or serial key, say)."""

    @property
    def column(self) -> str:
        """The table column."""
        return str(self.field.column)

    @property
    def is_json(self) -> bool:
        """Whether the field stores JSON (so dicts and lists are values, not errors)."""
        return isinstance(self.field, models.JSONField)


@dataclass
class ColumnPlan:
    """How the columns of an input map onto a model's table."""

    model: type[Model]
    inputs: list[str]
    """The input's column names, in input order."""
    targets: list[Target | None]
    """The field each input column goes to, or ``None`` when it is ignored."""
    defaults: list[tuple[models.Field[Any, Any], Any]] = field(default_factory=list)
    """Fields the input lacks that take their Django ``default``, and those that Django
    fills on insert (``auto_now``, ``auto_now_add``), filled in on the way."""
    given: int | None = None
    """How many of ``inputs`` the input itself names (the rest are fields that a sparse
    input's rows may give); ``None``: all of them."""

    @property
    def written(self) -> list[Target]:
        """The targets that are written, in input order."""
        return [target for target in self.targets if target is not None]

    @property
    def columns(self) -> list[str]:
        """The table columns that COPY writes: the written targets, then the defaults."""
        return [t.column for t in self.written] + [str(f.column) for f, _ in self.defaults]

    @property
    def passthrough(self) -> bool:
        """Whether rows go to COPY as they are (no column dropped, none added)."""
        return all(t is not None for t in self.targets) and not self.defaults

    def mapping(self) -> dict[str, str | None]:
        """The field each of the input's own columns goes to (``None``: ignored)."""
        pairs = list(zip(self.inputs, self.targets, strict=True))[: self.given]
        return {name: str(target.field.name) if target else None for name, target in pairs}

    def sequenced(self) -> list[tuple[int, Target]]:
        """The input positions and targets of the columns that draw from a sequence."""
        return [(i, t) for i, t in enumerate(self.targets) if t is not None and t.sequenced]

    def input_name(self, column: str) -> str:
        """The input's name for a table column as PostgreSQL names it (for messages)."""
        for target in self.written:
            if real_name(target.column) == column:
                return target.name
        return column


def _has_db_default(model_field: models.Field[Any, Any]) -> bool:
    return getattr(model_field, "db_default", NOT_PROVIDED) is not NOT_PROVIDED


def filled_by_django(model_field: models.Field[Any, Any]) -> bool:
    """Whether Django fills the field on every insert (``auto_now``, ``auto_now_add``):
    ``create()`` and ``bulk_create()`` store the time of the insert, whatever was given."""
    return bool(
        getattr(model_field, "auto_now", False) or getattr(model_field, "auto_now_add", False)
    )


def _now(model_field: models.Field[Any, Any]) -> Callable[[], Any]:
    """What Django's ``pre_save`` stores in an ``auto_now`` or ``auto_now_add`` field."""
    if isinstance(model_field, models.DateTimeField):
        return timezone.now
    if isinstance(model_field, models.DateField):
        return datetime.date.today
    return lambda: datetime.datetime.now().time()


def missing_value(model_field: models.Field[Any, Any]) -> Any:
    """The value ``create()`` stores in a field that it is not given: the field's
    ``default``, its ``db_default`` when that is a constant or ``Now()``, ``''`` for a
    text field that forbids NULL, else NULL.

    Raises:
        ValueError: the field needs a value (NOT NULL, no default), or its ``db_default``
            is an expression that only the database evaluates, row by row.
    """
    if model_field.has_default():
        return model_field.get_default()
    if _has_db_default(model_field):
        expression = model_field.db_default
        if isinstance(expression, Value):
            return expression.value
        if isinstance(expression, Now):
            return timezone.now()
        if not hasattr(expression, "resolve_expression"):
            return expression
        raise ValueError(
            f"its db_default ({expression}) is evaluated by the database row by row, which "
            "a row sent with the others cannot ask for; give it a value in every row"
        )
    value = model_field.get_default()  # '' for a text field that forbids NULL, else None
    if value is None and not model_field.null:
        raise ValueError("the field needs one (NOT NULL, no default)")
    return value


def _unnamed_fields(
    fields: FieldNames, inputs: Sequence[str], mapping: Mapping[str, str | None]
) -> list[str]:
    """The fields that no input column names, nor a mapping (columns that the database
    fills itself, such as GENERATED ALWAYS, left out)."""
    named = set()
    for name in inputs:
        wanted = mapping.get(name, name)
        found = fields.find(wanted) if wanted else None
        if found is not None:
            named.add(found.name)
    return [
        str(f.name)
        for f in fields.fields
        if f.name not in named and not getattr(f, "db_returning", False)
    ]


def plan_columns(
    model: type[Model],
    inputs: Sequence[str],
    *,
    columns: ColumnsArg = None,
    ignore_unknown: bool = False,
    sequenced: Iterable[str] = (),
    sparse: bool = False,
    source: str,
    line: int | None = None,
) -> ColumnPlan:
    """Map input columns onto ``model``'s fields.

    Args:
        model: The (concrete) model to load.
        inputs: The input's column names, in order.
        columns: ``{input name: field name}`` (``None`` ignores the column), or, for an
            input without names, the field names in input order. Field names and attnames
            (``playlist_id``) are both accepted, and so are column names. An input column
            that the mapping does not name matches a field as :mod:`.matching` says:
            exactly, else regardless of case, spaces and underscores, and by verbose_name.
        ignore_unknown: Ignore input columns that match no field instead of failing.
        sequenced: Table columns that draw from a sequence.
        sparse: Any row may have any field (JSON objects): every field that no input
            column names is planned too, after the input's columns.
        source: The input's name, for errors.
        line: The line that names the columns (a header), for errors.

    Raises:
        UnmatchedColumnsError: input columns that match no field (all of them).
        LoadError: two columns go to one field, or a field that needs a value (NOT NULL,
            no default) has no column.
    """
    label = model._meta.label
    if model._meta.parents:
        raise LoadError(
            f"{label} is a multi-table-inheritance child; load its parent and its own table "
            "separately",
            source=source,
        )
    fields = FieldNames(model)
    mapping: Mapping[str, str | None] = columns if isinstance(columns, Mapping) else {}
    unknown_in_mapping = [name for name in mapping.values() if name and not fields.exact(name)]
    if unknown_in_mapping:
        raise LoadError(
            f"the column mapping names {unknown_in_mapping[0]!r}, which is not a field of "
            f"{label} (fields: {', '.join(fields.names)})",
            source=source,
        )
    given = len(inputs)
    if sparse:
        inputs = [*inputs, *_unnamed_fields(fields, inputs, mapping)]
    sequenced = set(sequenced)
    targets: list[Target | None] = []
    seen: dict[str, str] = {}
    unmatched: dict[str, list[str]] = {}
    for name in inputs:
        wanted = mapping.get(name, name)
        if wanted is None:
            targets.append(None)
            continue
        model_field = fields.exact(wanted) if name in mapping else fields.find(wanted)
        if model_field is None:
            targets.append(None)
            if not ignore_unknown:
                unmatched[name] = fields.close_to(name)
            continue
        if filled_by_django(model_field):
            targets.append(None)  # replaced by the time of the load, as create() does
            continue
        if model_field.name in seen:
            raise LoadError(
                f"columns {seen[model_field.name]!r} and {name!r} both go to field "
                f"{model_field.name!r}",
                source=source,
                line=line,
                column=name,
            )
        seen[model_field.name] = name
        targets.append(Target(name, model_field, sequenced=model_field.column in sequenced))
    if unmatched:
        raise UnmatchedColumnsError(unmatched, fields.names, label, source=source, line=line)
    defaults = []
    for model_field in model._meta.local_concrete_fields:
        drawn = model_field.column in sequenced or getattr(model_field, "db_returning", False)
        if model_field.name in seen or drawn:
            continue
        if filled_by_django(model_field):
            defaults.append((model_field, _now(model_field)))
        elif model_field.has_default():
            defaults.append((model_field, model_field.get_default))
        elif not (model_field.null or _has_db_default(model_field)):
            raise LoadError(
                f"no column for field {model_field.name!r} of {label}, which needs a value "
                "(NOT NULL, no default)",
                source=source,
                line=line,
            )
    return ColumnPlan(model, list(inputs), targets, defaults, given)
