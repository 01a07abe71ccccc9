"""Which tables a set of models writes to: the input of an audit.

A model is named by its class or its ``"app_label.ModelName"`` label, or comes with its app.
A proxy model stands for its concrete model; a multi-table-inheritance child brings its
parents' tables; auto-created many-to-many tables come with the model that declares them.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.apps import apps as django_apps
from django.db import DEFAULT_DB_ALIAS, connections, router
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import Model

from ..errors import SequenceError

__all__ = ["ModelRef", "connection_for", "model_tables", "resolve_models", "tables_of"]

ModelRef = type[Model] | str


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
