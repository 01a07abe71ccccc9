"""After ``migrate``: report, or repair, the sequences that the migrations left behind.

A data migration that inserts rows with their ids (``RunPython`` with ``bulk_create``, a
``RunSQL`` with ``INSERT ... VALUES (1, ...)``) leaves the table's sequence behind, and the
first ``create()`` after the deploy fails. Opt in with a setting::

    SAFEIMPORT_AFTER_MIGRATE = "check"   # log a warning and print the sequences left behind
    SAFEIMPORT_AFTER_MIGRATE = "fix"     # raise them past the data, and say which moved
    SAFEIMPORT_AFTER_MIGRATE = None      # the default: nothing runs

The handler listens to ``post_migrate``. It looks at every model of the apps whose
migrations ran, forwards or backwards, in that ``migrate`` (those the routers allow on its
database), with one audit statement. It runs once per ``migrate``, after the
``post_migrate`` handlers of every other app but the last one. It does nothing when there
was nothing to migrate, on a database other than PostgreSQL, and when ``flush`` sends the
signal. What it finds goes to the ``safeimport`` logger (a warning for a sequence still
behind, info for one it moved) and, at verbosity 1 or more, to ``migrate``'s output.
A sequence with no free value left is reported, never raised: ``migrate`` does not fail
after its migrations have been applied.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

from django.apps import AppConfig
from django.apps import apps as django_apps
from django.core.management.base import OutputWrapper
from django.db import DEFAULT_DB_ALIAS, connections, router
from django.db.migrations import Migration
from django.db.models import Model

from ._health import after_migrate_mode, describe
from .errors import SafeImportError
from .sequences import Audit, Status, SyncReport, audit_sequences, sync_sequences

__all__ = ["after_migrate"]

logger = logging.getLogger("safeimport")


def _is_last_sender(sender: AppConfig) -> bool:
    """Whether ``sender`` gets ``post_migrate`` last: Django sends it to every app that has
    a models module, in the order of ``INSTALLED_APPS``."""
    with_models = [c for c in django_apps.get_app_configs() if c.models_module is not None]
    return bool(with_models) and sender is with_models[-1]


def migrated_models(plan: Sequence[tuple[Migration, bool]], using: str) -> list[type[Model]]:
    """The models of the apps that ``plan`` migrated, as the routers allow them on ``using``."""
    labels = dict.fromkeys(migration.app_label for migration, _backwards in plan)
    models: list[type[Model]] = []
    for label in labels:
        try:
            config = django_apps.get_app_config(label)
        except LookupError:  # a migration of an app no longer installed
            continue
        models.extend(
            model
            for model in config.get_models(include_auto_created=True)
            if router.allow_migrate_model(using, model)
        )
    return models


def _report_behind(audit: Audit, using: str) -> list[str]:
    """The warning for the sequences still behind or exhausted; no lines when none is."""
    if not audit.behind:
        return []
    lines = [
        f"{len(audit.behind)} sequence(s) behind their data after migrate on database {using!r}:",
        *(f"  {line}" for line in describe(audit.behind)),
    ]
    if any(state.status is Status.BEHIND for state in audit.behind):
        lines.append(f"  Run: python manage.py fix_sequences --database {using}")
    return lines


def _report_moves(report: SyncReport, using: str) -> list[str]:
    """The lines for the sequences that a fix moved; no lines when none moved."""
    if not report.moved:
        return []
    return [
        f"moved {len(report.moved)} sequence(s) that migrate left behind on database {using!r}:",
        *(
            f"  {c.state.sequence} ({', '.join(c.state.models or c.state.tables)}): "
            f"next value {c.next_before} -> {c.next_after}"
            for c in report.moved
        ),
    ]


def _fix(audit: Audit, using: str) -> tuple[list[str], list[str]]:
    """Raise the sequences that are behind; return the lines for info and for warning."""
    behind = [state for state in audit.behind if state.status is Status.BEHIND]
    labels = dict.fromkeys(label for state in behind for label in state.models)
    left = Audit(sequences=[state for state in audit.behind if state.status is Status.EXHAUSTED])
    if not labels:
        return [], _report_behind(left, using)
    try:
        report = sync_sequences(*labels, using=using)
    except SafeImportError as exc:
        return [], [f"could not fix sequences after migrate: {exc}"]
    left.sequences += [change.state for change in report.not_permitted]
    return _report_moves(report, using), _report_behind(left, using)


def _say(stdout: OutputWrapper | None, verbosity: int, *reports: list[str]) -> None:
    """Write each report on migrate's output, its first line marked as safeimport's."""
    if stdout is None or verbosity < 1:
        return
    for first, *rest in filter(None, reports):
        stdout.write(f"safeimport: {first}")
        for line in rest:
            stdout.write(line)


def after_migrate(
    sender: AppConfig,
    *,
    using: str = DEFAULT_DB_ALIAS,
    verbosity: int = 1,
    plan: Sequence[tuple[Migration, bool]] | None = None,
    stdout: OutputWrapper | None = None,
    **kwargs: Any,
) -> None:
    """The ``post_migrate`` receiver: check or fix the migrated apps' sequences, as
    ``SAFEIMPORT_AFTER_MIGRATE`` says. See the module documentation."""
    mode = after_migrate_mode()
    if mode is None or not plan or not _is_last_sender(sender):
        return
    if connections[using].vendor != "postgresql":
        return
    models = migrated_models(plan, using)
    if not models:
        return
    audit = audit_sequences(*models, using=using)
    info: list[str]
    if mode == "check":
        info, warning = [], _report_behind(audit, using)
    else:
        info, warning = _fix(audit, using)
    if info:
        logger.info("\n".join(info))
    if warning:
        logger.warning("\n".join(warning))
    if not info and not warning and verbosity >= 2:
        info = [
            f"{len(audit)} sequence(s) checked after migrate on database {using!r}, none behind."
        ]
    _say(stdout, verbosity, info, warning)
