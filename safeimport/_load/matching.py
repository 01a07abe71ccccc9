"""Which field an input's column name means: exactly, or forgiving case, spaces and
underscores, as a spreadsheet's headers are written.

A name matches a field by its ``name``, ``attname`` (``author_id``), ``db_column`` or
``verbose_name``. An exact match wins; failing that, names are compared with case, spaces,
underscores and hyphens left out (``Customer ID`` is ``customer_id``), and a header that
could mean two fields that way matches neither. Unmatched names get the fields closest to
them, for the error that lists them all.
"""

from __future__ import annotations

import difflib
import re
from typing import Any

from django.db import models
from django.db.models import Model

__all__ = ["FieldNames", "loose"]

_LOOSE = re.compile(r"[\s_\-]+")


def loose(name: str) -> str:
    """``name`` as compared when no exact match is found: lower case, without spaces,
    underscores or hyphens."""
    return _LOOSE.sub("", name).casefold()


class FieldNames:
    """The names of a model's concrete fields, looked up exactly or loosely."""

    def __init__(self, model: type[Model]) -> None:
        self.model = model
        self.fields: list[models.Field[Any, Any]] = list(model._meta.local_concrete_fields)
        self._exact: dict[str, models.Field[Any, Any]] = {}
        for model_field in self.fields:
            for name in (model_field.name, model_field.attname, model_field.column):
                self._exact.setdefault(str(name), model_field)
        self._loose: dict[str, models.Field[Any, Any] | None] = {}
        for model_field in self.fields:
            names = {model_field.name, model_field.attname, model_field.column}
            names.add(str(model_field.verbose_name))
            for key in {loose(str(name)) for name in names}:
                known = self._loose.get(key, model_field)
                self._loose[key] = model_field if known is model_field else None  # ambiguous

    def exact(self, name: str) -> models.Field[Any, Any] | None:
        """The field whose name, attname or column is ``name``."""
        return self._exact.get(name)

    def find(self, name: str) -> models.Field[Any, Any] | None:
        """The field ``name`` means: exactly, else loosely (``None``: none, or two)."""
        return self._exact.get(name) or self._loose.get(loose(name))

    def close_to(self, name: str) -> list[str]:
        """Up to three field names close to ``name``."""
        candidates = {loose(str(f.name)): str(f.name) for f in self.fields}
        for model_field in self.fields:
            candidates.setdefault(loose(str(model_field.verbose_name)), str(model_field.name))
        found = difflib.get_close_matches(loose(name), list(candidates), n=3, cutoff=0.6)
        return list(dict.fromkeys(candidates[key] for key in found))

    @property
    def names(self) -> list[str]:
        """The fields' names, in the model's order."""
        return [str(f.name) for f in self.fields]
