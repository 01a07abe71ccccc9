"""The transaction contract of a load: where it writes, what it leaves to the caller's
transaction, how it words a refusal (the first refused row, in the input's order, with its
line), and that a dry run never gets in the application's way."""

from __future__ import annotations

import builtins
import threading
import time
from pathlib import Path
from typing import Any

import pytest
from django.db import connection, connections, transaction
from django.test import override_settings

from safeimport import LoadError, load_csv, load_dataframe
from safeimport._db import compose
from tests.conftest import restart, sequence_of
from tests.importapp.models import Author, Book, Category, Reading
from tests.testapp.models import Plain


def _file(tmp_path: Path, text: str, name: str = "rows.csv") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


class _ToOther:
    """Sends every write of Plain to the ``other`` database."""

    def db_for_write(self, model: type[Any], **hints: Any) -> str | None:
        return "other" if model is Plain else None


# --- where the rows go -----------------------------------------------------------------


@pytest.mark.django_db(databases=["default", "other"])
def test_without_using_a_load_goes_where_the_router_sends_the_models_writes(
    tmp_path: Path,
) -> None:
    with override_settings(DATABASE_ROUTERS=[_ToOther(), "tests.routers.SQLiteRouter"]):
        load_csv(Plain, _file(tmp_path, "id,name\n1,routed\n"))
    assert list(Plain.objects.using("other").values_list("name", flat=True)) == ["routed"]
    assert not Plain.objects.using("default").exists()


# --- deferred constraints: the caller's transaction decides -----------------------------


@pytest.mark.django_db(transaction=True)
def test_children_then_parents_in_one_atomic_block_load_as_the_orm_allows(
    tmp_path: Path,
) -> None:
    books = _file(tmp_path, "id,title,author_id\n1,first,7\n2,second,8\n", "books.csv")
    authors = _file(tmp_path, "id,name\n7,Ann\n8,Bo\n", "authors.csv")
    with transaction.atomic():
        load_csv(Book, books)
        load_csv(Author, authors)
    assert sorted(Book.objects.values_list("author__name", flat=True)) == ["Ann", "Bo"]


@pytest.mark.django_db(transaction=True)
def test_a_load_keeps_the_callers_constraint_mode(tmp_path: Path) -> None:
    Author.objects.create(id=1, name="Ann")
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        load_csv(Book, _file(tmp_path, "id,title,author_id\n1,ok,1\n"))
        # still IMMEDIATE: a row that points at nothing is refused at once, not at commit
        with pytest.raises(Exception, match="foreign key"), transaction.atomic():
            Book.objects.create(title="dangling", author_id=99)
    assert list(Book.objects.values_list("title", flat=True)) == ["ok"]


@pytest.mark.django_db(transaction=True)
def test_a_dangling_key_inside_the_callers_transaction_fails_its_commit(tmp_path: Path) -> None:
    with pytest.raises(Exception, match="foreign key"), transaction.atomic():
        load_csv(Book, _file(tmp_path, "id,title,author_id\n1,dangling,99\n"))
    assert not Book.objects.exists()


# --- the first refused row, with its line ---------------------------------------------


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(
    ("rows", "line", "column", "reason"),
    [
        ("1,a,,0\n2,b,99,0\n3,c,98,0\n", 3, "parent_id", "matches no row"),  # foreign key
        ("1,a,,0\n2,b,,0\n3,c,,-1\n4,d,,-2\n", 4, "rank", "check constraint"),
        ("1,a,,0\n2,b,,0\n3,a,,0\n", 4, "name", "appears more than once in the input"),
    ],
    ids=["foreign key", "check", "unique other than the key"],
)
@pytest.mark.parametrize("ordered", [True, False], ids=["direct path", "staged path"])
def test_a_refusal_names_the_first_refused_row_in_input_order(
    tmp_path: Path, rows: str, line: int, column: str, reason: str, ordered: bool
) -> None:
    path = _file(tmp_path, "id,name,parent_id,rank\n" + rows)
    with pytest.raises(LoadError) as info, path.open("rb") as stream:
        # a stream cannot be read for its ids before the load: its rows are staged
        load_csv(Category, path if ordered else stream)
    error = info.value
    assert (error.line, error.column) == (line, column), error
    assert reason in error.reason
    assert not Category.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_a_dataframe_refused_by_a_foreign_key_names_its_row(tmp_path: Path) -> None:
    pandas = pytest.importorskip("pandas")
    authors = pandas.array([None, 5, None], dtype="Int64")
    frame = pandas.DataFrame({"id": [1, 2, 3], "title": ["a", "b", "c"], "author_id": authors})
    with pytest.raises(LoadError) as info:
        load_dataframe(Book, frame)
    assert info.value.column == "author_id"
    assert (info.value.line, info.value.row) == (None, 1)  # the index label of the row
    assert not Book.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_a_key_taken_in_the_table_and_one_repeated_in_the_input_are_told_apart(
    tmp_path: Path,
) -> None:
    Category.objects.create(id=1, name="taken")
    with pytest.raises(LoadError) as info:
        load_csv(Category, _file(tmp_path, "id,name\n2,b\n1,c\n"))
    assert "already in the table" in info.value.reason
    assert info.value.line == 3
    with pytest.raises(LoadError) as info:
        load_csv(Category, _file(tmp_path, "id,name\n3,b\n4,c\n3,d\n"))
    assert "more than once in the input" in info.value.reason
    assert info.value.line == 4
    assert list(Category.objects.values_list("name", flat=True)) == ["taken"]


# --- wording an error never hurts the caller's transaction -----------------------------


@pytest.mark.django_db(transaction=True)
def test_wording_an_error_leaves_the_callers_transaction_usable(tmp_path: Path) -> None:
    """A role that may insert but not read the table: the lookup that tells "taken" from
    "repeated" fails, inside its savepoint; the load's own error still comes out, and the
    caller's transaction goes on."""
    restart(Plain)
    Plain.objects.create(id=1, name="taken")
    sequence = sequence_of(Plain)
    with connection.cursor() as cursor:
        cursor.execute("CREATE ROLE safeimport_writer NOLOGIN")
        cursor.execute("GRANT USAGE ON SCHEMA public TO safeimport_writer")
        cursor.execute("GRANT INSERT ON testapp_plain TO safeimport_writer")
        cursor.execute(
            compose(
                connection,
                "GRANT SELECT, UPDATE ON SEQUENCE {} TO safeimport_writer",
                (sequence.schema, sequence.name),
            )
        )
    try:
        with transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL ROLE safeimport_writer")
            with pytest.raises(LoadError) as info:
                load_csv(Plain, _file(tmp_path, "id,name\n2,a\n1,b\n"))
            # the role may not read the table, so the server shows no key values
            assert (info.value.line, info.value.column) == (3, "id")
            assert "testapp_plain_pkey" in info.value.reason
            with connection.cursor() as cursor:
                cursor.execute("SELECT 1")  # not "current transaction is aborted"
                assert cursor.fetchone() == (1,)
    finally:
        with connection.cursor() as cursor:
            cursor.execute("DROP OWNED BY safeimport_writer")
            cursor.execute("DROP ROLE safeimport_writer")
    assert list(Plain.objects.values_list("name", flat=True)) == ["taken"]


# --- skip mode and rows that point at rejected rows --------------------------------------


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(
    "parent", ["1,parent,,x", "1,parent,,"], ids=["rank not a number", "no rank (NOT NULL)"]
)
def test_skip_rejects_the_descendants_of_a_rejected_parent(tmp_path: Path, parent: str) -> None:
    rows = f"{parent}\n2,child,1,0\n3,grandchild,2,0\n4,other,,0\n"
    path = _file(tmp_path, "id,name,parent_id,rank\n" + rows)
    report = load_csv(Category, path, on_error="skip")
    assert list(Category.objects.values_list("name", flat=True)) == ["other"]
    assert (report.rows_written, report.rows_rejected) == (1, 3)


# --- replace keyed on conflict_fields -----------------------------------------------------


@pytest.mark.django_db
def test_replace_with_conflict_fields_updates_matched_rows_in_place(tmp_path: Path) -> None:
    kept = Category.objects.create(name="kept", rank=1)
    gone = Category.objects.create(name="gone", rank=2)
    report = load_csv(
        Category,
        _file(tmp_path, "name,rank\nkept,10\nnew,3\n"),
        mode="replace",
        conflict_fields=["name"],
    )
    rows = dict(Category.objects.values_list("name", "id"))
    assert rows["kept"] == kept.pk  # updated in place, same id
    assert "gone" not in rows
    assert gone.pk not in rows.values()
    assert Category.objects.get(name="kept").rank == 10
    assert (report.rows_written, report.rows_updated, report.rows_deleted) == (1, 1, 1)


# --- dry runs stay out of the application's way -------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_a_dry_run_never_blocks_an_application_insert(tmp_path: Path) -> None:
    """The dry run's file holds the ids the sequence hands out next. While its rows stream
    in, an application insert draws one of those ids: it must not wait for the dry run."""
    restart(Plain)
    rows = "".join(f"{i},row {i}\n" for i in range(1, 100_001))
    path = _file(tmp_path, "id,name\n" + rows)
    outcome: dict[str, Any] = {}

    def insert() -> None:
        other = connections.create_connection("default")
        try:
            with other.cursor() as cursor:
                cursor.execute("SET statement_timeout = '2s'")
                started = time.monotonic()
                cursor.execute("INSERT INTO testapp_plain (name) VALUES ('app') RETURNING id")
                outcome["id"] = cursor.fetchone()[0]
                outcome["seconds"] = time.monotonic() - started
        except Exception as error:  # the test reports it
            outcome["error"] = error
        finally:
            other.close()

    calls: list[int] = []

    def midway(rows: int, read: int, total: int | None) -> None:
        calls.append(rows)
        if len(calls) == 2:  # the first chunk is sent, and COPY goes on
            time.sleep(0.3)  # for the server to take in the first chunk
            outcome["started"] = True
            writer = threading.Thread(target=insert)
            writer.start()
            writer.join(10)

    # The application took id 1 while the dry run read: the load would now refuse the file,
    # and so does the dry run, with the line.
    with pytest.raises(LoadError) as info:
        load_csv(Plain, path, dry_run=True, progress=midway)
    assert "error" not in outcome, outcome
    assert outcome["seconds"] < 1
    assert outcome["id"] == 1
    assert (info.value.line, info.value.column) == (2, "id")
    assert "already in the table" in info.value.reason
    assert list(Plain.objects.values_list("name", flat=True)) == ["app"]
    assert sequence_of(Plain).next_value == outcome["id"] + 1  # the dry run moved nothing


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("on_conflict", ["error", "skip", "update"])
def test_a_dry_run_writes_no_row_into_the_table(tmp_path: Path, on_conflict: str) -> None:
    """Not even a row that is rolled back: the table's write counters do not move during
    the dry run, so no application insert can ever wait on a dry run's row."""
    Plain.objects.create(id=9, name="there")
    path = _file(tmp_path, "id,name\n1,a\n2,b\n3,c\n")

    def written() -> tuple[int, int]:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT n_tup_ins, n_tup_upd FROM pg_stat_xact_user_tables "
                "WHERE relid = 'testapp_plain'::regclass"
            )
            return tuple(cursor.fetchone())  # type: ignore[return-value]

    with transaction.atomic():
        before = written()
        report = load_csv(Plain, path, dry_run=True, on_conflict=on_conflict)  # type: ignore[typeddict-item]
        assert written() == before
    assert report.rows_read == 3
    assert list(Plain.objects.values_list("name", flat=True)) == ["there"]


@pytest.mark.django_db
def test_a_dry_run_counts_as_the_load_would(tmp_path: Path) -> None:
    Category.objects.create(id=1, name="a", rank=1)
    Category.objects.create(id=2, name="b", rank=2)
    path = _file(tmp_path, "id,name,rank\n1,a,5\n3,c,0\n")
    dry = load_csv(Category, path, on_conflict="update", dry_run=True)
    assert list(Category.objects.order_by("id").values_list("rank", flat=True)) == [1, 2]
    real = load_csv(Category, path, on_conflict="update")
    assert (dry.rows_written, dry.rows_updated) == (real.rows_written, real.rows_updated) == (1, 1)
    replace = load_csv(Category, path, mode="replace", dry_run=True)
    assert replace.rows_deleted == 1  # b
    assert Category.objects.count() == 3


@pytest.mark.django_db
def test_a_dry_run_refuses_what_the_load_would_refuse(tmp_path: Path) -> None:
    with pytest.raises(LoadError) as info:
        load_csv(Category, _file(tmp_path, "id,name,parent_id\n1,a,\n2,b,9\n"), dry_run=True)
    assert (info.value.line, info.value.column) == (3, "parent_id")
    Author.objects.create(id=1, name="Ann")
    Book.objects.create(title="b", author_id=1)
    with pytest.raises(LoadError, match="would delete rows"):
        load_csv(Author, _file(tmp_path, "id,name\n2,Bo\n"), mode="replace", dry_run=True)
    assert Author.objects.get().name == "Ann"


# --- misuse is refused before anything is opened ------------------------------------------


@pytest.mark.parametrize(
    ("options", "error"),
    [
        ({"on_error": "ignore"}, ValueError),
        ({"mode": "upsert"}, ValueError),
        ({"max_errors": -1}, ValueError),
        ({"max_errors": "ten"}, TypeError),
        ({"lock_timeout": -1}, ValueError),
        ({"lock_timeout": "5s"}, TypeError),
        ({"conflict_fields": "name"}, TypeError),
        ({"dry_run": "yes"}, TypeError),
    ],
)
def test_a_misused_option_is_refused_before_the_file_is_opened(
    tmp_path: Path, options: dict[str, Any], error: type[Exception]
) -> None:
    missing = tmp_path / "not there.csv"  # opening it would raise FileNotFoundError
    with pytest.raises(error):
        load_csv(Plain, missing, **options)


@pytest.mark.django_db
def test_a_refused_load_closes_its_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = _file(tmp_path, "id,name,nope\n1,a,b\n")
    opened: list[Any] = []
    real_open = builtins.open

    def tracking_open(*args: Any, **kwargs: Any) -> Any:
        handle = real_open(*args, **kwargs)
        opened.append(handle)
        return handle

    monkeypatch.setattr(builtins, "open", tracking_open)
    with pytest.raises(LoadError, match="nope"):
        load_csv(Plain, path)
    monkeypatch.undo()
    assert opened
    assert all(handle.closed for handle in opened)


@pytest.mark.django_db(transaction=True)
def test_lock_timeout_zero_waits_as_long_as_it_takes(tmp_path: Path) -> None:
    """Another transaction holds the table for a second: a load with lock_timeout=0 waits
    for it and goes in, as PostgreSQL's own lock_timeout = 0 would."""
    restart(Plain)
    locked, done = threading.Event(), threading.Event()

    def hold() -> None:
        other = connections.create_connection("default")
        try:
            with other.cursor() as cursor:
                cursor.execute("BEGIN")
                cursor.execute("LOCK TABLE testapp_plain IN ACCESS EXCLUSIVE MODE")
                locked.set()
                time.sleep(1)
                cursor.execute("COMMIT")
        finally:
            other.close()
            done.set()

    holder = threading.Thread(target=hold)
    holder.start()
    assert locked.wait(10)
    started = time.monotonic()
    report = load_csv(Plain, _file(tmp_path, "id,name\n1,a\n"), lock_timeout=0)
    holder.join(10)
    assert report.rows_written == 1
    assert time.monotonic() - started >= 0.5  # it waited for the lock


# --- a partitioned table ------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("on_conflict", "counts", "value"),
    [("skip", (1, 0, 1), "old"), ("update", (1, 1, 0), "new")],
)
def test_on_conflict_into_a_partitioned_table(
    tmp_path: Path, on_conflict: str, counts: tuple[int, int, int], value: str
) -> None:
    Reading.objects.create(id=1, day=5, value="old")
    report = load_csv(
        Reading,
        _file(tmp_path, "id,day,value\n1,5,new\n2,150,b\n"),
        on_conflict=on_conflict,  # type: ignore[typeddict-item]
        conflict_fields=["id", "day"],
    )
    assert (report.rows_written, report.rows_updated, report.rows_skipped) == counts
    assert dict(Reading.objects.values_list("id", "value")) == {1: value, 2: "b"}
    assert sequence_of(Reading).next_value == 3
