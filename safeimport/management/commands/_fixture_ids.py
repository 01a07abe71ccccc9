"""The primary keys a fixture is about to write, read before its first object is saved.

Django's JSON and YAML deserializers parse a whole fixture before they hand out its first
object, so its text is in memory anyway: :func:`fixture_ids` parses that same text once
more and gathers, per concrete table, the smallest and largest explicit primary key, so
that ``safe_loaddata`` can raise the sequences past them before any row is written. XML and
JSON Lines fixtures are read as a stream; their ids are not known in advance
(:data:`RESERVABLE_FORMATS`). :class:`Reservations` raises the sequences past those ids and
keeps what it moved, for the report at the end of the load.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.apps import apps
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import Model

from ...sequences import Action, SequenceChange, SyncReport, reserve_sequences, tables_of

__all__ = ["RESERVABLE_FORMATS", "IdRanges", "Reservations", "fixture_ids"]

RESERVABLE_FORMATS = ("json", "yaml")
"""The serialization formats whose ids are read before the first save."""

IdRanges = dict[tuple[str, str], tuple[int, int]]
"""``(concrete model label, primary key column) -> (smallest, largest)`` explicit id."""


def _parsed(ser_fmt: str, text: bytes | str) -> Any:
    if ser_fmt == "json":
        return json.loads(text)
    import yaml

    # The loader Django's YAML deserializer uses: the C one when PyYAML has it.
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    return yaml.load(text, Loader=loader)  # noqa: S506 (a safe loader)


def fixture_ids(
    ser_fmt: str, text: bytes | str, *, wanted: Callable[[type[Model]], bool]
) -> IdRanges | None:
    """The id ranges of the fixture ``text`` in the format ``ser_fmt``, per concrete table.

    A proxy model's objects count for its concrete model, and each object of a
    multi-table-inheritance child for the child's own table (its parents come as objects of
    their own in a fixture). Objects without a primary key (natural keys) draw theirs from
    the sequence and need no room; non-integer keys and models that ``wanted`` refuses
    (excluded, or routed to another database) are left out.

    Returns:
        The ranges, or ``None`` when the text does not parse as a list of objects, which
        Django's deserializer then reports in its own words.
    """
    try:
        objects = _parsed(ser_fmt, text)
    except Exception:  # Django's deserializer reads it next, and says what is wrong
        return None
    if not isinstance(objects, list):
        return None
    ranges: IdRanges = {}
    models: dict[str, type[Model] | None] = {}
    for entry in objects:
        if not isinstance(entry, dict) or entry.get("pk") is None:
            continue
        label = str(entry.get("model", ""))
        if label not in models:
            models[label] = _model(label, wanted)
        model = models[label]
        if model is None:
            continue
        pk = _integer(model, entry["pk"])
        if pk is None:
            continue
        key = (model._meta.label, str(model._meta.pk.column))
        low, high = ranges.get(key, (pk, pk))
        ranges[key] = (min(low, pk), max(high, pk))
    return ranges


def _model(label: str, wanted: Callable[[type[Model]], bool]) -> type[Model] | None:
    """The concrete model of ``label``, or ``None`` if unknown or not wanted."""
    try:
        model = apps.get_model(label)
    except (LookupError, ValueError):
        return None
    if not wanted(model):
        return None
    concrete: type[Model] = model._meta.concrete_model or model
    return concrete


def _integer(model: type[Model], value: Any) -> int | None:
    """``value`` as the model's primary key, if that is an integer."""
    try:
        pk = model._meta.pk.to_python(value)
    except Exception:  # Django's deserializer reports a bad key with its object
        return None
    return pk if isinstance(pk, int) and not isinstance(pk, bool) else None


@dataclass
class Reservations:
    """The sequences a load raised past its fixtures' ids before their first save, and the
    fixtures it could not read ahead (streamed formats)."""

    moved: dict[str, SequenceChange] = field(default_factory=dict)
    """The first move of each sequence, by name: where it stood before the load."""
    streamed: list[str] = field(default_factory=list)
    """The fixtures (``name (format)``) whose ids were not reserved."""

    def reserve(
        self,
        connection: BaseDatabaseWrapper,
        ser_fmt: str,
        text: bytes | str,
        *,
        wanted: Callable[[type[Model]], bool],
    ) -> None:
        """Raise the sequences of the fixture ``text``'s tables past its ids (see
        :func:`fixture_ids`)."""
        ranges = fixture_ids(ser_fmt, text, wanted=wanted)
        if not ranges:
            return
        models = [apps.get_model(label) for label, _ in ranges]
        report = reserve_sequences(connection, tables_of(connection, models), ranges)
        for change in report.moved:
            self.moved.setdefault(change.state.sequence, change)

    def merged(self, report: SyncReport) -> SyncReport:
        """``report`` (the sync at the end of the load) with each sequence that a
        reservation moved shown from where it stood before the load."""
        earlier = dict(self.moved)
        changes = []
        for change in report.changes:
            first = earlier.pop(change.state.sequence, None)
            if first is not None:
                change = SequenceChange(
                    change.state, Action.RAISED, first.next_before, change.next_after
                )
            changes.append(change)
        changes += earlier.values()
        return SyncReport(changes, report.skipped, report.dry_run)
