"""manage.py safe_import, through call_command."""

from __future__ import annotations

import importlib.util
import io
import json
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from tests.conftest import restart, sequence_of
from tests.importapp.models import Book
from tests.testapp.models import Plain

pytestmark = pytest.mark.django_db


def _run(*args: str) -> str:
    out = io.StringIO()
    call_command("safe_import", *args, stdout=out)
    return out.getvalue()


def test_a_csv_file_is_loaded_and_the_summary_names_the_sequence(tmp_path: Path) -> None:
    restart(Plain)
    path = tmp_path / "plain.csv"
    path.write_text("id,name\n1,a\n5,b\n", encoding="utf-8")
    out = _run("testapp.Plain", str(path))
    assert "Imported 2 row(s) into testapp.Plain: 2 new, 0 updated, 0 skipped, 0 rejected" in out
    assert "1 -> 6" in out
    assert Plain.objects.create().pk == 6


@pytest.mark.parametrize(
    ("name", "text"),
    [
        ("rows.json", '[{"id": 3, "name": "j"}]'),
        ("rows.jsonl", '{"id": 3, "name": "j"}\n'),
        ("rows.tsv", "id\tname\n3\tj\n"),
        ("rows.txt", "id;name\n3;j\n"),
    ],
)
def test_the_format_is_told_by_the_extension_or_given(tmp_path: Path, name: str, text: str) -> None:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    extra = ["--input-format", "csv", "--delimiter", ";"] if name.endswith(".txt") else []
    _run("testapp.Plain", str(path), *extra)
    assert Plain.objects.values_list("id", "name").get() == (3, "j")


def test_an_unknown_extension_asks_for_the_format(tmp_path: Path) -> None:
    path = tmp_path / "rows.dat"
    path.write_text("id,name\n1,a\n", encoding="utf-8")
    with pytest.raises(CommandError, match="--input-format"):
        _run("testapp.Plain", str(path))


def test_map_on_conflict_and_json_report(tmp_path: Path) -> None:
    Book.objects.create(id=1, title="old", code="A")
    path = tmp_path / "books.csv"
    path.write_text("Key,Name,junk\nA,new,x\nB,other,y\n", encoding="utf-8")
    out = _run(
        "importapp.Book",
        str(path),
        "--map",
        "Key=code",
        "--map",
        "Name=title",
        "--map",
        "junk=",
        "--on-conflict",
        "update",
        "--conflict-fields",
        "code",
        "--report",
        "json",
    )
    report = json.loads(out)
    assert (report["rows_read"], report["rows_written"], report["rows_updated"]) == (2, 1, 1)
    assert Book.objects.get(code="A").title == "new"


def test_dry_run_writes_nothing_and_touches_no_sequence(tmp_path: Path) -> None:
    restart(Plain)
    before = sequence_of(Plain)
    path = tmp_path / "plain.csv"
    path.write_text("id,name\n1,a\n,b\n", encoding="utf-8")
    out = _run("testapp.Plain", str(path), "--dry-run")
    assert out.startswith("Would import 2 row(s)")
    assert Plain.objects.count() == 0
    after = sequence_of(Plain)
    assert (after.last_value, after.is_called) == (before.last_value, before.is_called)


def test_a_bad_file_is_a_command_error_that_says_where(tmp_path: Path) -> None:
    path = tmp_path / "bad.csv"
    path.write_text("id,name\n1,a\nx,b\n", encoding="utf-8")
    with pytest.raises(CommandError, match=r"bad\.csv, line 3, column 'id'"):
        _run("testapp.Plain", str(path))
    assert Plain.objects.count() == 0


@pytest.mark.django_db(databases=["default", "sqlite"])
def test_another_database(tmp_path: Path) -> None:
    path = tmp_path / "plain.csv"
    path.write_text("id,label\n2,a\n", encoding="utf-8")
    _run("importapp.Shelf", str(path), "--database", "sqlite")
    from tests.importapp.models import Shelf

    assert Shelf.objects.using("sqlite").get().pk == 2
    assert Shelf.objects.count() == 0


def test_unknown_model_and_missing_file(tmp_path: Path) -> None:
    with pytest.raises(CommandError, match="Unknown model"):
        _run("testapp.Nope", str(tmp_path / "x.csv"))
    with pytest.raises(CommandError, match="No such file"):
        _run("testapp.Plain", str(tmp_path / "x.csv"))


def test_a_spreadsheet_without_its_extra_names_the_extra(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "rows.xlsx"
    path.write_bytes(b"not read")
    real = importlib.util.find_spec
    monkeypatch.setattr(
        importlib.util, "find_spec", lambda name, *a: None if name == "openpyxl" else real(name)
    )
    with pytest.raises(CommandError, match=r"pip install 'safeimport\[xlsx\]'"):
        _run("testapp.Plain", str(path))


def test_a_yaml_file_through_tablib(tmp_path: Path) -> None:
    pytest.importorskip("yaml")
    path = tmp_path / "rows.yaml"
    path.write_text("- id: 8\n  name: y\n", encoding="utf-8")
    _run("testapp.Plain", str(path))
    assert Plain.objects.values_list("id", "name").get() == (8, "y")
