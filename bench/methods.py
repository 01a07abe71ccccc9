"""The import methods under test, each as a user of that tool would write it.

Every method takes the same rows into the same empty table. ``prepare`` builds the method's
input and is not timed (a path for the file loaders, a pandas DataFrame, a tablib Dataset);
``load`` is timed, from that input to committed rows, sequence handling included where the
method does any. The kinds: ``reference`` (psql's ``\\copy``), ``safeimport`` and ``peer``.
A method whose tool is missing raises :class:`Unavailable`, and the report says so.
"""

from __future__ import annotations

import csv
import json
import os
import re
import shutil
import subprocess
import tempfile
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from django.db import connection, transaction
from django.db.models import DateField, Field, JSONField, Model, UUIDField

from .data import DataFiles
from .processes import peak_rss_mb

BATCH_SIZE = 5000
"""Rows per INSERT for ``bulk_create`` and django-import-export, as the issue sets."""
POSTGRES_MAX_PARAMETERS = 65535


def _columns(model: type[Model]) -> list[str]:
    return [field.column for field in model._meta.concrete_fields if field.column]


def _copy_sql(model: type[Model]) -> str:
    """``COPY table (columns) FROM STDIN`` for the CSV files, names quoted by the driver."""
    from django.db.backends.postgresql.psycopg_any import sql

    connection.ensure_connection()
    query = sql.SQL("COPY {} ({}) FROM STDIN WITH (FORMAT csv, HEADER true)").format(
        sql.Identifier(model._meta.db_table),
        sql.SQL(", ").join(sql.Identifier(column) for column in _columns(model)),
    )
    return str(query.as_string(connection.connection))


def copy_csv(model: type[Model], path: Path) -> None:
    """COPY ``path`` into ``model``'s table through the driver, in chunks of 1 MiB."""
    from django.db.backends.postgresql.psycopg_any import is_psycopg3

    query = _copy_sql(model)
    with path.open("rb") as source, connection.cursor() as cursor:
        if is_psycopg3:
            with cursor.copy(query) as copy:
                while chunk := source.read(1 << 20):
                    copy.write(chunk)
        else:
            cursor.copy_expert(query, source, size=1 << 20)


def psql_environment() -> dict[str, str]:
    """The environment that points ``psql`` at the benchmark's database."""
    settings = connection.settings_dict
    names = {"HOST": "PGHOST", "PORT": "PGPORT", "USER": "PGUSER", "PASSWORD": "PGPASSWORD"}
    environment = dict(os.environ, PGDATABASE=settings["NAME"])
    environment.update(
        {variable: str(settings[key]) for key, variable in names.items() if settings[key]}
    )
    return environment


def watch(command: list[str], *, output: IO[str] | None = None) -> float:
    """Run ``command`` against the benchmark's database; its peak memory in MB.

    The peak is the program's own, read while it runs. A non-zero exit raises
    ``CalledProcessError``.
    """
    process = subprocess.Popen(
        command, env=psql_environment(), stdout=output, stderr=subprocess.STDOUT if output else None
    )
    peak = 0.0
    while process.poll() is None:
        peak = max(peak, peak_rss_mb(process.pid) or 0.0)
        time.sleep(0.01)
    if process.returncode != 0:
        raise subprocess.CalledProcessError(process.returncode, command)
    return peak


def psql_copy(model: type[Model], path: Path) -> dict[str, Any]:
    """``psql -c '\\copy ...'`` as a user types it; without psql, the driver's COPY (noted).

    The peak memory reported is psql's own, read while it runs.
    """
    psql = shutil.which("psql")
    if psql is None:
        copy_csv(model, path)
        return {"note": "psql not found: the driver's COPY instead"}
    quote = connection.ops.quote_name
    literal = "'" + str(path).replace("'", "''") + "'"
    command = (
        f"\\copy {quote(model._meta.db_table)} ({', '.join(map(quote, _columns(model)))}) "
        f"FROM {literal} WITH (FORMAT csv, HEADER true)"
    )
    peak = watch([psql, "--no-psqlrc", "--quiet", "-v", "ON_ERROR_STOP=1", "-c", command])
    return {"peak_rss_mb": peak}


class Unavailable(Exception):
    """A method that cannot run here, such as a tool that is not installed; the report says
    why and goes on."""


_PGLOADER_NAME = re.compile(r"[a-z_][a-z0-9_]*")


def pgloader_url(settings: Mapping[str, Any]) -> str:
    """The database of Django's connection ``settings`` as a pgloader connection string.

    The password stays out of it: pgloader reads ``PGPASSWORD``, which :func:`watch` sets.
    A socket directory is written ``unix:/dir``; pgloader escapes ``:`` and ``@`` by
    doubling them.
    """

    def escape(text: str) -> str:
        return text.replace(":", "::").replace("@", "@@")

    host = settings["HOST"] or ""
    netloc = f"unix:{escape(host)}" if host.startswith("/") else host
    user = f"{escape(settings['USER'])}@" if settings["USER"] else ""
    port = f":{settings['PORT'] or 5432}" if netloc else ""
    return f"postgresql://{user}{netloc}{port}/{settings['NAME']}"


def pgloader_command(model: type[Model], path: Path) -> str:
    """A pgloader command file that loads the CSV ``path`` into ``model``'s table.

    The table and column names go in as they are, so they must be plain lower-case names
    (the benchmark's are); anything else is refused rather than quoted.
    """
    names = [model._meta.db_table, *_columns(model)]
    odd = [name for name in names if not _PGLOADER_NAME.fullmatch(name)]
    if odd or "'" in str(path):
        raise ValueError(f"pgloader command: cannot write the names {odd} or the path {path}")
    return (
        f"LOAD CSV FROM '{path}' ({', '.join(_columns(model))})\n"
        f"  INTO {pgloader_url(connection.settings_dict)}\n"
        f"  TARGET TABLE {model._meta.db_table}\n"
        "  WITH skip header = 1, fields optionally enclosed by '\"',\n"
        "       fields escaped by double-quote, fields terminated by ','\n"
        ";\n"
    )


def pgloader(model: type[Model], path: Path) -> dict[str, Any]:
    """pgloader (the Debian package) on a command file, with its default batches and
    workers. The peak memory reported is pgloader's own, read while it runs.

    pgloader sets a rejected row aside and still exits with 0 (``--on-error-stop`` too):
    the worker's count of the rows in the table is what catches it.
    """
    program = shutil.which("pgloader")
    if program is None:
        raise Unavailable("pgloader not found (the Debian package pgloader)")
    with tempfile.TemporaryDirectory(prefix="bench-pgloader-") as directory:
        command_file = Path(directory) / "load.load"
        command_file.write_text(pgloader_command(model, path), encoding="utf-8")
        log_path = Path(directory) / "pgloader.log"
        with log_path.open("w", encoding="utf-8") as log:
            command = [program, "--root-dir", directory, str(command_file)]
            try:
                peak = watch(command, output=log)
            except subprocess.CalledProcessError as error:
                lines = log_path.read_text(encoding="utf-8").split("\n")
                tail = " | ".join(line.strip() for line in lines[-6:] if line.strip())
                raise RuntimeError(f"pgloader exited with {error.returncode}: {tail}") from None
    return {"peak_rss_mb": peak}


def _csv_converter(field: Field[Any, Any]) -> Callable[[str], Any]:
    """Turn one CSV field of ``field``'s column into the value Django expects."""
    target = field.target_field if field.is_relation else field  # type: ignore[attr-defined]
    convert: Callable[[str], Any] = target.to_python
    if isinstance(field, JSONField):
        convert = json.loads
    if not field.null:
        return convert
    return lambda text: None if text == "" else convert(text)


def read_instances(model: type[Model], path: Path) -> Iterator[Model]:
    """The model instances of a CSV file, one by one, with each value converted by its field."""
    fields = {field.column: field for field in model._meta.concrete_fields}
    with path.open(newline="", encoding="utf-8") as source:
        reader = csv.reader(source)
        header = next(reader)
        attnames = [fields[column].attname for column in header]
        converters = [_csv_converter(fields[column]) for column in header]
        for record in reader:
            values = {
                name: convert(text)
                for name, convert, text in zip(attnames, converters, record, strict=True)
            }
            yield model(**values)


def bulk_create(model: type[Model], path: Path) -> None:
    """Read the CSV into instances and ``bulk_create`` them, 5,000 a batch, one transaction."""
    batch: list[Model] = []
    with transaction.atomic():
        for instance in read_instances(model, path):
            batch.append(instance)
            if len(batch) == BATCH_SIZE:
                model._default_manager.bulk_create(batch)
                batch.clear()
        model._default_manager.bulk_create(batch)


def postgres_copy(model: type[Model], path: Path) -> None:
    """django-postgres-copy: ``CopyMapping(...).save()``, what ``Model.objects.from_csv`` runs."""
    from postgres_copy import CopyMapping

    CopyMapping(model, str(path), None).save(silent=True)


def read_dataframe(model: type[Model], files: DataFiles) -> Any:
    """The rows as a pandas user has them: ``read_csv`` with parsed dates, timestamps, JSON."""
    import pandas as pd

    fields = model._meta.concrete_fields
    dates = [field.attname for field in fields if isinstance(field, DateField)]
    frame = pd.read_csv(files.csv, parse_dates=dates)
    for field in fields:
        if isinstance(field, JSONField):
            frame[field.column] = frame[field.column].map(json.loads)
    return frame


def _sqlalchemy_engine() -> Any:
    """An SQLAlchemy engine on the benchmark's database, with the driver Django uses."""
    from django.db.backends.postgresql.psycopg_any import is_psycopg3
    from sqlalchemy import URL, create_engine

    settings = connection.settings_dict
    host = settings["HOST"] or None
    query = {"host": host} if host and host.startswith("/") else {}
    url = URL.create(
        "postgresql+psycopg" if is_psycopg3 else "postgresql+psycopg2",
        username=settings["USER"] or None,
        password=settings["PASSWORD"] or None,
        host=None if query else host,
        port=int(settings["PORT"]) if settings["PORT"] else None,
        database=settings["NAME"],
        query=query,
    )
    return create_engine(url)


def _sqlalchemy_types(model: type[Model]) -> dict[str, Any]:
    """Column types that pandas cannot infer from the DataFrame: JSON objects and UUIDs."""
    from sqlalchemy.dialects.postgresql import JSONB, UUID

    types: dict[str, Any] = {}
    for field in model._meta.concrete_fields:
        if isinstance(field, JSONField):
            types[field.attname] = JSONB
        elif isinstance(field, UUIDField):
            types[field.attname] = UUID(as_uuid=False)
    return types


def pandas_to_sql(model: type[Model], frame: Any) -> None:
    """``DataFrame.to_sql(method="multi")``, as many rows per INSERT as PostgreSQL allows."""
    engine = _sqlalchemy_engine()
    try:
        frame.to_sql(
            model._meta.db_table,
            engine,
            if_exists="append",
            index=False,
            method="multi",
            chunksize=POSTGRES_MAX_PARAMETERS // len(frame.columns),
            dtype=_sqlalchemy_types(model),
        )
    finally:
        engine.dispose()


def read_dataset(model: type[Model], files: DataFiles) -> Any:
    """The rows as a tablib Dataset, loaded from the CSV file."""
    import tablib

    return tablib.Dataset().load(files.csv.read_text(encoding="utf-8"), format="csv")


def _import_export_resource(model: type[Model]) -> Any:
    """A django-import-export resource in its documented fast setup.

    ``use_bulk`` with batches of 5,000, no instance lookup (``force_init_instance``), no diff,
    and foreign keys through ``CachedForeignKeyWidget`` (one query per key, not per row).
    """
    from import_export import fields, resources, widgets

    foreign_keys = [field for field in model._meta.concrete_fields if field.is_relation]
    declared = {
        field.attname: fields.Field(
            attribute=field.name,
            column_name=field.column,
            widget=widgets.CachedForeignKeyWidget(field.related_model),
        )
        for field in foreign_keys
    }
    meta = type(
        "Meta",
        (),
        {
            "model": model,
            "exclude": [field.name for field in foreign_keys],
            "use_bulk": True,
            "batch_size": BATCH_SIZE,
            "force_init_instance": True,
            "skip_diff": True,
            "report_skipped": False,
        },
    )
    return type(f"{model.__name__}Resource", (resources.ModelResource,), {"Meta": meta, **declared})


def import_export(model: type[Model], dataset: Any) -> None:
    """django-import-export: ``resource.import_data(dataset)`` with ``use_bulk``."""
    result = _import_export_resource(model)().import_data(dataset, raise_errors=True)
    if result.has_errors() or result.has_validation_errors():
        raise RuntimeError(f"django-import-export reported errors: {result.totals}")


def safeimport_load_csv(model: type[Model], path: Path) -> None:
    """``safeimport.load_csv``."""
    from safeimport import load_csv

    load_csv(model, path)


def safeimport_load_json(model: type[Model], path: Path) -> None:
    """``safeimport.load_json`` on the JSON Lines file."""
    from safeimport import load_json

    load_json(model, path)


def safeimport_load_dataframe(model: type[Model], frame: Any) -> None:
    """``safeimport.load_dataframe``."""
    from safeimport import load_dataframe

    load_dataframe(model, frame)


def safeimport_load_dataset(model: type[Model], dataset: Any) -> None:
    """``safeimport.load_dataset``."""
    from safeimport import load_dataset

    load_dataset(model, dataset)


def csv_path(model: type[Model], files: DataFiles) -> Path:
    """The CSV file itself."""
    return files.csv


def jsonl_path(model: type[Model], files: DataFiles) -> Path:
    """The JSON Lines file itself."""
    return files.jsonl


@dataclass(frozen=True)
class Method:
    """One way to import the rows."""

    key: str
    label: str
    kind: str
    """``reference``, ``safeimport`` or ``peer``."""
    prepare: Callable[[type[Model], DataFiles], Any]
    load: Callable[[type[Model], Any], dict[str, Any] | None]
    """Loads the prepared input; may return figures or a note that the report should show."""
    smallest_size_only: bool = False
    """For inputs held whole in memory (tablib Datasets): run at the smallest size only."""


METHODS = {
    method.key: method
    for method in (
        Method("psql", "psql \\copy", "reference", csv_path, psql_copy),
        Method("load_csv", "safeimport load_csv", "safeimport", csv_path, safeimport_load_csv),
        Method(
            "load_json",
            "safeimport load_json (JSON Lines)",
            "safeimport",
            jsonl_path,
            safeimport_load_json,
        ),
        Method(
            "load_dataframe",
            "safeimport load_dataframe",
            "safeimport",
            read_dataframe,
            safeimport_load_dataframe,
        ),
        Method(
            "load_dataset",
            "safeimport load_dataset (tablib)",
            "safeimport",
            read_dataset,
            safeimport_load_dataset,
            smallest_size_only=True,
        ),
        Method("postgres_copy", "django-postgres-copy", "peer", csv_path, postgres_copy),
        Method("pgloader", "pgloader", "peer", csv_path, pgloader),
        Method("bulk_create", "bulk_create (batch 5000)", "peer", csv_path, bulk_create),
        Method("to_sql", 'pandas to_sql (method="multi")', "peer", read_dataframe, pandas_to_sql),
        Method(
            "import_export",
            "django-import-export (use_bulk)",
            "peer",
            read_dataset,
            import_export,
            smallest_size_only=True,
        ),
    )
}
