"""The sentinel every hostile test leaves standing: the table ``x`` that a name formatted
into SQL would drop, with a row in it, and a row in Plain beside it."""

from __future__ import annotations

from collections.abc import Iterator

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
