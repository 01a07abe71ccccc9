"""Whether an optional reader is installed, and what to install when it is not."""

from __future__ import annotations

import importlib.util

__all__ = ["missing_extra"]


def missing_extra(extra: str, module: str, *, label: str | None = None) -> str | None:
    """What to install to read ``label`` files (``extra`` by default) through tablib and
    ``module``, when either is missing: the ``extra`` of the distribution; else ``None``."""
    for name in ("tablib", module):
        if importlib.util.find_spec(name) is None:
            return (
                f"Reading {label or extra} files needs tablib with {name}: "
                f"pip install 'django-safeimport[{extra}]'"
            )
    return None
