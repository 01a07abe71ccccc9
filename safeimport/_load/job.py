"""One load of one input into one model: what its stages share."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from django.core.exceptions import FieldDoesNotExist
from django.db import DEFAULT_DB_ALIAS, router
from django.db.models import Field, Model

from ..errors import LoadError
from .chunks import Positions
from .dates import DateText
from .inputs import Input
from .options import LoadOptions
from .plan import ColumnPlan, plan_columns
from .rejects import Rejects

__all__ = ["Job"]


@dataclass
class Job:
    """The model, the input, the options, and what the load learns as it goes.

    Args:
        model: The model loaded (a proxy stands for its concrete model).
        data: The input.
        options: The load's options.
    """

    model: type[Model]
    data: Input
    options: LoadOptions
    positions: Positions = field(default_factory=Positions)
    """Which source line each row sent to COPY came from."""
    rejects: Rejects | None = None
    """The rows set aside (``on_error="skip"``)."""
    plan: ColumnPlan | None = None
    """Which input column goes to which field, once planned."""
    joined: bool = False
    """Whether the load runs inside the caller's transaction (a savepoint of it): its
    deferred constraints are then the commit's to check, as the caller chose."""

    def __post_init__(self) -> None:
        self.model = self.model._meta.concrete_model or self.model
        self.data.dates = DateText(self.options.date_order)
        if self.options.on_error == "skip":
            self.rejects = Rejects(self.data.name, self.options.max_errors)
            self.data.set_aside(self.rejects)

    @property
    def alias(self) -> str:
        """The database alias the load writes to: ``using``, else where the routers send
        the model's writes (as ``bulk_create`` does)."""
        return self.options.using or router.db_for_write(self.model) or DEFAULT_DB_ALIAS

    @property
    def label(self) -> str:
        """The model's label, ``app_label.ModelName``."""
        return str(self.model._meta.label)

    @property
    def table(self) -> str:
        """The model's ``db_table``, as Django spells it."""
        return str(self.model._meta.db_table)

    @property
    def source(self) -> str:
        """The input's name, for messages."""
        return self.data.name

    def make_plan(self, sequenced: Iterable[str] = ()) -> ColumnPlan:
        """Match the input's columns to the model's fields (``sequenced``: the table columns
        that draw from a sequence); see :func:`.plan.plan_columns`.

        Raises:
            LoadError: an input column that matches no field, or a field without a column
                that needs one.
        """
        names, line = self.data.columns()
        self.plan = plan_columns(
            self.model,
            names,
            columns=self.options.columns,
            ignore_unknown=self.options.ignore_unknown_columns,
            sequenced=sequenced,
            sparse=self.data.sparse,
            source=self.source,
            line=line,
        )
        return self.plan

    def input_name(self, column: str) -> str:
        """The input's name for a table column as PostgreSQL names it (for messages)."""
        return self.plan.input_name(column) if self.plan is not None else column

    def conflict_fields(self) -> list[str]:
        """The names of the fields whose values tell a taken key: ``conflict_fields``, or
        the primary key's (each field of a composite one)."""
        if self.options.conflict_fields:
            return list(self.options.conflict_fields)
        key = self.model._meta.pk
        parts = getattr(key, "fields", None)  # a CompositePrimaryKey (Django 5.2+)
        return [str(f.name) for f in parts] if parts else [str(key.name)]

    def conflict_columns(self) -> list[str]:
        """The columns whose values tell a taken key: ``conflict_fields``, or the primary key.

        Raises:
            LoadError: a conflict field that is not a column of the model.
        """
        names = self.conflict_fields()
        columns = []
        for name in names:
            try:
                model_field = self.model._meta.get_field(name)
            except FieldDoesNotExist:
                model_field = None
            if not isinstance(model_field, Field) or model_field.column is None:
                raise LoadError(
                    f"conflict_fields names {name!r}, which is not a column of {self.label}"
                )
            columns.append(str(model_field.column))
        return columns

    def restart(self) -> None:
        """Read the input again from its start (the direct path found a stray id, or in
        skip mode a row that the table refuses).

        Raises:
            LoadError: the input cannot be read a second time.
        """
        fresh = self.data.reopen()
        if fresh is None:  # only an input that can be read again takes the direct path
            raise LoadError("the input cannot be read a second time", source=self.source)
        fresh.dates = self.data.dates
        self.data.close()
        self.data = fresh
        self.positions = Positions()
        if self.rejects is not None:  # the rows set aside are found again
            self.rejects = Rejects(self.data.name, self.options.max_errors)
            fresh.set_aside(self.rejects)
