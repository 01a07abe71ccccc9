"""What a load checks on the database: its rights before reading, deferred foreign keys
after writing."""

from __future__ import annotations

from django.db.backends.base.base import BaseDatabaseWrapper

from .._db import compose
from ..errors import LoadError
from ..sequences import SequenceState
from .job import Job

__all__ = ["check_foreign_keys", "check_rights"]


def check_rights(
    job: Job, connection: BaseDatabaseWrapper, sequenced: dict[str, SequenceState]
) -> None:
    """Refuse, before anything is read, a load that the current role may not finish.

    Raises:
        LoadError: no INSERT on the table (nor UPDATE to update rows, nor DELETE to
            replace them), or no UPDATE on a sequence that the load must move.
    """
    table = connection.ops.quote_name(job.table)
    wanted = ["INSERT into"]
    if job.options.merge == "update":
        wanted.append("UPDATE")
    if job.options.mode == "replace":
        wanted.append("DELETE from")
    with connection.cursor() as cursor:
        for right in wanted:
            privilege = right.split()[0]
            cursor.execute("SELECT has_table_privilege(%s::regclass, %s)", [table, privilege])
            if not cursor.fetchone()[0]:
                raise LoadError(
                    f"the current role may not {right} {table}; nothing was read",
                    source=job.source,
                )
    if job.options.dry_run:
        return
    stuck = [s.sequence for s in sequenced.values() if not s.can_update]
    if stuck:
        raise LoadError(
            f"the current role may not update sequence {stuck[0]}, which the load must "
            "move past the ids it writes (UPDATE on the sequence is needed); nothing "
            "was read",
            source=job.source,
        )


def check_foreign_keys(job: Job, connection: BaseDatabaseWrapper) -> None:
    """Check the table's deferred foreign keys now (with mode="replace", also those of
    other tables that point at it), so that a violation is the load's error and not the
    commit's; then defer them again for the caller."""
    referencing = job.options.mode == "replace"
    other = " OR c.confrelid = %s::regclass" if referencing else ""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT n.nspname, c.conname FROM pg_constraint c "  # noqa: S608 (constants)
            "JOIN pg_namespace n ON n.oid = c.connamespace "
            "WHERE (c.conrelid = %s::regclass" + other + ") AND c.contype = 'f' "
            "AND c.condeferred",
            [connection.ops.quote_name(job.table)] * (2 if referencing else 1),
        )
        names = [tuple(row) for row in cursor.fetchall()]
        if not names:
            return
        listed = ", ".join("{}" for _ in names)
        cursor.execute(compose(connection, f"SET CONSTRAINTS {listed} IMMEDIATE", *names))
        cursor.execute(compose(connection, f"SET CONSTRAINTS {listed} DEFERRED", *names))
