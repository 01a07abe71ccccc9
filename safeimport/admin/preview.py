"""The preview of an admin import: a real dry run of the whole file, and what it shows.

The dry run loads every row with ``on_error="skip"`` and rolls back, so the counts are
exactly what the load would do at that moment (new, updated, skipped, rejected, deleted),
the rejected rows come with their line and reason, and the sequence moves are the ones the
load would make. A dry run reserves no id and moves no sequence.
"""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

from django.db.models import Model

from .jobs import Job, outcome

__all__ = ["run_preview"]

# The longest text of a rejected row that the preview shows (the download has it whole).
_SHOWN = 300


def run_preview(job: Job, model: type[Model], *, rejects_shown: int) -> None:
    """Dry-run the job's file and save what it would do into ``job.preview``.

    Raises:
        LoadError: the file cannot be loaded at all (a column that matches no field, no
            rows, a format that does not parse...); nothing is written.
    """
    report = job.load_into(
        model, on_error="skip", reject_file=job.preview_rejects_path, dry_run=True
    )
    mapping = report.columns
    mapped = set(mapping.values())
    job.preview = {
        **outcome(report),
        "rejects": first_rejects(job.preview_rejects_path, rejects_shown),
        "mapping": list(mapping.items()),
        "unfilled": [str(f.name) for f in model._meta.concrete_fields if f.name not in mapped],
    }
    job.save()


def first_rejects(path: Path, count: int) -> list[dict[str, str]]:
    """The first ``count`` rows of a reject file (``line,reason,record``), texts cut short."""
    if not path.is_file():
        return []
    shown: list[dict[str, str]] = []
    with path.open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            if len(shown) == count:
                break
            shown.append({key: _cut(value) for key, value in row.items()})
    return shown


def _cut(text: str | Any) -> str:
    text = str(text or "")
    return text if len(text) <= _SHOWN else text[: _SHOWN - 1] + "…"
