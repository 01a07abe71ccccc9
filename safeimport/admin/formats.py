"""The file formats that the admin import page reads, how it tells them apart, and which
loader reads each.

The format is told by the file's extension; a file whose extension says nothing is told by
its first bytes (a ZIP archive is XLSX, ``[`` starts a JSON array, ``{`` JSON Lines, a first
line with tabs and no commas is TSV, anything else CSV). CSV, TSV, JSON and JSON Lines are
streamed from the disk by :func:`~safeimport.load_csv` and :func:`~safeimport.load_json`;
XLSX goes through tablib (``pip install 'django-safeimport[xlsx]'``), which reads the whole
workbook into memory first.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.files.uploadedfile import UploadedFile
from django.db.models import Model

from .. import LoadReport, load_csv, load_dataset, load_json
from .._extras import missing_extra

__all__ = ["FORMATS", "format_of", "guess_format", "missing_reader", "run_loader"]

FORMATS = {
    "csv": "CSV",
    "tsv": "TSV (tab-separated)",
    "json": "JSON (an array of objects)",
    "jsonl": "JSON Lines (one object a line)",
    "xlsx": "Excel workbook (XLSX, first sheet)",
}
_EXTENSIONS = {
    ".csv": "csv",
    ".txt": "csv",
    ".tsv": "tsv",
    ".tab": "tsv",
    ".json": "json",
    ".jsonl": "jsonl",
    ".ndjson": "jsonl",
    ".xlsx": "xlsx",
}
_ZIP = b"PK\x03\x04"
_BOM = b"\xef\xbb\xbf"
# How much of a file is read to tell its format.
_HEAD = 4096


def guess_format(name: str, head: bytes) -> str:
    """The format of a file called ``name`` that starts with the bytes ``head``."""
    by_name = _EXTENSIONS.get(Path(name).suffix.lower())
    if by_name is not None:
        return by_name
    if head.startswith(_ZIP):
        return "xlsx"
    text = head.removeprefix(_BOM).lstrip()
    if text.startswith(b"["):
        return "json"
    if text.startswith(b"{"):
        return "jsonl"
    first_line = text.split(b"\n", 1)[0]
    return "tsv" if b"\t" in first_line and b"," not in first_line else "csv"


def format_of(upload: UploadedFile[Any]) -> str:
    """The format of an uploaded file, by its name or its first bytes."""
    head = upload.read(_HEAD)
    upload.seek(0)
    return guess_format(upload.name or "", head)


def missing_reader(input_format: str) -> str | None:
    """What to install to read ``input_format``, or None when it can be read."""
    if input_format != "xlsx":
        return None
    return missing_extra("xlsx", "openpyxl", label="XLSX")


def _dataset(path: Path) -> Any:
    import tablib

    with path.open("rb") as handle:
        return tablib.Dataset().load(handle, format="xlsx")


def run_loader(model: type[Model], path: Path, input_format: str, **options: Any) -> LoadReport:
    """Load the file at ``path`` into ``model`` with the loader for its format.

    Args:
        model: The model to load.
        path: The file.
        input_format: One of :data:`FORMATS`.
        **options: The loader's keyword arguments (``on_conflict``, ``dry_run``...).

    Raises:
        LoadError: as the loaders do; nothing is written.
    """
    if input_format in ("csv", "tsv"):
        delimiter = "\t" if input_format == "tsv" else ","
        return load_csv(model, path, delimiter=delimiter, **options)
    if input_format in ("json", "jsonl"):
        return load_json(model, path, **options)
    return load_dataset(model, _dataset(path), **options)
