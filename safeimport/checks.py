"""System checks ``safeimport.W001`` (a sequence is behind its table's data) and
``safeimport.W002`` (the sequences could not be audited, and why).

It is a database check (Django's ``databases=`` convention): it runs with
``manage.py check --database default`` and before ``migrate``, never on a plain ``check``.
A check must never stop ``migrate``: whatever goes wrong while auditing becomes W002, and
the audit runs in a savepoint, so a failed query leaves the caller's transaction usable.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from django.apps import AppConfig
from django.core.checks import CheckMessage, Tags, Warning, register
from django.db import connections, transaction

from ._db import is_postgresql
from .sequences import Status, audit_tables, tables_of

__all__ = ["check_sequences"]


@register(Tags.database)
def check_sequences(
    app_configs: Sequence[AppConfig] | None,
    databases: Iterable[str] | None = None,
    **kwargs: Any,
) -> list[CheckMessage]:
    """Warn about every sequence that is behind (or past the end of) its data."""
    if not databases:
        return []
    if app_configs is None:
        from django.apps import apps

        app_configs = list(apps.get_app_configs())
    models = [m for config in app_configs for m in config.get_models(include_auto_created=True)]
    messages: list[CheckMessage] = []
    for alias in databases:
        connection = connections[alias]
        if not is_postgresql(connection):
            continue
        try:
            with transaction.atomic(using=alias):
                audit = audit_tables(connection, tables_of(connection, models))
        except Exception as exc:  # any failure becomes W002: a check must not stop migrate
            first_line = next(iter(str(exc).strip().splitlines()), "")
            cause = f"{type(exc).__name__}: {first_line}"
            messages.append(
                Warning(f"Could not audit sequences on {alias!r}: {cause}", id="safeimport.W002")
            )
            continue
        for state in audit.behind:
            exhausted = state.status is Status.EXHAUSTED
            messages.append(
                Warning(
                    f"Sequence {state.sequence} of {', '.join(state.tables)} on database "
                    f"{alias!r} is {state.status}: {state.note}.",
                    hint=(
                        "The data has used up the sequence; widen the column and sequence."
                        if exhausted
                        else f"Run: python manage.py fix_sequences --database {alias}"
                    ),
                    obj=state.models[0] if state.models else state.sequence,
                    id="safeimport.W001",
                )
            )
    return messages
