"""manage.py fix_sequences and the safeimport.W001 system check."""

from __future__ import annotations

import json
from io import StringIO

import pytest
from django.core.checks import run_checks
from django.core.management import CommandError, call_command

from tests.conftest import insert_ids, sequence_of
from tests.testapp.models import Plain, Small

# "sqlite" too: Django 6 runs the model checks (a JSONField's asks SQLite) on every database.
pytestmark = pytest.mark.django_db(databases=["default", "other", "sqlite"])


def _break(model: type[Plain] = Plain, using: str = "default") -> list[int]:
    start = sequence_of(model, using).next_value
    assert start is not None
    ids = [start, start + 1]
    insert_ids(model, ids, using)
    return ids


def _run(*args: str) -> str:
    out = StringIO()
    call_command("fix_sequences", *args, stdout=out, no_color=True)
    return out.getvalue()


def test_it_fixes_every_behind_sequence_and_says_which_moved() -> None:
    ids = _break()
    output = _run()
    assert "model" in output.splitlines()[0]
    assert "sequence" in output.splitlines()[0]
    plain_line = next(line for line in output.splitlines() if "testapp_plain_id_seq" in line)
    assert "testapp.Plain" in plain_line
    assert f"raised: next {ids[0]} -> {ids[1] + 1}" in plain_line
    assert output.splitlines()[-1].endswith(
        f"; moved 1: sequence testapp_plain_id_seq {ids[0]} -> {ids[1] + 1}."
    )
    assert Plain.objects.create().pk == ids[1] + 1


def test_check_changes_nothing_and_exits_1_when_a_sequence_is_behind() -> None:
    ids = _break()
    out = StringIO()
    with pytest.raises(SystemExit) as exit_info:
        call_command("fix_sequences", "--check", stdout=out, no_color=True)
    assert exit_info.value.code == 1
    assert "behind" in out.getvalue()
    assert sequence_of(Plain).next_value == ids[0]


def test_check_passes_when_nothing_is_behind() -> None:
    _run()
    output = _run("--check")
    assert " 0 behind" in output.splitlines()[-1]


def test_dry_run_reports_what_would_move_and_changes_nothing() -> None:
    ids = _break()
    output = _run("--dry-run", "testapp.Plain")
    assert f"would raise: next {ids[0]} -> {ids[1] + 1}" in output
    assert "would move 1" in output.splitlines()[-1]
    assert sequence_of(Plain).next_value == ids[0]


def test_labels_select_apps_and_models() -> None:
    one_model = _run("--dry-run", "testapp.Plain")
    one_app = _run("--dry-run", "testapp")
    everything = _run("--dry-run")
    all_models = _run("--dry-run", "--all-models")
    assert "Checked 1 sequence(s)" in one_model
    assert "auth_user_id_seq" not in one_app
    assert "testapp_big_id_seq" in one_app
    assert "auth_user_id_seq" in everything
    assert all_models == everything


def test_an_unknown_label_is_a_command_error() -> None:
    with pytest.raises(CommandError, match="nosuch"):
        _run("testapp.nosuch")


def test_json_format_gives_the_whole_report() -> None:
    ids = _break()
    report = json.loads(_run("--format", "json", "testapp.Plain"))
    (entry,) = report["sequences"]
    assert entry["sequence"] == "testapp_plain_id_seq"
    assert entry["models"] == ["testapp.Plain"]
    assert (entry["status"], entry["action"]) == ("behind", "raised")
    assert (entry["next_before"], entry["next_after"]) == (ids[0], ids[1] + 1)
    assert entry["data_max"] == ids[1]
    assert report["database"] == "default"


def test_database_option_fixes_the_other_database_only() -> None:
    ids = _break(using="other")
    default_before = sequence_of(Plain).next_value
    output = _run("--database", "other", "testapp.Plain")
    assert "database 'other'" in output
    assert sequence_of(Plain, "other").next_value == ids[1] + 1
    assert sequence_of(Plain).next_value == default_before


def test_verbosity_2_lists_tables_without_a_sequence_and_0_is_silent() -> None:
    assert "Skipped testapp.UUIDKeyed: no sequence" in _run("-v", "2", "testapp")
    assert _run("-v", "0") == ""


def test_a_sequence_with_no_free_value_is_a_command_error() -> None:
    insert_ids(Small, [32767])
    with pytest.raises(CommandError, match="No free value left"):
        _run("testapp.Small")
    assert "exhausted" in _run("--dry-run", "testapp.Small")


def test_the_system_check_warns_about_a_behind_sequence_only_as_a_database_check() -> None:
    assert not [m for m in run_checks(databases=["default"]) if m.id == "safeimport.W001"]
    _break()
    warnings = [m for m in run_checks(databases=["default"]) if m.id == "safeimport.W001"]
    assert len(warnings) == 1
    assert "testapp_plain_id_seq" in warnings[0].msg
    assert "fix_sequences" in (warnings[0].hint or "")
    assert not [m for m in run_checks() if m.id.startswith("safeimport")]


def test_check_command_with_database_reports_w001() -> None:
    _break()
    err = StringIO()
    call_command("check", databases=["default"], stderr=err, stdout=StringIO())
    assert "safeimport.W001" in err.getvalue()
