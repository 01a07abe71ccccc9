"""Row-level security hides rows from the audit's ``max()``: a role subject to it never
hears "ok" about a table it cannot fully see, and ``fix_sequences --check`` fails for it.

Plain's table gets a policy that hides the rows named ``hidden``; a row with a high id is
hidden, so the sequence is behind the real data while the visible rows are below it.
"""

from __future__ import annotations

from collections.abc import Callable
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import connection

from safeimport import Status, audit_sequences
from tests.conftest import insert_ids, restart, sequence_of
from tests.testapp.models import Plain

pytestmark = pytest.mark.django_db

READ_PLAIN = (
    "GRANT SELECT ON testapp_plain TO safeimport_limited",
    "GRANT SELECT ON SEQUENCE testapp_plain_id_seq TO safeimport_limited",
)


@pytest.fixture(autouse=True)
def hidden_row() -> None:
    """Ids 1..3 visible, id 100 hidden by a policy; the sequence's next value is 4."""
    restart(Plain, 4)
    insert_ids(Plain, [1, 2, 3])
    with connection.cursor() as cursor:
        cursor.execute("INSERT INTO testapp_plain (id, name) VALUES (100, 'hidden')")
        cursor.execute("ALTER TABLE testapp_plain ENABLE ROW LEVEL SECURITY")
        cursor.execute("CREATE POLICY shown ON testapp_plain USING (name <> 'hidden')")


def _check() -> tuple[int, str]:
    out = StringIO()
    with pytest.raises(SystemExit) as exit_info:
        call_command("fix_sequences", "testapp.Plain", "--check", stdout=out, no_color=True)
    return int(str(exit_info.value.code)), out.getvalue()


def test_a_role_subject_to_row_security_is_told_it_cannot_see_every_row(
    become: Callable[..., None],
) -> None:
    become(*READ_PLAIN)
    state = sequence_of(Plain)
    assert state.data_max == 3  # what the role sees
    assert state.status is Status.ROWS_HIDDEN
    assert state.note == "row-level security on testapp_plain hides rows from the current role"
    code, output = _check()
    assert code == 1
    assert "cannot see every row" in output
    assert output.splitlines()[-1].endswith(
        ": 0 behind, 0 exhausted, 0 near exhaustion, 1 unreadable."
    )


def test_an_owner_under_forced_row_security_is_subject_to_it(
    become: Callable[..., None],
) -> None:
    with connection.cursor() as cursor:
        cursor.execute("ALTER TABLE testapp_plain FORCE ROW LEVEL SECURITY")
    become(*READ_PLAIN, "ALTER TABLE testapp_plain OWNER TO safeimport_limited")
    assert sequence_of(Plain).status is Status.ROWS_HIDDEN


def test_an_owner_without_force_sees_every_row_and_the_truth(
    become: Callable[..., None],
) -> None:
    become(*READ_PLAIN, "ALTER TABLE testapp_plain OWNER TO safeimport_limited")
    state = sequence_of(Plain)
    assert (state.status, state.data_max) == (Status.BEHIND, 100)


def test_a_role_with_bypassrls_sees_every_row(become: Callable[..., None]) -> None:
    become(*READ_PLAIN, "ALTER ROLE safeimport_limited BYPASSRLS")
    (state,) = audit_sequences(Plain)
    assert (state.status, state.data_max, state.target) == (Status.BEHIND, 100, 101)


def test_an_unreadable_sequence_fails_the_check(become: Callable[..., None]) -> None:
    become("GRANT SELECT ON testapp_plain TO safeimport_limited")
    code, output = _check()
    assert code == 1
    assert "not permitted" in output
    assert output.splitlines()[-1].endswith("1 unreadable.")
