"""The benchmark's input: seeded, so every run and every method reads the same rows.

Each table gets a CSV file (a header of column names, empty unquoted fields for NULL, as
``psql \\copy ... CSV HEADER`` reads it) and a JSON Lines file of the same rows. Files are
written under ``bench/data/`` (not committed) and reused when they already exist: the name
holds the table, the row count and the seed. Ids run from ``first_id``, in order.
"""

from __future__ import annotations

import csv
import json
import os
import random
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

DATA_DIR = Path(__file__).resolve().parent / "data"
SEED = 20240601
CATEGORIES = 100
REGIONS = 20

_WORDS = [
    *("amber", "basil", "cedar", "delta", "ember", "fjord", "garnet", "harbor", "indigo"),
    *("juniper", "kestrel", "lumen", "meadow", "nectar", "onyx", "prairie", "quartz"),
    *("russet", "sierra", "tundra", "umber", "violet", "willow", "yarrow", "zephyr"),
]
_EPOCH = datetime(2020, 1, 1, tzinfo=UTC)
_YEAR_SECONDS = 365 * 24 * 3600

Row = dict[str, Any]


def _timestamp(rng: random.Random) -> str:
    moment = _EPOCH + timedelta(seconds=rng.randrange(4 * _YEAR_SECONDS))
    return moment.strftime("%Y-%m-%d %H:%M:%S+00:00")


def _words(rng: random.Random, count: int) -> str:
    return " ".join(rng.choice(_WORDS) for _ in range(count))


def _title(rng: random.Random, pk: int) -> str:
    title = f"{_words(rng, 2)} {pk}"
    if pk % 50 == 0:  # quoting: a comma and double quotes inside a field
        title += ', the "special" one'
    return title


def narrow_row(rng: random.Random, pk: int) -> Row:
    """One row of ``benchapp.Narrow``."""
    return {
        "id": pk,
        "name": _title(rng, pk),
        "quantity": rng.randrange(10_000),
        "created_at": _timestamp(rng),
        "score": None if rng.random() < 0.1 else round(rng.uniform(0, 100), 3),
        "note": None if rng.random() < 0.3 else _words(rng, rng.randint(3, 12)),
    }


def wide_row(rng: random.Random, pk: int) -> Row:
    """One row of ``benchapp.Wide``."""
    return {
        "id": pk,
        "category_id": rng.randint(1, CATEGORIES),
        "region_id": rng.randint(1, REGIONS),
        "sku": f"SKU-{pk:010d}",
        "title": _title(rng, pk),
        "description": None if rng.random() < 0.2 else _words(rng, rng.randint(3, 12)),
        "price": Decimal(rng.randrange(100, 10**6)) / 100,
        "cost": None if rng.random() < 0.1 else Decimal(rng.randrange(10**8)) / 10_000,
        "quantity": rng.randrange(1_000),
        "weight": None if rng.random() < 0.15 else round(rng.uniform(0.1, 50), 2),
        "active": rng.random() < 0.8,
        "created_at": _timestamp(rng),
        "released_on": (date(2015, 1, 1) + timedelta(days=rng.randrange(3650))).isoformat(),
        "attributes": {
            "color": rng.choice(_WORDS),
            "size": rng.choice(("S", "M", "L", "XL")),
            "tags": [rng.choice(_WORDS) for _ in range(rng.randint(0, 3))],
        },
        "external_id": str(uuid.UUID(int=rng.getrandbits(128), version=4)),
    }


@dataclass(frozen=True)
class Table:
    """A benchmark table: its model and how its rows are made."""

    key: str
    """Short name used in file names and reports: ``narrow`` or ``wide``."""
    model_label: str
    make_row: Callable[[random.Random, int], Row]

    @property
    def columns(self) -> list[str]:
        """The column names, in file order."""
        return list(self.make_row(random.Random(0), 1))

    def rows(self, count: int, *, seed: int = SEED, first_id: int = 1) -> Iterator[Row]:
        """``count`` rows with ids from ``first_id``, the same for the same seed."""
        rng = random.Random(f"{self.key}:{seed}")
        for pk in range(first_id, first_id + count):
            yield self.make_row(rng, pk)

    def new_row(self) -> Row:
        """Values for one ``create()`` without an id: the sequence must hand out a free one."""
        row = self.make_row(random.Random(0), 0)
        del row["id"]
        return row


TABLES = {
    "narrow": Table("narrow", "benchapp.Narrow", narrow_row),
    "wide": Table("wide", "benchapp.Wide", wide_row),
}


def _csv_value(value: Any) -> Any:
    if value is None:
        return ""  # empty and unquoted: NULL for COPY ... CSV
    if isinstance(value, dict):
        return json.dumps(value)
    return value


def _json_value(value: Any) -> Any:
    return float(value) if isinstance(value, Decimal) else value


@dataclass(frozen=True)
class DataFiles:
    """The CSV and JSON Lines files of one table at one size."""

    table: Table
    rows: int
    first_id: int
    csv: Path
    jsonl: Path


def data_files(
    table: Table, rows: int, *, first_id: int = 1, seed: int = SEED, directory: Path = DATA_DIR
) -> DataFiles:
    """Write (or reuse) the CSV and JSON Lines files of ``rows`` rows of ``table``."""
    stem = f"{table.key}-{rows}-from{first_id}-seed{seed}"
    files = DataFiles(table, rows, first_id, directory / f"{stem}.csv", directory / f"{stem}.jsonl")
    if files.csv.exists() and files.jsonl.exists():
        return files
    directory.mkdir(parents=True, exist_ok=True)
    partial_csv, partial_jsonl = (
        path.with_name(f"{path.name}.{os.getpid()}.partial") for path in (files.csv, files.jsonl)
    )
    with (
        partial_csv.open("w", newline="", encoding="utf-8") as csv_file,
        partial_jsonl.open("w", encoding="utf-8") as jsonl_file,
    ):
        writer = csv.writer(csv_file, lineterminator="\n")
        writer.writerow(table.columns)
        for row in table.rows(rows, seed=seed, first_id=first_id):
            writer.writerow([_csv_value(value) for value in row.values()])
            jsonl_file.write(json.dumps({k: _json_value(v) for k, v in row.items()}) + "\n")
    # Renamed once complete: a killed run leaves no half-written file under the final name.
    partial_csv.rename(files.csv)
    partial_jsonl.rename(files.jsonl)
    return files
