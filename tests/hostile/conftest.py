"""The sentinel every hostile test leaves standing: the table ``x`` that a name formatted
into SQL would drop, with a row in it, and a row in Plain beside it; and a role with only
the grants a test names."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from django.db import connection

from tests.testapp.models import Plain, Sentinel


@pytest.fixture
def sentinel(db: None) -> Iterator[Sentinel]:
    """A row in ``x``, and one in Plain; both must be untouched afterwards."""
    row = Sentinel.objects.create(name="still here")
    plain = Plain.objects.create(name="bystander")
    yield row
    with connection.cursor() as cursor:
        cursor.execute("RESET ROLE")  # a test that ran as another role may not read them
        cursor.execute("SELECT to_regclass('x') IS NOT NULL")
        (exists,) = cursor.fetchone()
    assert exists
    assert list(Sentinel.objects.values_list("name", flat=True)) == ["still here"]
    assert list(Plain.objects.values_list("id", "name")) == [(plain.pk, "bystander")]


@pytest.fixture
def become() -> Callable[..., None]:
    """Go on as the fresh role ``safeimport_limited``, granted only the given statements."""

    def as_limited_role(*grants: str) -> None:
        with connection.cursor() as cursor:
            cursor.execute("CREATE ROLE safeimport_limited NOLOGIN")
            cursor.execute("GRANT USAGE ON SCHEMA public TO safeimport_limited")
            for grant in grants:
                cursor.execute(grant)
            cursor.execute("SET LOCAL ROLE safeimport_limited")

    return as_limited_role
