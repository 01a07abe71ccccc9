"""load_csv: rows land as given, every kind of column, and the sequences end up right."""

from __future__ import annotations

import datetime
import io
import uuid
from decimal import Decimal
from pathlib import Path

import pytest
from django.db import connection, transaction

from safeimport import Action, LoadError, load_csv
from tests.conftest import restart, sequence_of
from tests.importapp.models import Author, Book, Shelf
from tests.testapp.models import Always, Big, Descending, Plain, Serial, Stepped, Unowned

pytestmark = pytest.mark.django_db


def _file(tmp_path: Path, text: str, name: str = "data.csv") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_explicit_ids_are_written_and_the_sequence_moves_past_them(tmp_path: Path) -> None:
    restart(Plain)
    report = load_csv(Plain, _file(tmp_path, "id,name\n5,five\n9,nine\n7,seven\n"))
    assert dict(Plain.objects.values_list("id", "name")) == {5: "five", 9: "nine", 7: "seven"}
    assert (report.rows_read, report.rows_written, report.rows_skipped) == (3, 3, 0)
    (change,) = report.sequences
    assert (change.action, change.next_before, change.next_after) == (Action.RAISED, 1, 10)
    assert Plain.objects.create().pk == 10


@pytest.mark.parametrize("model", [Always, Big, Serial, Unowned])
def test_every_kind_of_sequence_is_left_right(tmp_path: Path, model: type[Plain]) -> None:
    restart(model)
    load_csv(model, _file(tmp_path, "id,name\n1,a\n2,b\n40,c\n"))
    assert sorted(model.objects.values_list("id", flat=True)) == [1, 2, 40]
    assert model.objects.create().pk == 41


def test_a_stepped_sequence_gets_its_next_step(tmp_path: Path) -> None:
    restart(Stepped)
    load_csv(Stepped, _file(tmp_path, "id,name\n3,a\n9,b\n"))
    assert Stepped.objects.create().pk == 13  # START 3 INCREMENT 5: 3, 8, 13


def test_a_descending_sequence_goes_below_the_smallest_id(tmp_path: Path) -> None:
    restart(Descending)
    load_csv(Descending, _file(tmp_path, "id,name\n-1,a\n-7,b\n"))
    assert Descending.objects.create().pk == -8


def test_rows_without_an_id_draw_from_the_sequence_past_every_id_in_the_file(
    tmp_path: Path,
) -> None:
    restart(Plain)
    # The sequence starts behind the file: the rows without an id come first, and the ids
    # the sequence would hand them (1, 2) are in the file further down.
    text = "id,name\n,first\n,second\n1,one\n2,two\n"
    report = load_csv(Plain, _file(tmp_path, text))
    rows = dict(Plain.objects.values_list("name", "id"))
    assert (rows["one"], rows["two"]) == (1, 2)
    assert {rows["first"], rows["second"]} == {3, 4}
    assert report.rows_written == 4
    assert Plain.objects.create().pk == 5


def test_an_input_without_an_id_column_takes_ids_from_the_sequence(tmp_path: Path) -> None:
    restart(Plain, 50)
    load_csv(Plain, _file(tmp_path, "name\nx\ny\n"))
    assert sorted(Plain.objects.values_list("id", flat=True)) == [50, 51]
    assert Plain.objects.create().pk == 52


def test_every_kind_of_column_loads_as_its_type(tmp_path: Path) -> None:
    author = Author.objects.create(name="Ann")
    text = (
        "id,title,author_id,published,price,in_print,rating,isbn,meta,added,pages,code\n"
        f'1,"Quotes, ""and"" commas",{author.pk},2024-02-29,12.50,true,4.5,'
        '12345678-1234-5678-1234-567812345678,"{""tags"": [""a""], ""n"": 1}",'
        "2024-05-01 12:30:00+02:00,321,A-1\n"
        "2,Nulls,,,,,,,,,,\n"
    )
    load_csv(Book, _file(tmp_path, text))
    full, empty = Book.objects.order_by("id")
    assert full.title == 'Quotes, "and" commas'
    assert full.author_id == author.pk
    assert full.published == datetime.date(2024, 2, 29)
    assert full.price == Decimal("12.50")
    assert full.in_print is True
    assert full.rating == 4.5
    assert full.isbn == uuid.UUID("12345678-1234-5678-1234-567812345678")
    assert full.meta == {"tags": ["a"], "n": 1}
    assert full.added == datetime.datetime(2024, 5, 1, 10, 30, tzinfo=datetime.UTC)
    assert (full.pages, full.code) == (321, "A-1")
    assert empty.title == "Nulls"
    assert [
        getattr(empty, f)
        for f in ("author_id", "published", "price", "in_print", "rating", "isbn", "meta")
    ] == [None] * 7
    assert (empty.added, empty.pages, empty.code) == (None, None, None)


def test_an_empty_field_in_a_not_null_text_column_is_an_empty_string(tmp_path: Path) -> None:
    load_csv(Plain, _file(tmp_path, "id,name\n1,\n"))
    assert Plain.objects.get().name == ""


def test_columns_map_file_names_to_field_names_and_attnames(tmp_path: Path) -> None:
    author = Author.objects.create(name="Ann")
    text = f"Book Title,Writer,junk\nDune,{author.pk},x\n"
    load_csv(
        Book,
        _file(tmp_path, text),
        columns={"Book Title": "title", "Writer": "author_id", "junk": None},
    )
    assert Book.objects.values_list("title", "author_id").get() == ("Dune", author.pk)
    Book.objects.all().delete()
    load_csv(
        Book, _file(tmp_path, f"title,Writer\nEmma,{author.pk}\n"), columns={"Writer": "author"}
    )
    assert Book.objects.get().author == author


def test_unknown_file_columns_can_be_ignored(tmp_path: Path) -> None:
    load_csv(Plain, _file(tmp_path, "id,name,colour\n1,a,red\n"), ignore_unknown_columns=True)
    assert Plain.objects.values_list("id", "name").get() == (1, "a")


def test_missing_columns_take_the_field_default(tmp_path: Path) -> None:
    load_csv(Shelf, _file(tmp_path, "label\ntop\n"))
    shelf = Shelf.objects.get()
    assert (shelf.label, shelf.capacity, shelf.active) == ("top", 10, True)


def test_without_a_header_columns_names_the_fields_in_order(tmp_path: Path) -> None:
    load_csv(
        Plain,
        _file(tmp_path, "3;three\n4;four\n"),
        header=False,
        columns=["id", "name"],
        delimiter=";",
    )
    assert dict(Plain.objects.values_list("id", "name")) == {3: "three", 4: "four"}


def test_a_custom_null_marker(tmp_path: Path) -> None:
    load_csv(Book, _file(tmp_path, "id,title,pages\n1,a,NULL\n2,b,7\n"), null="NULL")
    assert dict(Book.objects.values_list("id", "pages")) == {1: None, 2: 7}


@pytest.mark.parametrize(
    "make_source",
    [
        lambda text: io.StringIO(text),
        lambda text: io.BytesIO(text.encode("utf-8")),
        lambda text: text.splitlines(keepends=True),
        lambda text: [line.encode() for line in text.splitlines()],
    ],
    ids=["text file", "binary file", "lines", "byte lines without ends"],
)
def test_sources_other_than_paths(make_source: object) -> None:
    source = make_source("id,name\n1,é\n2,b\n")  # type: ignore[operator]
    report = load_csv(Plain, source)
    assert dict(Plain.objects.values_list("id", "name")) == {1: "é", 2: "b"}
    assert report.rows_written == 2


def test_a_latin1_file_with_its_encoding(tmp_path: Path) -> None:
    path = tmp_path / "latin.csv"
    path.write_bytes("id,name\n1,caf\xe9\n".encode("latin-1"))
    load_csv(Plain, path, encoding="latin-1")
    assert Plain.objects.get().name == "café"


def test_a_quoted_field_over_several_lines(tmp_path: Path) -> None:
    load_csv(Plain, _file(tmp_path, 'id,name\n1,"two\nlines"\n2,b\n'))
    assert Plain.objects.get(id=1).name == "two\nlines"


def test_a_byte_order_mark_is_dropped(tmp_path: Path) -> None:
    path = tmp_path / "bom.csv"
    path.write_bytes(b"\xef\xbb\xbfid,name\n1,a\n")
    load_csv(Plain, path)
    assert Plain.objects.get().pk == 1


def test_a_proxy_model_loads_its_concrete_table(tmp_path: Path) -> None:
    from tests.testapp.models import PlainProxy

    restart(Plain)
    load_csv(PlainProxy, _file(tmp_path, "id,name\n8,p\n"))
    assert Plain.objects.create().pk == 9


def test_the_loader_joins_the_callers_transaction(tmp_path: Path) -> None:
    path = _file(tmp_path, "id,name\n1,a\n")
    with pytest.raises(RuntimeError), transaction.atomic():
        load_csv(Plain, path)
        assert Plain.objects.count() == 1
        raise RuntimeError
    assert Plain.objects.count() == 0


def test_dry_run_validates_rolls_back_and_leaves_the_sequence_alone(tmp_path: Path) -> None:
    restart(Plain)
    before = sequence_of(Plain)
    report = load_csv(Plain, _file(tmp_path, "id,name\n,a\n5,b\n,c\n"), dry_run=True)
    assert (report.dry_run, report.rows_written) == (True, 3)
    assert Plain.objects.count() == 0
    after = sequence_of(Plain)
    assert (after.last_value, after.is_called) == (before.last_value, before.is_called)
    with pytest.raises(LoadError):
        load_csv(Plain, _file(tmp_path, "id,name\nx,a\n"), dry_run=True)


def test_the_report_counts_and_times(tmp_path: Path) -> None:
    report = load_csv(Plain, _file(tmp_path, "id,name\n1,a\n2,b\n"))
    data = report.as_dict()
    assert data["rows_read"] == data["rows_written"] == 2
    assert data["seconds"] >= 0
    assert data["bytes_read"] == len("id,name\n1,a\n2,b\n")
    assert data["sequences"][0]["next_after"] == 3
    assert "Imported 2 row(s) into testapp.Plain: 2 new" in report.summary()


def test_on_conflict_skip_leaves_taken_keys_alone(tmp_path: Path) -> None:
    Plain.objects.create(id=1, name="old")
    report = load_csv(Plain, _file(tmp_path, "id,name\n1,new\n2,b\n"), on_conflict="skip")
    assert dict(Plain.objects.values_list("id", "name")) == {1: "old", 2: "b"}
    assert (report.rows_read, report.rows_written, report.rows_skipped) == (2, 1, 1)
    assert report.rows_read == (
        report.rows_written + report.rows_updated + report.rows_skipped + report.rows_rejected
    )
    assert Plain.objects.create().pk == 3


def test_on_conflict_update_replaces_the_row(tmp_path: Path) -> None:
    restart(Plain)
    Plain.objects.create(id=1, name="old")
    report = load_csv(Plain, _file(tmp_path, "id,name\n1,new\n,drawn\n"), on_conflict="update")
    assert Plain.objects.get(id=1).name == "new"
    assert (report.rows_written, report.rows_updated, report.rows_skipped) == (1, 1, 0)
    assert Plain.objects.get(name="drawn").pk == 2


def test_on_conflict_update_by_a_unique_field(tmp_path: Path) -> None:
    restart(Book)
    Book.objects.create(id=1, title="old", code="A")
    text = "title,code,pages\nnew,A,10\nother,B,20\n"
    report = load_csv(Book, _file(tmp_path, text), on_conflict="update", conflict_fields=["code"])
    assert Book.objects.values_list("id", "title", "pages").get(code="A") == (1, "new", 10)
    # The sequence was behind the table (id 1); the load moved it past before drawing.
    new = Book.objects.get(code="B").pk
    assert new > 1
    assert (report.rows_written, report.rows_updated) == (1, 1)
    assert Book.objects.create(title="next").pk > new


def test_a_table_with_a_quote_in_its_name(tmp_path: Path) -> None:
    from tests.testapp.models import MixedCase, OtherSchema

    for model in (MixedCase, OtherSchema):
        restart(model)
        load_csv(model, _file(tmp_path, "id,name\n4,x\n"))
        assert model.objects.create().pk == 5
    with connection.cursor() as cursor:
        cursor.execute('SELECT count(*) FROM "Mixed""Case"')
        assert cursor.fetchone()[0] == 2
