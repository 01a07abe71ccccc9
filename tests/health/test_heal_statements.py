"""Which statements healing may retry: read from the SQL text alone, no database."""

from __future__ import annotations

import pytest
from django.db import connection

from safeimport.heal import _insert_target

PLAIN = "testapp.Plain"


@pytest.mark.parametrize(
    ("sql", "label"),
    [
        ('INSERT INTO "testapp_plain" ("name") VALUES (%s) RETURNING "testapp_plain"."id"', PLAIN),
        ('INSERT INTO "testapp_plain" ("name") VALUES (%s), (%s) RETURNING "id"', PLAIN),
        ('  insert  into "testapp_plain"("name")\nSELECT * FROM UNNEST(%s::varchar[])', PLAIN),
        # Django's INSERT of a row that has nothing but its key
        (
            'INSERT INTO "testapp_plain" ("id") VALUES (DEFAULT) RETURNING "testapp_plain"."id"',
            PLAIN,
        ),
        ('INSERT INTO "testapp_plain" ("id") VALUES (DEFAULT), (DEFAULT)', PLAIN),
        ('INSERT INTO "safeimport_other"."thing" ("name") VALUES (%s)', "testapp.OtherSchema"),
        ('INSERT INTO "evil""; drop table x; --" ("name") VALUES (%s)', "testapp.Hostile"),
        (
            'INSERT INTO "testapp_tagged_tags" ("tagged_id", "tag_id") VALUES (%s, %s)',
            "testapp.Tagged_tags",
        ),
        # the key is given: never retried
        ('INSERT INTO "testapp_plain" ("id", "name") VALUES (%s, %s)', None),
        ('INSERT INTO "testapp_plain" ("name", "id") VALUES (%s, %s)', None),
        ('INSERT INTO "testapp_plain" ("id") VALUES (%s)', None),
        ('INSERT INTO "evil""; drop table x; --" ("the ""id""; --", "name") VALUES (%s, %s)', None),
        # a child of multi-table inheritance gives its parent's key
        ('INSERT INTO "testapp_child" ("parent_ptr_id", "extra") VALUES (%s, %s)', None),
        # not a model table, not an INSERT, not as Django quotes it
        ('INSERT INTO "no_such_table" ("name") VALUES (%s)', None),
        ('UPDATE "testapp_plain" SET "name" = %s', None),
        ('SELECT \'INSERT INTO "testapp_plain" ("name") VALUES (1)\'', None),
        ("INSERT INTO testapp_plain (name) VALUES (%s)", None),
    ],
)
def test_an_insert_without_its_key_into_a_model_table_is_a_target(
    sql: str, label: str | None
) -> None:
    target = _insert_target(connection, sql)
    assert (target.label if target else None) == label
