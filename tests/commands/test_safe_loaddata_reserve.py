"""safe_loaddata reserves first: before a JSON or YAML fixture's first object is saved, the
sequences of its tables are already past its ids, so the application's inserts during the
load never draw one of them. Streamed formats (XML, JSON Lines) are not reserved, and the
command says so."""

from __future__ import annotations

import gzip
import io
import json
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.core import serializers
from django.core.management import call_command
from django.db.models import Model
from django.db.models.signals import post_save

from safeimport import audit_sequences
from tests.conftest import restart, sequence_of
from tests.fixtureapp.objects import rows, write_fixture
from tests.testapp.models import Child, Parent, Plain, Tag

pytestmark = pytest.mark.django_db

STREAMED = "is read as a stream: its ids were not reserved"


def _run(*args: str, **options: Any) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command("safe_loaddata", *args, stdout=out, stderr=err, **options)
    return out.getvalue(), err.getvalue()


@pytest.fixture
def at_first_save() -> Iterator[dict[str, int | None]]:
    """The next value of each model's own sequence (``None``: its table has none, as a
    multi-table child's) when its first fixture object is saved."""
    seen: dict[str, int | None] = {}

    def look(sender: type[Model], instance: Model, raw: bool, **kwargs: Any) -> None:
        label = sender._meta.label
        if raw and label not in seen:
            concrete = (sender._meta.concrete_model or sender)._meta.label
            own = [s for s in audit_sequences(sender) if any(u.model == concrete for u in s.uses)]
            seen[label] = own[0].next_value if own else None

    post_save.connect(look)
    yield seen
    post_save.disconnect(look)


def test_a_json_fixture_s_ids_are_reserved_before_its_first_object_is_saved(
    tmp_path: Path, at_first_save: dict[str, int | None]
) -> None:
    restart(Plain)
    restart(Tag)
    path = write_fixture(tmp_path, rows("testapp.plain", [5, 1, 90]) + rows("testapp.tag", [3]))
    out, err = _run(path)
    assert at_first_save == {"testapp.Plain": 91, "testapp.Tag": 4}
    assert "Moved sequence testapp_plain_id_seq 1 -> 91 (testapp.Plain)" in out
    assert err == ""
    assert Plain.objects.create().pk == 91


def test_a_yaml_fixture_is_reserved_too(
    tmp_path: Path, at_first_save: dict[str, int | None]
) -> None:
    restart(Plain)
    path = tmp_path / "plain.yaml"
    path.write_text("- model: testapp.plain\n  pk: 30\n  fields: {name: a}\n")
    _run(str(path))
    assert at_first_save == {"testapp.Plain": 31}


@pytest.mark.parametrize("source", ["gzip", "stdin"])
def test_compressed_and_standard_input_fixtures_are_reserved(
    tmp_path: Path,
    at_first_save: dict[str, int | None],
    monkeypatch: pytest.MonkeyPatch,
    source: str,
) -> None:
    restart(Plain)
    text = json.dumps(rows("testapp.plain", [1, 2, 60]))
    if source == "gzip":
        path = tmp_path / "plain.json.gz"
        path.write_bytes(gzip.compress(text.encode()))
        _run(str(path))
    else:
        monkeypatch.setattr(sys, "stdin", io.StringIO(text))
        _run("-", format="json")
    assert at_first_save == {"testapp.Plain": 61}
    assert Plain.objects.count() == 3


def test_proxy_and_multi_table_objects_reserve_their_concrete_tables(
    tmp_path: Path, at_first_save: dict[str, int | None]
) -> None:
    restart(Plain)
    restart(Parent)
    objects = (
        rows("testapp.plainproxy", [12])
        + rows("testapp.parent", [7, 8])
        + rows("testapp.child", [8], extra="x")
    )
    _run(write_fixture(tmp_path, objects))
    assert at_first_save == {"testapp.PlainProxy": 13, "testapp.Parent": 9, "testapp.Child": None}
    assert Child.objects.create().pk == 9


def test_an_excluded_model_is_not_reserved(tmp_path: Path) -> None:
    restart(Plain)
    restart(Tag)
    path = write_fixture(tmp_path, rows("testapp.plain", [1]) + rows("testapp.tag", [50]))
    _run(path, exclude=["testapp.Tag"])
    assert sequence_of(Tag).next_value == 1


def test_a_dry_run_reserves_nothing_and_says_would_install(tmp_path: Path) -> None:
    restart(Plain)
    out, _ = _run(write_fixture(tmp_path, rows("testapp.plain", [1, 2, 3])), "--dry-run")
    lines = out.splitlines()
    assert lines[0] == "Would install 3 object(s) from 1 fixture(s)"
    assert not [line for line in lines if line.startswith("Installed")]
    assert sequence_of(Plain).next_value == 1
    assert not Plain.objects.exists()


def _xml(tmp_path: Path, pks: list[int]) -> str:
    path = tmp_path / "plain.xml"
    path.write_text(serializers.serialize("xml", [Plain(pk=pk, name="x") for pk in pks]))
    return str(path)


def test_an_xml_fixture_is_streamed_and_the_command_says_to_lock(
    tmp_path: Path, at_first_save: dict[str, int | None]
) -> None:
    restart(Plain)
    path = _xml(tmp_path, [1, 2])
    out, err = _run(path)
    assert at_first_save == {"testapp.Plain": 1}  # not reserved: the stream is read once
    assert f"Fixture {path} (xml) {STREAMED}" in err
    assert "Use --lock while the application writes." in err
    assert "Moved sequence testapp_plain_id_seq 1 -> 3 (testapp.Plain)" in out  # at the end
    report = json.loads(_run(path, report="json")[0])
    assert report["not_reserved"] == [f"{path} (xml)"]
    assert report["schema"] == 1


def test_an_xml_fixture_under_lock_says_nothing_more(tmp_path: Path) -> None:
    restart(Plain)
    _, err = _run(_xml(tmp_path, [1, 2]), "--lock")
    assert err == ""
    assert Plain.objects.create().pk == 3
