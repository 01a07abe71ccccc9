"""The same rows through each of the four loaders, for tests that compare them."""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Any

import pandas as pd
import tablib
from django.db.models import Model

from safeimport import LoadReport, load_csv, load_dataframe, load_dataset, load_json

LOADERS = ("csv", "json", "dataframe", "dataset")


def load_rows(
    kind: str, model: type[Model], rows: list[dict[str, Any]], tmp_path: Path, **options: Any
) -> LoadReport:
    """Load ``rows`` (dicts with the same keys) into ``model`` through loader ``kind``:
    as a CSV file, JSON Lines, a DataFrame or a tablib Dataset. Values are given as they
    are: strings for CSV (``None`` is an empty cell), any JSON value for JSON."""
    names = list(rows[0])
    if kind == "csv":
        path = tmp_path / "rows.csv"
        with path.open("w", encoding="utf-8", newline="") as handle:
            writer = csv.writer(handle)
            writer.writerow(names)
            writer.writerows([["" if row[n] is None else row[n] for n in names] for row in rows])
        return load_csv(model, path, **options)
    if kind == "json":
        path = tmp_path / "rows.jsonl"
        path.write_text("".join(json.dumps(row) + "\n" for row in rows), encoding="utf-8")
        return load_json(model, path, **options)
    if kind == "dataframe":
        frame = pd.DataFrame({n: pd.Series([row[n] for row in rows], dtype=object) for n in names})
        return load_dataframe(model, frame, **options)
    assert kind == "dataset"
    dataset = tablib.Dataset(headers=names)
    for row in rows:
        dataset.append(["" if row[n] is None else row[n] for n in names])
    return load_dataset(model, dataset, **options)


def error_place(kind: str, index: int) -> dict[str, Any]:
    """Where a load error names row ``index`` (0-based) of :func:`load_rows`' rows: the
    line for files and datasets, the index label for a DataFrame."""
    if kind == "dataframe":
        return {"line": None, "row": index}
    return {"line": index + (1 if kind == "json" else 2)}
