"""The admin import reads CSV, TSV, JSON, JSON Lines and XLSX, told by extension or content."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import pytest
from django.test import Client

from safeimport.admin.formats import guess_format
from safeimport.admin.jobs import Job
from tests.admin.conftest import IMPORT_URL, MakeUser, client_for, preview_of, upload
from tests.importapp.models import Author, Book

XLSX_HEAD = b"PK\x03\x04\x14\x00\x06\x00"


@pytest.mark.parametrize(
    ("name", "head", "expected"),
    [
        ("books.csv", b"[not json", "csv"),
        ("books.TSV", b"id,title", "tsv"),
        ("books.json", b"", "json"),
        ("books.jsonl", b"", "jsonl"),
        ("books.ndjson", b"", "jsonl"),
        ("books.xlsx", b"", "xlsx"),
        ("export", XLSX_HEAD, "xlsx"),
        ("export", b'\xef\xbb\xbf  [{"id": 1}]', "json"),
        ("export.dat", b'{"id": 1}\n{"id": 2}\n', "jsonl"),
        ("export", b"id\ttitle\n1\tDune\n", "tsv"),
        ("export", b"id,title\n1,Dune, the book\n", "csv"),
        ("export", b"id\n1\n", "csv"),
    ],
)
def test_the_format_is_told_by_the_extension_else_by_the_content(
    name: str, head: bytes, expected: str
) -> None:
    assert guess_format(name, head) == expected


@pytest.fixture
def client(make_user: MakeUser) -> Client:
    """A client of a user who may add books."""
    return client_for(make_user("add", "view"))


def _books(author: Author) -> list[dict[str, object]]:
    return [
        {"id": 1, "title": "Dune", "author_id": author.pk},
        {"id": 2, "title": "Emma", "author_id": 999999},
        {"id": 3, "title": "Ulysses", "author_id": author.pk},
    ]


def _write(path: Path, books: list[dict[str, object]]) -> None:
    header = list(books[0])
    if path.suffix in (".tsv", ""):
        lines = ["\t".join(header)] + ["\t".join(str(b[k]) for k in header) for b in books]
        path.write_text("\n".join(lines) + "\n")
    elif path.suffix == ".json":
        path.write_text(json.dumps(books))
    elif path.suffix == ".jsonl":
        path.write_text("".join(json.dumps(book) + "\n" for book in books))
    else:
        import tablib

        dataset = tablib.Dataset(*[[b[k] for k in header] for b in books], headers=header)
        path.write_bytes(dataset.export("xlsx"))


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("name", "input_format"),
    [
        ("books.tsv", "tsv"),
        ("books.json", "json"),
        ("books.jsonl", "jsonl"),
        ("books.xlsx", "xlsx"),
        ("books", "tsv"),
    ],
)
def test_each_format_previews_its_rows(
    client: Client, tmp_path: Path, name: str, input_format: str
) -> None:
    pytest.importorskip("openpyxl")
    path = tmp_path / name
    _write(path, _books(Author.objects.create(name="Writer")))

    token = preview_of(client, path, on_error="skip")

    job = Job.load(token)
    assert job is not None
    assert job.input_format == input_format
    assert (job.preview["rows_written"], job.preview["rows_rejected"]) == (2, 1)
    assert ["author_id", "author"] in job.preview["mapping"]
    assert Book.objects.count() == 0


@pytest.mark.django_db
def test_the_format_chosen_on_the_form_wins(client: Client, tmp_path: Path) -> None:
    path = tmp_path / "books.txt"
    path.write_text('{"id": 1, "title": "Dune"}\n')

    token = preview_of(client, path, input_format="jsonl")

    assert Job.load(token).preview["rows_written"] == 1  # type: ignore[union-attr]


@pytest.mark.django_db
def test_a_file_in_the_wrong_format_is_refused_with_the_reason(
    client: Client, tmp_path: Path
) -> None:
    path = tmp_path / "books.json"
    path.write_text("id,title\n1,Dune\n")

    response = upload(client, path)

    assert response.status_code == 200
    (error,) = response.context["form"].non_field_errors()
    assert "books.json" in error or "JSON" in error
    assert Book.objects.count() == 0
    assert client.get(IMPORT_URL).status_code == 200


@pytest.mark.django_db
def test_xlsx_without_openpyxl_says_what_to_install(
    client: Client, tmp_path: Path, jobs_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    real_find_spec = importlib.util.find_spec
    monkeypatch.setattr(
        importlib.util,
        "find_spec",
        lambda name, *args: None if name == "openpyxl" else real_find_spec(name, *args),
    )
    path = tmp_path / "books.xlsx"
    path.write_bytes(XLSX_HEAD)

    response = upload(client, path)

    assert response.status_code == 200
    assert response.context["form"].errors["input_format"] == [
        "Reading XLSX files needs tablib with openpyxl: pip install 'safeimport[xlsx]'"
    ]
    assert not jobs_dir.exists() or list(jobs_dir.iterdir()) == []
