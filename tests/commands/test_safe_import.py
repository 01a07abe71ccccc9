"""manage.py safe_import, through call_command."""

from __future__ import annotations

import csv
import importlib.util
import io
import json
import os
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from django.core.management import CommandError, call_command
from django.db import DEFAULT_DB_ALIAS, connections

from safeimport.management.commands.safe_import import Command as LoadCommand
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


# --- standard input, replace and skip-and-report ----------------------------------------------


def _reject_rows(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def test_dash_reads_standard_input_as_csv(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys, "stdin", io.StringIO("id,name\n4,in\n9,put\n"))
    out = _run("testapp.Plain", "-")
    assert "Imported 2 row(s) into testapp.Plain: 2 new" in out
    assert list(Plain.objects.order_by("id").values_list("id", "name")) == [(4, "in"), (9, "put")]


def test_standard_input_takes_its_format_from_the_option(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys, "stdin", io.StringIO('{"id": 2, "name": "l"}\n{"id": 3}\n'))
    _run("testapp.Plain", "-", "--input-format", "jsonl")
    assert list(Plain.objects.order_by("id").values_list("id", flat=True)) == [2, 3]


def test_standard_input_is_not_read_as_a_spreadsheet(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys, "stdin", io.StringIO("id\n1\n"))
    with pytest.raises(CommandError, match="csv, tsv, json or jsonl, not xlsx"):
        _run("testapp.Plain", "-", "--input-format", "xlsx")
    assert Plain.objects.count() == 0


def _plain_file(tmp_path: Path, text: str = "id,name\n2,new\n7,seven\n") -> Path:
    Plain.objects.bulk_create([Plain(id=1, name="old"), Plain(id=2, name="old")])
    path = tmp_path / "plain.csv"
    path.write_text(text, encoding="utf-8")
    return path


def test_replace_asks_first_and_no_cancels(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = _plain_file(tmp_path)
    prompts: list[str] = []

    def answer_no(prompt: str) -> str:
        prompts.append(prompt)
        return "no"

    monkeypatch.setattr("builtins.input", answer_no)
    with pytest.raises(CommandError, match="Import cancelled; nothing was written"):
        _run("testapp.Plain", str(path), "--mode", "replace")
    assert prompts == [
        f"This will replace every row of testapp.Plain (2 rows) with the rows of {path}. "
        "Type 'yes' to continue, or 'no' to cancel: "
    ]
    assert list(Plain.objects.order_by("id").values_list("id", "name")) == [(1, "old"), (2, "old")]


def test_replace_from_standard_input_needs_noinput(monkeypatch: pytest.MonkeyPatch) -> None:
    Plain.objects.create(id=1, name="old")
    monkeypatch.setattr(sys, "stdin", io.StringIO("id,name\n5,new\n"))
    monkeypatch.setattr("builtins.input", lambda prompt: pytest.fail("asked: " + prompt))
    with pytest.raises(CommandError, match="--mode replace reading standard input needs --noinput"):
        _run("testapp.Plain", "-", "--mode", "replace")
    assert list(Plain.objects.values_list("id", "name")) == [(1, "old")]


def test_replace_after_yes_leaves_exactly_the_files_rows(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    restart(Plain)
    path = _plain_file(tmp_path)
    monkeypatch.setattr("builtins.input", lambda prompt: "yes")
    out = _run("testapp.Plain", str(path), "--mode", "replace")
    assert "Imported 2 row(s) into testapp.Plain" in out
    assert list(Plain.objects.order_by("id").values_list("id", "name")) == [
        (2, "new"),
        (7, "seven"),
    ]
    assert Plain.objects.create().pk == 8


@pytest.mark.parametrize("flag", ["--noinput", "--no-input"])
def test_replace_with_noinput_does_not_ask(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, flag: str
) -> None:
    Plain.objects.create(id=1, name="old")
    monkeypatch.setattr("builtins.input", lambda prompt: pytest.fail("asked: " + prompt))
    monkeypatch.setattr(sys, "stdin", io.StringIO("id,name\n5,new\n"))
    _run("testapp.Plain", "-", "--mode", "replace", flag)
    assert list(Plain.objects.values_list("id", "name")) == [(5, "new")]


def test_a_dry_run_replace_does_not_ask(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = _plain_file(tmp_path)
    monkeypatch.setattr("builtins.input", lambda prompt: pytest.fail("asked: " + prompt))
    out = _run("testapp.Plain", str(path), "--mode", "replace", "--dry-run")
    assert out.startswith("Would import 2 row(s)")
    assert list(Plain.objects.order_by("id").values_list("id", "name")) == [(1, "old"), (2, "old")]


def _mixed_file(tmp_path: Path) -> Path:
    path = tmp_path / "mixed.csv"
    path.write_text("id,name\n1,a\nx,bad id\n3,c\n1,duplicate\n5,e\n", encoding="utf-8")
    return path


def test_skip_loads_the_good_rows_and_writes_the_bad_ones_aside(tmp_path: Path) -> None:
    restart(Plain)
    path = _mixed_file(tmp_path)
    rejects = tmp_path / "rejects.csv"
    out = _run("testapp.Plain", str(path), "--on-error", "skip", "--reject-file", str(rejects))
    assert out.strip() == (
        "Imported 5 row(s) into testapp.Plain: 3 new, 0 updated, 0 skipped, 2 rejected "
        f"(see {rejects}); sequence testapp_plain_id_seq 1 -> 6."
    )
    assert list(Plain.objects.order_by("id").values_list("id", "name")) == [
        (1, "a"),
        (3, "c"),
        (5, "e"),
    ]
    rows = _reject_rows(rejects)
    assert [(row["line"], row["record"]) for row in rows] == [
        ("3", "x,bad id"),
        ("5", "1,duplicate"),
    ]
    assert all(row["reason"] for row in rows)


def test_skip_with_a_json_report_counts_the_rejects(tmp_path: Path) -> None:
    path = _mixed_file(tmp_path)
    rejects = tmp_path / "rejects.csv"
    out = _run(
        "testapp.Plain",
        str(path),
        "--on-error",
        "skip",
        "--reject-file",
        str(rejects),
        "--report",
        "json",
    )
    report = json.loads(out)
    assert (report["rows_read"], report["rows_written"], report["rows_rejected"]) == (5, 3, 2)
    assert report["reject_file"] == str(rejects)
    assert report["summary"].startswith("Imported 5 row(s)")


def test_raise_refuses_a_file_with_a_bad_row_and_exits_1(tmp_path: Path) -> None:
    with pytest.raises(CommandError, match=r"mixed\.csv, line 3") as info:
        _run("testapp.Plain", str(_mixed_file(tmp_path)))
    assert info.value.returncode == 1
    assert Plain.objects.count() == 0


def test_more_rejects_than_max_errors_writes_nothing_and_exits_1(tmp_path: Path) -> None:
    rejects = tmp_path / "rejects.csv"
    with pytest.raises(CommandError, match="more than 1 rows were rejected") as info:
        _run(
            "testapp.Plain",
            str(_mixed_file(tmp_path)),
            "--on-error",
            "skip",
            "--max-errors",
            "1",
            "--reject-file",
            str(rejects),
        )
    assert info.value.returncode == 1
    assert Plain.objects.count() == 0


def test_as_many_rejects_as_max_errors_is_a_load(tmp_path: Path) -> None:
    out = _run(
        "testapp.Plain", str(_mixed_file(tmp_path)), "--on-error", "skip", "--max-errors", "2"
    )
    assert "3 new, 0 updated, 0 skipped, 2 rejected" in out
    assert Plain.objects.count() == 3


@pytest.mark.parametrize("option", [("--reject-file", "r.csv"), ("--max-errors", "3")])
def test_reject_options_need_on_error_skip(tmp_path: Path, option: tuple[str, str]) -> None:
    with pytest.raises(CommandError, match=f"{option[0]} needs --on-error skip"):
        _run("testapp.Plain", str(_mixed_file(tmp_path)), *option)
    assert Plain.objects.count() == 0


@pytest.mark.parametrize(
    ("option", "value"),
    [("--lock-timeout", "soon"), ("--lock-timeout", "-1"), ("--max-errors", "-2")],
)
def test_bad_numbers_are_refused_by_the_parser(option: str, value: str) -> None:
    with pytest.raises(CommandError, match=f"argument {option}"):
        _run("testapp.Plain", "-", option, value)


def test_a_held_lock_fails_the_import_within_the_timeout(tmp_path: Path) -> None:
    path = tmp_path / "plain.csv"
    path.write_text("id,name\n1,a\n", encoding="utf-8")
    holder = connections.create_connection(DEFAULT_DB_ALIAS)
    try:
        with holder.cursor() as cursor:
            cursor.execute("BEGIN")
            cursor.execute("LOCK TABLE testapp_plain IN ACCESS EXCLUSIVE MODE")
            with pytest.raises(CommandError, match="testapp_plain"):
                _run("testapp.Plain", str(path), "--lock-timeout", "0.2")
            cursor.execute("ROLLBACK")
    finally:
        holder.close()
    assert Plain.objects.count() == 0


def test_help_documents_stdin_replace_and_exit_statuses() -> None:
    text = " ".join(LoadCommand().create_parser("manage.py", "safe_import").format_help().split())
    for part in (
        "- reads standard input",
        "--noinput, --no-input",
        "--on-error {raise,skip}",
        "--mode {append,replace}",
        "0 waits as long as it takes; none keeps the server's setting",
        "Exit status: 0 when the load is done",
        "1 when it is refused and nothing is written",
    ):
        assert part in text


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(
    ("options", "status", "rows", "output"),
    [
        ([], 1, 0, "CommandError: <stdin>, line 3"),
        (["--on-error", "skip"], 0, 3, "3 new, 0 updated, 0 skipped, 2 rejected"),
        (["--on-error", "skip", "--max-errors", "2"], 0, 3, "2 rejected"),
        (["--on-error", "skip", "--max-errors", "1"], 1, 0, "more than 1 rows were rejected"),
    ],
    ids=["raise", "skip", "skip within max", "skip past max"],
)
def test_exit_status_of_a_real_process_reading_standard_input(
    options: list[str], status: int, rows: int, output: str
) -> None:
    name = connections[DEFAULT_DB_ALIAS].settings_dict["NAME"]
    url = urlsplit(os.environ["DATABASE_URL"])._replace(path=f"/{name}").geturl()
    done = subprocess.run(
        [sys.executable, "-m", "django", "safe_import", "testapp.Plain", "-", *options],
        input="id,name\n1,a\nx,bad id\n3,c\n1,duplicate\n5,e\n",
        cwd=Path(__file__).resolve().parents[2],
        env={**os.environ, "DATABASE_URL": url, "DJANGO_SETTINGS_MODULE": "tests.settings"},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == status, done.stderr
    assert output in (done.stdout if status == 0 else done.stderr)
    assert Plain.objects.count() == rows
