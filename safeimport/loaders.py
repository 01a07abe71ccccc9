"""Load CSV, JSON, DataFrames and tablib Datasets into a model at COPY speed, with every
sequence right, even while the application keeps inserting.

These four functions are the public face of the load path; how a load runs is told in
:mod:`safeimport._load.runner`. Each takes the same keyword options
(:class:`~safeimport._load.options.LoadOptions`), checked before the input is opened, and
returns a :class:`LoadReport`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Unpack

from django.db.models import Model

from ._load.inputs import CsvInput, DatasetInput, FrameInput, JsonInput, Source
from ._load.options import LoadArgs, LoadOptions
from ._load.plan import ColumnsArg
from ._load.report import LoadReport
from ._load.runner import run_load

__all__ = ["LoadReport", "load_csv", "load_dataframe", "load_dataset", "load_json"]


def load_csv(
    model: type[Model],
    source: Source,
    *,
    columns: ColumnsArg = None,
    delimiter: str | None = None,
    header: bool = True,
    encoding: str = "utf-8",
    null: str = "",
    **options: Unpack[LoadArgs],
) -> LoadReport:
    """Load a CSV file into ``model``'s table with COPY; leave its sequences right.

    Args:
        model: The model to load (a proxy loads its concrete model).
        source: A path, a text or binary file object, or an iterable of lines.
        columns: ``{CSV column: field name}`` for columns named otherwise (``None`` drops
            a column); without a header, the field names in file order. Field names and
            attnames (``playlist_id``) both work. Headers the mapping does not name match
            a field's name, attname, db_column or verbose_name, regardless of case, spaces
            and underscores (``Customer ID`` is ``customer_id``).
        delimiter: The field separator; by default the one the first line uses most
            among ``,``, ``;``, tab and ``|``.
        header: Whether the first line names the columns.
        encoding: The file's encoding.
        null: The unquoted text that means NULL (an empty field by default).
        **options: ``ignore_unknown_columns``, ``using``, ``on_conflict``,
            ``conflict_fields``, ``progress``, ``dry_run``, ``allow_empty``, ``on_error``,
            ``reject_file``, ``max_errors``, ``mode``, ``lock_timeout``, ``date_order``,
            ``validate``, ``parallel``: see :class:`~safeimport._load.options.LoadOptions`.

    Returns:
        A :class:`LoadReport`.

    Raises:
        LoadError: bad input (naming file, line, column and value), a key already taken,
            rights missing, or any database error; nothing is written.
        ValueError, TypeError: an option misused; nothing is opened.
    """
    names = list(columns) if not header and isinstance(columns, Sequence) else None
    checked = LoadOptions(columns=None if names is not None else columns, **options)
    data = CsvInput(
        source, delimiter=delimiter, header=header, encoding=encoding, null=null, names=names
    )
    return run_load(model, data, checked)


def load_json(
    model: type[Model],
    source: Source,
    *,
    columns: Mapping[str, str | None] | None = None,
    encoding: str = "utf-8",
    **options: Unpack[LoadArgs],
) -> LoadReport:
    """Load a JSON array of objects, or JSON Lines, into ``model``'s table.

    The input is read as a stream (the format is told by its first character), so memory
    does not grow with it. Keys are field names or attnames, or mapped by ``columns``; a
    key an object lacks takes the field's default, or NULL. Other arguments as for
    :func:`load_csv`.
    """
    checked = LoadOptions(columns=columns, **options)
    return run_load(model, JsonInput(source, encoding=encoding), checked)


def load_dataframe(
    model: type[Model],
    frame: Any,
    *,
    columns: Mapping[str, str | None] | None = None,
    index: bool = False,
    **options: Unpack[LoadArgs],
) -> LoadReport:
    """Load a pandas DataFrame into ``model``'s table with COPY (not INSERT).

    NaN, NaT and ``pd.NA`` are NULL; nullable integers, bools, timezone-aware datetimes,
    dates, ``Decimal``, ``UUID`` and (for a JSON field) dicts and lists load as such. The
    index is left out unless ``index=True``. Other arguments as for :func:`load_csv`.
    """
    checked = LoadOptions(columns=columns, **options)
    return run_load(model, FrameInput(frame, index=index), checked)


def load_dataset(
    model: type[Model],
    dataset: Any,
    *,
    columns: Mapping[str, str | None] | None = None,
    **options: Unpack[LoadArgs],
) -> LoadReport:
    """Load a tablib ``Dataset`` (read from CSV, TSV, XLSX, ODS, YAML, JSON...) into
    ``model``'s table. Its headers name the columns. Other arguments as for
    :func:`load_csv`.
    """
    checked = LoadOptions(columns=columns, **options)
    return run_load(model, DatasetInput(dataset), checked)
