"""Column matching that forgives: a spreadsheet's CSV loads on the first try, and every
column that matches nothing is named in one error, with the fields close to it."""

from __future__ import annotations

import datetime
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from safeimport import LoadError, UnmatchedColumnsError, load_csv, load_json
from safeimport._load.inputs.csv_blocks import sniff_delimiter
from safeimport._load.matching import FieldNames, loose
from tests.importapp.models import Author, Book

SPREADSHEET = (
    "\ufeffTitle;Author ID;Pages;In Print;Published\r\n"
    "Dune;1;412;true;1965-08-01\r\n"
    '"Children; of Dune";1;444;false;1976-04-01\r\n'
)


@pytest.fixture
def spreadsheet(tmp_path: Path) -> Path:
    path = tmp_path / "Books export.csv"
    path.write_bytes(SPREADSHEET.encode("utf-8"))
    return path


@pytest.mark.django_db
def test_a_spreadsheet_csv_loads_on_the_first_try(spreadsheet: Path) -> None:
    Author.objects.create(id=1, name="Frank Herbert")
    report = load_csv(Book, spreadsheet)
    assert report.columns == {
        "Title": "title",
        "Author ID": "author",
        "Pages": "pages",
        "In Print": "in_print",
        "Published": "published",
    }
    books = Book.objects.order_by("pages").values_list(
        "title", "author_id", "in_print", "published"
    )
    assert list(books) == [
        ("Dune", 1, True, datetime.date(1965, 8, 1)),
        ("Children; of Dune", 1, False, datetime.date(1976, 4, 1)),
    ]


@pytest.mark.django_db
def test_safe_import_loads_it_without_a_map(spreadsheet: Path) -> None:
    Author.objects.create(id=1, name="Frank Herbert")
    out = StringIO()
    call_command("safe_import", "importapp.Book", str(spreadsheet), stdout=out)
    assert "Imported 2 row(s) into importapp.Book: 2 new" in out.getvalue()


@pytest.mark.django_db
def test_every_unmatched_column_is_named_in_one_error_with_close_fields(tmp_path: Path) -> None:
    path = tmp_path / "books.csv"
    path.write_text("Titel,Pagess,colour,Author\n", encoding="utf-8")
    with pytest.raises(UnmatchedColumnsError) as info:
        load_csv(Book, path, allow_empty=True)
    error = info.value
    assert error.unmatched == {"Titel": ["title"], "Pagess": ["pages"], "colour": []}
    assert error.line == 1
    assert "'Titel' (did you mean 'title'?)" in error.reason
    assert "'colour'" in error.reason
    assert "its fields: id, title, author, published" in error.reason
    assert "columns={...}" in error.reason
    assert isinstance(error, LoadError)
    assert not Book.objects.exists()


@pytest.mark.django_db
def test_the_command_names_its_own_flags(tmp_path: Path) -> None:
    path = tmp_path / "books.csv"
    path.write_text("Titel,pages\nDune,412\n", encoding="utf-8")
    with pytest.raises(CommandError) as info:
        call_command("safe_import", "importapp.Book", str(path))
    message = str(info.value)
    assert "--map COLUMN=FIELD" in message
    assert "--ignore-unknown-columns" in message
    assert "columns=" not in message
    assert "did you mean 'title'" in message


@pytest.mark.django_db
def test_json_keys_match_as_loosely(tmp_path: Path) -> None:
    path = tmp_path / "books.jsonl"
    path.write_text('{"Title": "Dune", "Pages": 412}\n{"Title": "Emma"}\n', encoding="utf-8")
    report = load_json(Book, path)
    assert report.columns == {"Title": "title", "Pages": "pages"}
    assert dict(Book.objects.values_list("title", "pages")) == {"Dune": 412, "Emma": None}


def test_an_exact_name_wins_and_two_loose_candidates_match_neither() -> None:
    names = FieldNames(Book)
    assert names.find("author_id") is Book._meta.get_field("author")
    assert names.find("AUTHOR") is Book._meta.get_field("author")
    assert names.find("in-print") is Book._meta.get_field("in_print")
    assert names.find("nothing") is None
    assert loose(" Customer  ID ") == loose("customer_id") == "customerid"


@pytest.mark.parametrize(
    ("line", "delimiter"),
    [
        ("a,b,c\n", ","),
        ("Customer ID;Full Name;Email\n", ";"),
        ("a\tb\tc\n", "\t"),
        ("a|b|c\n", "|"),
        ('"x;y",b,c\n', ","),  # the quoted part does not count
        ("\n\nname\n", ","),  # one column: nothing to tell
    ],
)
def test_the_delimiter_is_sniffed_from_the_first_line(line: str, delimiter: str) -> None:
    assert sniff_delimiter(line) == delimiter
