"""A sequence behind a column that is no integer (``'INV-' || nextval(...)``): the audit
skips the column and says why, and nothing that audits crashes on it."""

from __future__ import annotations

from io import StringIO
from pathlib import Path

import pytest
from django.core.checks import run_checks
from django.core.management import call_command
from django.db import connection

from safeimport import Status, audit_sequences, load_csv, sync_sequences
from tests.conftest import insert_ids, sequence_of
from tests.testapp.models import Invoice

pytestmark = pytest.mark.django_db(databases=["default", "other", "sqlite"])

SKIPPED = "column number (text) draws from invoice_no_seq; only integer columns are audited"


def _numbers() -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT number FROM testapp_invoice ORDER BY id")
        return [number for (number,) in cursor.fetchall()]


@pytest.fixture(autouse=True)
def _fresh_sequences() -> None:
    """Both sequences back at 1: a rolled-back test leaves them where its inserts took them."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT setval('testapp_invoice_id_seq', 1, false), setval('invoice_no_seq', 1, false)"
        )


@pytest.fixture
def invoices() -> list[int]:
    """Invoices 1 and 2, written behind the key's sequence: it is behind."""
    insert_ids(Invoice, [1, 2])
    assert _numbers() == ["INV-1", "INV-2"]
    return [1, 2]


def test_the_audit_skips_the_text_column_and_audits_the_key(invoices: list[int]) -> None:
    audit = audit_sequences(Invoice)

    assert [state.sequence for state in audit] == ["testapp_invoice_id_seq"]
    assert audit.sequences[0].status is Status.BEHIND
    assert [(s.table, s.model, s.reason) for s in audit.skipped] == [
        ("testapp_invoice", "testapp.Invoice", SKIPPED)
    ]


def test_a_sync_raises_the_key_sequence_and_leaves_the_text_one_alone(
    invoices: list[int],
) -> None:
    report = sync_sequences(Invoice)

    assert [change.state.sequence for change in report.moved] == ["testapp_invoice_id_seq"]
    assert Invoice.objects.create().pk == invoices[-1] + 1
    assert _numbers()[-1] == "INV-3"


def test_fix_sequences_over_every_model_lists_the_column_as_skipped(invoices: list[int]) -> None:
    out = StringIO()
    call_command("fix_sequences", verbosity=2, stdout=out, no_color=True)

    assert f"Skipped testapp.Invoice: {SKIPPED}" in out.getvalue().splitlines()
    assert sequence_of(Invoice).status is Status.OK


def test_the_system_check_and_migrate_run_over_the_text_column(invoices: list[int]) -> None:
    messages = run_checks(databases=["default"])

    assert not [m for m in messages if m.id == "safeimport.W002"]
    (behind,) = [m for m in messages if m.id == "safeimport.W001"]
    assert "testapp_invoice_id_seq" in behind.msg
    call_command("migrate", verbosity=0, stdout=StringIO())


def test_load_csv_into_the_table_fills_the_text_column_from_its_sequence(tmp_path: Path) -> None:
    path = tmp_path / "invoices.csv"
    path.write_text("id,name\n7,seven\n9,nine\n", encoding="utf-8")

    report = load_csv(Invoice, path)

    assert (report.rows_written, report.sequences[0].next_after) == (2, 10)
    assert Invoice.objects.create().pk == 10
    assert _numbers() == ["INV-1", "INV-2", "INV-3"]
