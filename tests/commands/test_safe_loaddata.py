"""safe_loaddata: loaddata's behaviours kept; --dry-run, --report json, verbosity, progress;
failures that write nothing."""

from __future__ import annotations

import bz2
import gzip
import io
import json
import lzma
import sys
import zipfile
from pathlib import Path
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from django.core.serializers.base import DeserializationError
from django.db import DataError, OperationalError, connection
from django.db.models.signals import post_save

from safeimport.management.commands.safe_loaddata import Command
from tests.conftest import insert_ids, restart, sequence_of
from tests.fixtureapp.models import Author, Book, Placement
from tests.fixtureapp.objects import rows, write_fixture
from tests.testapp.models import Plain, Small, Tag

pytestmark = pytest.mark.django_db(databases=["default", "other"])

MOVED_PLAIN = "Moved sequence testapp_plain_id_seq 1 -> 4 (testapp.Plain)"


class _Terminal(io.StringIO):
    """Standard error as a terminal."""

    def isatty(self) -> bool:
        return True


def _run(*args: str, stderr: io.StringIO | None = None, **options: Any) -> str:
    out = io.StringIO()
    call_command("safe_loaddata", *args, stdout=out, stderr=stderr or io.StringIO(), **options)
    return out.getvalue()


@pytest.fixture
def plain_fixture(tmp_path: Path) -> str:
    """Plain 1..3 in a fixture file, with Plain's sequence fresh at 1."""
    restart(Plain)
    return write_fixture(tmp_path, rows("testapp.plain", [1, 2, 3]))


# --- loaddata's behaviours ----------------------------------------------------------------


def test_several_fixtures_load_together_and_each_sequence_moved_gets_a_line(
    tmp_path: Path, plain_fixture: str
) -> None:
    restart(Tag)
    tags = write_fixture(tmp_path, rows("testapp.tag", [1, 2]), "tags.json")
    lines = _run(plain_fixture, tags).splitlines()
    assert lines[0] == "Installed 5 object(s) from 2 fixture(s)"
    assert sorted(lines[1:]) == [
        MOVED_PLAIN,
        "Moved sequence testapp_tag_id_seq 1 -> 3 (testapp.Tag)",
    ]
    assert Plain.objects.create().pk == 4
    assert Tag.objects.create().pk == 3


@pytest.mark.parametrize(
    ("suffix", "compress"),
    [
        ("gz", gzip.compress),
        ("bz2", bz2.compress),
        ("xz", lzma.compress),
        ("zip", None),
    ],
)
def test_a_compressed_fixture(tmp_path: Path, suffix: str, compress: Any) -> None:
    restart(Plain)
    data = json.dumps(rows("testapp.plain", [1, 2, 3])).encode()
    path = tmp_path / f"plain.json.{suffix}"
    if compress is None:
        with zipfile.ZipFile(path, "w") as archive:
            archive.writestr("plain.json", data)
    else:
        path.write_bytes(compress(data))
    assert MOVED_PLAIN in _run(str(path))
    assert Plain.objects.create().pk == 4


def test_standard_input(monkeypatch: pytest.MonkeyPatch) -> None:
    restart(Plain)
    monkeypatch.setattr(sys, "stdin", io.StringIO(json.dumps(rows("testapp.plain", [1, 2, 3]))))
    assert MOVED_PLAIN in _run("-", format="json")
    assert Plain.objects.create().pk == 4


def test_a_second_database(plain_fixture: str) -> None:
    restart(Plain, using="other")
    report = json.loads(_run(plain_fixture, database="other", report="json"))
    assert report["database"] == "other"
    assert [(s["sequence"], s["next_after"]) for s in report["sequences"]] == [
        ("testapp_plain_id_seq", 4)
    ]
    assert Plain.objects.using("other").count() == 3
    assert not Plain.objects.exists()
    assert sequence_of(Plain).next_value == 1
    assert Plain.objects.using("other").create().pk == 4


def test_an_excluded_model_is_neither_written_nor_synced(tmp_path: Path) -> None:
    restart(Plain)
    path = write_fixture(tmp_path, rows("testapp.plain", [1, 2, 3]) + rows("testapp.tag", [7]))
    output = _run(path, "-v", "2", exclude=["testapp.Tag"])
    assert "Installed 3 object(s) (of 4) from 1 fixture(s)" in output
    assert not Tag.objects.exists()
    assert "testapp_tag_id_seq" not in output
    assert MOVED_PLAIN in output


def test_natural_keys_from_an_app_fixture_directory() -> None:
    """``library`` is found in tests/fixtureapp/fixtures; authors have no id in it and get
    theirs from the sequence, books name their author by natural key."""
    restart(Author)
    restart(Book)
    restart(Placement)
    _run("library", app_label="fixtureapp")
    assert Book.objects.get(pk=10).author == Author.objects.get(name="Ursula")
    assert Book.objects.create().pk == 12
    assert Placement.objects.create(book_id=10, shelf_id=1).pk == 22
    _run("library", app_label="fixtureapp")  # the natural key finds the authors again
    assert Author.objects.count() == 2
    assert Author.objects.create(name="Jorge").pk == 3


def test_ignorenonexistent(tmp_path: Path) -> None:
    restart(Plain)
    path = write_fixture(tmp_path, rows("testapp.plain", [1, 2, 3], colour="red"))
    with pytest.raises(DeserializationError, match="Problem installing fixture"):
        _run(path)
    assert MOVED_PLAIN in _run(path, ignore=True)


# --- failures write nothing ---------------------------------------------------------------


def test_an_object_that_fails_is_named_and_nothing_is_written(tmp_path: Path) -> None:
    restart(Plain)
    objects = rows("testapp.plain", [1, 3]) + rows("testapp.plain", [2], name="x" * 60)
    path = write_fixture(tmp_path, objects)
    with pytest.raises(DataError, match=r"Could not load testapp\.Plain\(pk=2\): value too long"):
        _run(path)
    assert not Plain.objects.exists()
    assert sequence_of(Plain).next_value == 1


def test_a_bad_file_after_a_good_one_writes_nothing(tmp_path: Path, plain_fixture: str) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text('[{"model": "testapp.tag", "pk": 1, ')
    with pytest.raises(DeserializationError, match=r"Problem installing fixture '.*bad\.json'"):
        _run(plain_fixture, str(bad))
    assert not Plain.objects.exists()
    assert sequence_of(Plain).next_value == 1


def test_data_past_the_sequence_range_is_refused_and_nothing_is_written(tmp_path: Path) -> None:
    path = write_fixture(tmp_path, rows("testapp.small", [1, 32767]))
    with pytest.raises(CommandError, match=r"No free value left.*nothing was written"):
        _run(path)
    assert not Small.objects.exists()
    stderr = io.StringIO()
    _run(path, "--dry-run", stderr=stderr)
    assert "testapp_small_id_seq (testapp.Small): exhausted" in stderr.getvalue()


@pytest.mark.django_db(transaction=True)
def test_a_connection_killed_mid_load_writes_nothing(tmp_path: Path) -> None:
    restart(Plain)
    path = write_fixture(tmp_path, rows("testapp.plain", list(range(1, 11))))

    def kill_the_session(instance: Plain, raw: bool, **kwargs: Any) -> None:
        if raw and instance.pk == 5:
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_terminate_backend(pg_backend_pid())")

    post_save.connect(kill_the_session, sender=Plain)
    try:
        with pytest.raises(OperationalError):
            _run(path)
    finally:
        post_save.disconnect(kill_the_session, sender=Plain)
        connection.close()
    assert not Plain.objects.exists()
    assert sequence_of(Plain).next_value == 1


# --- dry run, reports, verbosity, progress -------------------------------------------------


def test_dry_run_reports_what_would_be_written_and_moved_then_rolls_back(tmp_path: Path) -> None:
    restart(Plain)
    path = write_fixture(tmp_path, rows("testapp.plainproxy", [1, 2, 3]) + rows("testapp.tag", [1]))
    output = _run(path, "--dry-run")
    assert "Would write 4 object(s): testapp.PlainProxy 3, testapp.Tag 1" in output
    assert MOVED_PLAIN.replace("Moved", "Would move") in output
    assert output.splitlines()[-1] == "Dry run: rolled back, nothing was written."
    assert not Plain.objects.exists()
    assert not Tag.objects.exists()
    assert sequence_of(Plain).next_value == 1


def test_report_json_is_the_whole_report_and_nothing_else(plain_fixture: str) -> None:
    report = json.loads(_run(plain_fixture, report="json"))
    assert report["dry_run"] is False
    assert (report["fixtures"], report["objects_found"], report["objects_written"]) == (1, 3, 3)
    assert report["written_by_model"] == {"testapp.Plain": 3}
    (plain,) = report["sequences"]
    assert (plain["action"], plain["next_before"], plain["next_after"]) == ("raised", 1, 4)
    assert plain["data_max"] == 3
    assert "1 moved" in report["summary"]


def test_report_json_of_a_dry_run(plain_fixture: str) -> None:
    report = json.loads(_run(plain_fixture, "--dry-run", report="json"))
    assert report["dry_run"] is True
    assert report["sequences"][0]["action"] == "would raise"
    assert report["sequences"][0]["next_after"] == 4
    assert not Plain.objects.exists()


def test_verbosity_and_a_sequence_ahead_of_the_data_is_never_lowered(tmp_path: Path) -> None:
    restart(Plain, 100)
    path = write_fixture(tmp_path, rows("testapp.plain", [1, 2, 3]))
    assert _run(path, verbosity=0) == ""
    assert _run(path).splitlines() == ["Installed 3 object(s) from 1 fixture(s)"]
    chatty = _run(path, verbosity=2)
    assert "Syncing sequences" in chatty
    assert "Checked sequence testapp_plain_id_seq (testapp.Plain): ahead, next value 100" in chatty
    assert Plain.objects.create().pk == 100


@pytest.fixture
def small_threshold(monkeypatch: pytest.MonkeyPatch) -> None:
    """Show progress from the tenth object on."""
    monkeypatch.setattr(Command, "progress_threshold", 10)


@pytest.mark.usefixtures("small_threshold")
def test_progress_on_a_terminal_with_tqdm(tmp_path: Path) -> None:
    path = write_fixture(tmp_path, rows("testapp.tag", list(range(1, 26))))
    stderr = _Terminal()
    output = _run(path, stderr=stderr)
    assert "Loading: " in stderr.getvalue()
    assert "25 objects [" in stderr.getvalue()
    assert "\x1b[31" not in stderr.getvalue()  # not styled as an error
    assert output.startswith("Installed 25 object(s)")


@pytest.mark.usefixtures("small_threshold")
def test_progress_without_tqdm_is_a_counter(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "tqdm", None)
    path = write_fixture(tmp_path, rows("testapp.tag", list(range(1, 26))))
    stderr = _Terminal()
    _run(path, stderr=stderr)
    assert stderr.getvalue() == "\rLoading: 10 objects\rLoading: 25 objects\n"


@pytest.mark.usefixtures("small_threshold")
@pytest.mark.parametrize(
    ("count", "terminal", "verbosity"),
    [(25, False, 1), (9, True, 1), (25, True, 0), (25, True, 3)],
    ids=["not a terminal", "below the threshold", "verbosity 0", "verbosity 3"],
)
def test_no_progress(tmp_path: Path, count: int, terminal: bool, verbosity: int) -> None:
    path = write_fixture(tmp_path, rows("testapp.tag", list(range(1, count + 1))))
    stderr = _Terminal() if terminal else io.StringIO()
    _run(path, stderr=stderr, verbosity=verbosity)
    assert stderr.getvalue() == ""


def test_the_sync_covers_rows_written_behind_django_s_back_in_the_loaded_tables(
    tmp_path: Path,
) -> None:
    """A sequence already behind its table before the load is raised past all of it."""
    restart(Plain)
    insert_ids(Plain, [40])
    _run(write_fixture(tmp_path, rows("testapp.plain", [1, 2, 3])))
    assert Plain.objects.create().pk == 41


def test_a_project_loaddata_that_subclasses_it_syncs_too(tmp_path: Path) -> None:
    """The README's recipe for making safe_loaddata the project's ``loaddata``."""

    class ProjectLoaddata(Command):
        """loaddata, with every sequence left right."""

    restart(Plain)
    call_command(ProjectLoaddata(), write_fixture(tmp_path, rows("testapp.plainproxy", [1, 2])))
    assert Plain.objects.create().pk == 3
