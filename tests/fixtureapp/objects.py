"""Fixture objects and files for the ``safe_loaddata`` tests, written at run time."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any


def rows(label: str, pks: list[int], **fields: Any) -> list[dict[str, Any]]:
    """Fixture objects of the model ``label``, one per primary key, all with ``fields``."""
    return [{"model": label, "pk": pk, "fields": dict(fields)} for pk in pks]


def write_fixture(
    directory: Path, objects: list[dict[str, Any]], name: str = "fixture.json"
) -> str:
    """Write ``objects`` as a JSON fixture in ``directory``; return its path."""
    path = directory / name
    path.write_text(json.dumps(objects))
    return str(path)
