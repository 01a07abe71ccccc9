"""manage.py safe_import --parallel N, through call_command."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from tests.prepared import prepared_transactions  # noqa: F401 (the fixture)
from tests.testapp.models import Plain

pytestmark = pytest.mark.django_db(transaction=True)


def _file(tmp_path: Path, rows: int) -> Path:
    path = tmp_path / "plain.csv"
    path.write_text("id,name\n" + "".join(f"{i},row {i}\n" for i in range(1, rows + 1)))
    return path


@pytest.mark.usefixtures("prepared_transactions")
def test_the_file_is_loaded_on_n_connections(tmp_path: Path) -> None:
    out = io.StringIO()
    call_command(
        "safe_import", "testapp.Plain", str(_file(tmp_path, 100_000)), parallel=2, stdout=out
    )
    assert out.getvalue().startswith(
        "Imported 100000 row(s) into testapp.Plain over 2 connections: 100000 new, "
    )
    assert Plain.objects.count() == 100_000


@pytest.mark.parametrize(
    ("flags", "named"),
    [
        (["--on-error", "skip"], "--on-error skip"),
        (["--on-conflict", "update"], "--on-conflict update"),
        (["--mode", "replace", "--noinput"], "--mode replace"),
        (["--dry-run"], "--dry-run"),
        (["--validate"], "--validate"),
    ],
)
def test_options_that_are_not_a_plain_load_are_refused(
    tmp_path: Path, flags: list[str], named: str
) -> None:
    with pytest.raises(CommandError) as caught:
        call_command(
            "safe_import", "testapp.Plain", str(_file(tmp_path, 3)), "--parallel", "2", *flags
        )
    assert str(caught.value) == (
        f"--parallel 2 copies straight into the table and commits once: it does not go "
        f"with {named}; leave out --parallel for that"
    )
    assert Plain.objects.count() == 0


def test_a_number_of_connections_is_needed(tmp_path: Path) -> None:
    with pytest.raises(
        CommandError, match=r"argument --parallel: a number of connections, 1 or more, not '0'"
    ):
        call_command("safe_import", "testapp.Plain", str(_file(tmp_path, 3)), "--parallel", "0")
