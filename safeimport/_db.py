"""Driver-neutral helpers for Django's PostgreSQL connections (psycopg 3 or psycopg2)."""

from __future__ import annotations

from django.db.backends.base.base import BaseDatabaseWrapper


def is_postgresql(connection: BaseDatabaseWrapper) -> bool:
    """Whether ``connection`` is a PostgreSQL connection."""
    return connection.vendor == "postgresql"


def compose(connection: BaseDatabaseWrapper, template: str, *names: tuple[str, ...]) -> str:
    """Fill the ``{}`` of ``template`` with names quoted by the driver's ``sql.Identifier``.

    Each name is a tuple of parts, such as ``(schema, table)``. Use it for names read from
    the catalog, which may hold any character (Django's ``quote_name`` does not escape
    embedded quotes). ``%s`` placeholders in the template are left for the parameters.
    """
    from django.db.backends.postgresql.psycopg_any import sql

    connection.ensure_connection()
    identifiers = [sql.Identifier(*parts) for parts in names]
    return str(sql.SQL(template).format(*identifiers).as_string(connection.connection))


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
