"""The benchmark's input: seeded, so every run and every method reads the same rows.

Each table gets a CSV file (a header of column names, empty unquoted fields for NULL, as
``psql \\copy ... CSV HEADER`` reads it) and a JSON Lines file of the same rows. Files are
written under ``bench/data/`` (not committed) and reused when they already exist: the name
holds the table, the row count and the seed. Ids run from ``first_id``, in order.

Two variants of a CSV file are made from it: the same rows in a seeded random order
(:func:`shuffled_csv`), and the same rows with one in a hundred spoiled in turn by each of
:data:`SPOILS` (:func:`spoiled_csv`).
"""

from __future__ import annotations

import csv
import json
import os
import random
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
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


@contextmanager
def _written(path: Path) -> Iterator[Path]:
    """A scratch path that becomes ``path`` once the block ends without an error.

    A killed run leaves no half-written file under the final name.
    """
    partial = path.with_name(f"{path.name}.{os.getpid()}.partial")
    try:
        yield partial
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    partial.rename(path)


def data_files(
    table: Table, rows: int, *, first_id: int = 1, seed: int = SEED, directory: Path = DATA_DIR
) -> DataFiles:
    """Write (or reuse) the CSV and JSON Lines files of ``rows`` rows of ``table``."""
    stem = f"{table.key}-{rows}-from{first_id}-seed{seed}"
    files = DataFiles(table, rows, first_id, directory / f"{stem}.csv", directory / f"{stem}.jsonl")
    if files.csv.exists() and files.jsonl.exists():
        return files
    directory.mkdir(parents=True, exist_ok=True)
    with (
        _written(files.csv) as partial_csv,
        _written(files.jsonl) as partial_jsonl,
        partial_csv.open("w", newline="", encoding="utf-8") as csv_file,
        partial_jsonl.open("w", encoding="utf-8") as jsonl_file,
    ):
        writer = csv.writer(csv_file, lineterminator="\n")
        writer.writerow(table.columns)
        for row in table.rows(rows, seed=seed, first_id=first_id):
            writer.writerow([_csv_value(value) for value in row.values()])
            jsonl_file.write(json.dumps({k: _json_value(v) for k, v in row.items()}) + "\n")
    return files


def shuffled_csv(files: DataFiles, *, seed: int = SEED) -> Path:
    """Write (or reuse) ``files.csv`` with its rows in a seeded random order, header first.

    The generated rows hold no line break inside a field, so a line is a row.
    """
    path = files.csv.with_name(f"{files.csv.stem}-shuffled.csv")
    if path.exists():
        return path
    with files.csv.open(encoding="utf-8", newline="") as source:
        header, *lines = source.readlines()
    random.Random(f"shuffle:{seed}").shuffle(lines)
    with _written(path) as partial, partial.open("w", encoding="utf-8", newline="") as out:
        out.write(header)
        out.writelines(lines)
    return path


SPOILS = ("bad number", "bad timestamp", "duplicate id", "too many values", "too few values")
"""How the rows of :func:`spoiled_csv` are spoiled, in turn."""


@dataclass(frozen=True)
class SpoiledFile:
    """A CSV file with some rows spoiled, and how many."""

    path: Path
    spoiled: int


def _spoil(fields: list[str], kind: str, columns: list[str], previous_id: str) -> list[str]:
    """``fields`` spoiled by ``kind``, one of :data:`SPOILS`."""
    spoiled = list(fields)
    if kind == "bad number":
        spoiled[columns.index("quantity")] = "many"
    elif kind == "bad timestamp":
        spoiled[columns.index("created_at")] = "2021-13-45 25:61:00"
    elif kind == "duplicate id":
        spoiled[columns.index("id")] = previous_id
    elif kind == "too many values":
        spoiled.append("extra")
    else:
        spoiled.pop()
    return spoiled


def spoiled_csv(files: DataFiles, *, percent: float = 1.0) -> SpoiledFile:
    """Write (or reuse) ``files.csv`` with every ``100 / percent``-th row spoiled.

    The kinds of :data:`SPOILS` take turns; a duplicate id repeats the row before's, so
    one of the two is bad. The count is ``rows // every``, whatever the run.
    """
    every = round(100 / percent)
    path = files.csv.with_name(f"{files.csv.stem}-bad{percent:g}.csv")
    spoiled = files.rows // every
    if path.exists():
        return SpoiledFile(path, spoiled)
    with (
        files.csv.open(encoding="utf-8", newline="") as source,
        _written(path) as partial,
        partial.open("w", encoding="utf-8", newline="") as out,
    ):
        rows = csv.reader(source)
        writer = csv.writer(out, lineterminator="\n")
        columns = next(rows)
        writer.writerow(columns)
        previous_id = ""
        for number, fields in enumerate(rows, start=1):
            if number % every == 0:
                kind = SPOILS[(number // every - 1) % len(SPOILS)]
                writer.writerow(_spoil(fields, kind, columns, previous_id))
            else:
                writer.writerow(fields)
            previous_id = fields[columns.index("id")]
    return SpoiledFile(path, spoiled)
