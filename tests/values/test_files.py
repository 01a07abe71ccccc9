"""Every row of a file arrives: a line holding only ``\\.``, CRLF files without a final
newline, compressed files; and COPY's count of rows must be the count sent."""

from __future__ import annotations

import bz2
import gzip
import io
import json
import lzma
from collections.abc import Callable
from pathlib import Path

import pytest
from django.core.management import call_command

from safeimport import LoadError, load_csv, load_json
from safeimport._load.inputs import csv as csv_input
from tests.testapp.models import Plain

pytestmark = pytest.mark.django_db

END_MARKER = "\\."


@pytest.mark.parametrize("on_error", ["raise", "skip"])
def test_a_line_holding_only_backslash_dot_is_a_value(tmp_path: Path, on_error: str) -> None:
    path = tmp_path / "names.csv"
    path.write_text(f"name\na\nb\n{END_MARKER}\nc\nd\n", encoding="utf-8")
    report = load_csv(Plain, path, on_error=on_error)  # type: ignore[arg-type]
    assert report.rows_written == 5
    names = sorted(Plain.objects.values_list("name", flat=True))
    assert names == sorted(["a", "b", END_MARKER, "c", "d"])


def test_backslash_dot_lines_in_crlf_files_and_rewritten_rows(tmp_path: Path) -> None:
    path = tmp_path / "names.csv"
    path.write_bytes(b"name\r\na\r\n\\.\r\nc\r\n")
    assert load_csv(Plain, path).rows_written == 3
    path.write_bytes(b"name,colour\r\na,red\r\n\\.,blue\r\n")
    load_csv(Plain, path, columns={"colour": None})  # rows written anew without "colour"
    names = sorted(Plain.objects.values_list("name", flat=True))
    assert names == [END_MARKER, END_MARKER, "a", "a", "c"]
    path.write_bytes(b"name\n\\.")
    assert load_csv(Plain, path).rows_written == 1  # at the very end, without a newline


def test_copy_storing_fewer_rows_than_sent_fails_the_load(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The guard behind the quoting: were ``\\.`` sent as it is, COPY would stop there."""
    monkeypatch.setattr(csv_input, "quote_end_markers", lambda text: text)
    path = tmp_path / "names.csv"
    path.write_text(f"name\na\nb\n{END_MARKER}\nc\nd\n", encoding="utf-8")
    with pytest.raises(LoadError, match="COPY stored 2 of the 5 rows sent"):
        load_csv(Plain, path)
    assert Plain.objects.count() == 0


def test_a_crlf_file_without_a_final_newline(tmp_path: Path) -> None:
    text = b"id,name\r\n1,a\r\n2,b"
    path = tmp_path / "crlf.csv"
    path.write_bytes(text)
    assert load_csv(Plain, path).rows_written == 2
    other = text.replace(b"1,", b"3,").replace(b"2,", b"4,")
    assert load_csv(Plain, io.BytesIO(other)).rows_written == 2
    lines = ["id,name\r\n", "5,e\r\n", "6,f"]
    assert load_csv(Plain, lines).rows_written == 2
    quoted = b'id,name\r\n7,"two\r\nlines"\r\n8,"h"'
    assert load_csv(Plain, io.BytesIO(quoted)).rows_written == 2
    assert dict(Plain.objects.values_list("id", "name")) == {
        1: "a", 2: "b", 3: "a", 4: "b", 5: "e", 6: "f", 7: "two\r\nlines", 8: "h",
    }  # fmt: skip


_COMPRESSORS: dict[str, Callable[[bytes], bytes]] = {
    ".gz": gzip.compress,
    ".bz2": bz2.compress,
    ".xz": lzma.compress,
}


@pytest.mark.parametrize("suffix", list(_COMPRESSORS))
@pytest.mark.parametrize("how", ["extension", "magic", "binary file"])
@pytest.mark.parametrize("kind", ["csv", "json"])
def test_compressed_files_are_read_as_they_are(
    tmp_path: Path, suffix: str, how: str, kind: str
) -> None:
    if kind == "csv":
        text = "id,name\n" + "".join(f"{i},név {i}\n" for i in range(1, 5001))
    else:
        text = json.dumps([{"id": i, "name": f"név {i}"} for i in range(1, 5001)])
    data = _COMPRESSORS[suffix](text.encode("utf-8"))
    path = tmp_path / (f"rows.{kind}" + (suffix if how == "extension" else ""))
    path.write_bytes(data)
    load = load_csv if kind == "csv" else load_json
    source = io.BytesIO(data) if how == "binary file" else path
    report = load(Plain, source)  # type: ignore[operator]
    assert report.rows_written == 5000
    assert Plain.objects.get(id=4321).name == "név 4321"


def test_a_bad_row_in_a_compressed_file_names_its_line(tmp_path: Path) -> None:
    path = tmp_path / "rows.csv.gz"
    path.write_bytes(gzip.compress(b"id,name\n1,a\nx,b\n"))
    with pytest.raises(LoadError) as info:
        load_csv(Plain, path)
    assert (info.value.line, info.value.column) == (3, "id")
    path.write_bytes(gzip.compress(b"id,name\n1,a\nx,b\n3," + b"n" * 60 + b"\n"))
    rejects = tmp_path / "rejects.csv"
    report = load_csv(Plain, path, on_error="skip", reject_file=rejects)
    assert (report.rows_written, report.rows_rejected) == (1, 2)
    records = rejects.read_text(encoding="utf-8")
    assert "x,b" in records  # refused while reading
    assert "3," + "n" * 60 in records  # refused by PostgreSQL, shown as it is in the file


@pytest.mark.parametrize("name", ["rows.csv.gz", "rows.jsonl.xz", "rows.json.bz2"])
def test_safe_import_reads_compressed_files(tmp_path: Path, name: str) -> None:
    if ".csv" in name:
        text = "id,name\n1,a\n2,b\n"
    elif ".jsonl" in name:
        text = '{"id": 1, "name": "a"}\n{"id": 2, "name": "b"}\n'
    else:
        text = '[{"id": 1, "name": "a"}, {"id": 2, "name": "b"}]'
    suffix = "." + name.rsplit(".", 1)[1]
    path = tmp_path / name
    path.write_bytes(_COMPRESSORS[suffix](text.encode()))
    call_command("safe_import", "testapp.Plain", str(path), verbosity=0)
    assert dict(Plain.objects.values_list("id", "name")) == {1: "a", 2: "b"}
