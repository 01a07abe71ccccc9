"""Names as PostgreSQL reads them: Django's ``db_table`` and ``db_column`` spelled back to the
real name, and the tables a statement writes to (what ``sequences_synced()`` watches)."""

from __future__ import annotations

import pytest

from safeimport._db import real_name
from safeimport.context import written_tables


@pytest.mark.parametrize(
    ("django_name", "name"),
    [
        ("testapp_plain", "testapp_plain"),
        ('Mixed""Case', 'Mixed"Case'),
        ('load""; drop table x; --', 'load"; drop table x; --'),
        ('Id ""key""; --', 'Id "key"; --'),
        ('"already quoted"', "already quoted"),
        ('"with ""a"" quote"', 'with "a" quote'),
    ],
)
def test_real_name_is_the_name_postgresql_has(django_name: str, name: str) -> None:
    assert real_name(django_name) == name


@pytest.mark.parametrize(
    ("sql", "tables"),
    [
        ('INSERT INTO "testapp_plain" ("name") VALUES (%s)', ['"testapp_plain"']),
        ("insert into Videos(id) values (1)", ['"videos"']),
        ('INSERT INTO "Mixed""Case" VALUES (1)', ['"Mixed""Case"']),
        ('INSERT INTO "safeimport_other"."thing" VALUES (1)', ['"safeimport_other"."thing"']),
        ("COPY public.items (id) FROM STDIN", ['"public"."items"']),
        ("WITH x AS (SELECT 1) INSERT INTO a SELECT * FROM x", ['"a"']),
        ("MERGE INTO target t USING src s ON t.id = s.id", ['"target"']),
        ('SELECT * FROM "testapp_plain" WHERE name = %s', []),
    ],
)
def test_written_tables_are_read_from_statements(sql: str, tables: list[str]) -> None:
    assert written_tables(sql) == tables
