"""Driver-neutral helpers for Django's PostgreSQL connections (psycopg 3 or psycopg2)."""

from __future__ import annotations

from django.db.backends.base.base import BaseDatabaseWrapper


def is_postgresql(connection: BaseDatabaseWrapper) -> bool:
    """Whether ``connection`` is a PostgreSQL connection."""
    return connection.vendor == "postgresql"


def compose(connection: BaseDatabaseWrapper, template: str, *names: tuple[str, ...] | int) -> str:
    """Fill the ``{}`` of ``template`` with names quoted by the driver's ``sql.Identifier``.

    Each name is a tuple of parts, such as ``(schema, table)``. Use it for names read from
    the catalog, which may hold any character (Django's ``quote_name`` does not escape
    embedded quotes). An ``int`` fills its field as a number (``sql.Literal``), for a
    statement that needs no parameters. ``%s`` placeholders in the template are left for
    the parameters.
    """
    from django.db.backends.postgresql.psycopg_any import sql

    connection.ensure_connection()
    fields = [
        sql.Literal(name) if isinstance(name, int) else sql.Identifier(*name) for name in names
    ]
    return str(sql.SQL(template).format(*fields).as_string(connection.connection))


def compose_django(
    connection: BaseDatabaseWrapper,
    template: str,
    **names: str | list[str] | tuple[str, list[str]],
) -> str:
    """Fill the ``{name}`` fields of ``template`` with Django table and column names.

    Each name is quoted by ``connection.ops.quote_name``, as Django quotes ``db_table`` and
    ``db_column`` (so a name matches the table Django made). A list is joined with commas;
    a ``(prefix, list)`` pair puts a fixed SQL prefix (such as ``"EXCLUDED."``) before each
    name. The composition is the driver's ``sql.SQL``; ``%s`` placeholders are left alone.
    """
    from django.db.backends.postgresql.psycopg_any import sql

    connection.ensure_connection()
    quote = connection.ops.quote_name
    parts = {}
    for key, value in names.items():
        prefix, listed = value if isinstance(value, tuple) else ("", value)
        if isinstance(listed, str):
            parts[key] = sql.SQL(prefix + quote(listed))
        else:
            parts[key] = sql.SQL(", ").join(sql.SQL(prefix + quote(n)) for n in listed)
    return str(sql.SQL(template).format(**parts).as_string(connection.connection))


def driver_error(connection: BaseDatabaseWrapper) -> type[Exception]:
    """The driver's base exception class (``psycopg.Error`` or ``psycopg2.Error``)."""
    error: type[Exception] = getattr(connection, "Database").Error  # noqa: B009
    return error


def real_name(name: str) -> str:
    """The name PostgreSQL has for a ``db_table`` or ``db_column`` of Django's.

    Django quotes such names as they are (``'"%s"' % name``) without escaping, so a model
    that wants a double quote in a name writes it doubled; the real name has it single.
    A name that Django leaves alone because it is already quoted loses its quotes.
    """
    if name.startswith('"') and name.endswith('"') and len(name) > 1:
        name = name[1:-1]
    return name.replace('""', '"')


def transaction_failed(connection: BaseDatabaseWrapper) -> bool:
    """Whether the connection's current transaction is aborted (only ROLLBACK is accepted)."""
    raw = connection.connection
    if raw is None or not is_postgresql(connection):
        return False
    from django.db.backends.postgresql.psycopg_any import is_psycopg3

    if is_psycopg3:
        from psycopg.pq import TransactionStatus

        return bool(raw.info.transaction_status == TransactionStatus.INERROR)
    from psycopg2.extensions import TRANSACTION_STATUS_INERROR

    return bool(raw.get_transaction_status() == TRANSACTION_STATUS_INERROR)
