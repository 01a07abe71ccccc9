"""The admin import page through Django's test client: the preview is a real dry run that
writes nothing, the confirmed load writes the rows, logs them and keeps the rejected rows,
and an import that fails writes nothing at all."""

from __future__ import annotations

import csv
import io
import socket
import subprocess
from pathlib import Path

import pytest
from django.contrib.admin.models import ADDITION, CHANGE, LogEntry
from django.core.files.uploadhandler import MemoryFileUploadHandler, TemporaryFileUploadHandler
from django.test import Client

from safeimport.admin.jobs import Job
from tests.admin.conftest import (
    IMPORT_URL,
    MakeUser,
    books_csv,
    client_for,
    preview_of,
    upload,
    wait_for,
)
from tests.conftest import restart, sequence_of
from tests.importapp.models import Author, Book


@pytest.fixture
def author(db: None) -> Author:
    """The author of the books in the files."""
    return Author.objects.create(name="Writer")


@pytest.fixture
def editor(make_user: MakeUser) -> Client:
    """A client logged in as a user who may add, change, delete and view books."""
    return client_for(make_user("add", "change", "delete", "view"))


def confirm(client: Client, token: str, **data: str) -> Job:
    """Confirm a previewed import and wait for its load to end."""
    response = client.post(f"{IMPORT_URL}{token}/confirm/", data)
    assert response.status_code == 302, response.content.decode()[-2000:]
    return wait_for(token)


def rejected_lines(content: bytes) -> list[tuple[str, str]]:
    """The line and reason of each row of a downloaded reject file."""
    rows = list(csv.DictReader(io.StringIO(content.decode())))
    return [(row["line"], row["reason"]) for row in rows]


@pytest.mark.django_db
def test_the_preview_is_a_dry_run_of_the_whole_file(
    editor: Client, author: Author, tmp_path: Path
) -> None:
    restart(Book)
    token = preview_of(editor, books_csv(tmp_path, author), on_error="skip")

    page = editor.get(f"{IMPORT_URL}{token}/")
    preview = page.context["preview"]
    counts = {k: preview[k] for k in ("rows_read", "rows_written", "rows_skipped", "rows_rejected")}
    assert counts == {"rows_read": 5, "rows_written": 3, "rows_skipped": 0, "rows_rejected": 2}
    assert [(row["line"], row["record"]) for row in preview["rejects"]] == [
        ("3", f"2,Emma,{author.pk},many,c2"),
        ("5", "4,Nobody's book,999999,10,c4"),
    ]
    assert "invalid input syntax for type integer" in preview["rejects"][0]["reason"]
    assert preview["mapping"] == [
        ["id", "id"],
        ["title", "title"],
        ["author_id", "author"],
        ["pages", "pages"],
        ["code", "code"],
    ]
    assert [(s["column"], s["before"], s["after"]) for s in preview["sequences"]] == [("id", 1, 6)]
    html = page.content.decode()
    assert 'id="safeimport-confirm-form"' in html
    assert "999999 matches no row of importapp.Author" in html
    # Nothing was written, and the sequence did not move.
    assert Book.objects.count() == 0
    assert sequence_of(Book).next_value == 1
    download = editor.get(f"{IMPORT_URL}{token}/rejects.csv")
    assert [line for line, _ in rejected_lines(b"".join(download.streaming_content))] == ["3", "5"]


@pytest.mark.django_db(transaction=True)
def test_the_confirmed_load_writes_logs_and_keeps_the_rejected_rows(
    make_user: MakeUser, author: Author, tmp_path: Path
) -> None:
    restart(Book)
    user = make_user("add", "view")
    client = client_for(user)
    token = preview_of(client, books_csv(tmp_path, author), on_error="skip")

    job = confirm(client, token)

    assert job.status == "done", job.error
    assert sorted(Book.objects.values_list("id", "title")) == [
        (1, "Dune"),
        (3, "Ulysses"),
        (5, "Beloved"),
    ]
    assert Book.objects.create(title="Next").pk == 6  # the sequence is past the file's ids
    (entry,) = LogEntry.objects.all()
    assert (entry.user_id, entry.action_flag, entry.object_repr) == (
        user.pk,
        ADDITION,
        "Import of books.csv",
    )
    assert entry.content_type.model_class() is Book
    assert entry.change_message.startswith(
        "Imported 5 row(s) into importapp.Book: 3 new, 0 updated, 0 skipped, 2 rejected"
    )
    # The progress reached the end of the file; the upload is gone, the rejects stay.
    assert (job.rows, job.bytes) == (5, job.total_bytes)
    assert not job.input_path.exists()
    download = client.get(f"{IMPORT_URL}{token}/rejects.csv")
    assert download["Content-Disposition"] == 'attachment; filename="books-rejected.csv"'
    assert [line for line, _ in rejected_lines(b"".join(download.streaming_content))] == ["3", "5"]
    status = client.get(f"{IMPORT_URL}{token}/status/").json()
    assert (status["status"], status["rows"]) == ("done", 5)
    page = client.get(f"{IMPORT_URL}{token}/").content.decode()
    assert 'id="safeimport-done"' in page
    assert 'id="count-new">3<' in page


@pytest.mark.django_db
def test_the_upload_goes_to_a_temporary_file_not_memory(
    editor: Client, author: Author, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A 200-byte file would be kept in memory by Django's default handlers."""
    seen: list[str] = []
    real_complete = TemporaryFileUploadHandler.file_complete

    def spy(self: TemporaryFileUploadHandler, size: int) -> object:
        seen.append(self.file.temporary_file_path())
        return real_complete(self, size)

    def refuse(*args: object) -> None:
        raise AssertionError("the upload was kept in memory")

    monkeypatch.setattr(TemporaryFileUploadHandler, "file_complete", spy)
    monkeypatch.setattr(MemoryFileUploadHandler, "receive_data_chunk", refuse)
    token = preview_of(editor, books_csv(tmp_path, author))

    assert len(seen) == 1
    job = Job.load(token)
    assert job is not None
    assert job.input_path.read_bytes() == books_csv(tmp_path, author).read_bytes()
    assert not Path(seen[0]).exists()  # moved into the import's folder, not copied


@pytest.mark.django_db
def test_a_file_that_cannot_be_loaded_is_refused_on_the_form(
    editor: Client, tmp_path: Path, jobs_dir: Path
) -> None:
    path = tmp_path / "books.csv"
    path.write_text("id,title,colour\n1,Dune,blue\n", encoding="utf-8")

    response = upload(editor, path)

    assert response.status_code == 200
    errors = response.context["form"].non_field_errors()
    assert len(errors) == 1
    assert "'colour'" in errors[0]
    assert errors[0].endswith("Nothing was written.")
    assert Book.objects.count() == 0
    assert list(jobs_dir.iterdir()) == []  # the upload was not kept


@pytest.mark.django_db(transaction=True)
def test_a_failed_import_writes_nothing(editor: Client, author: Author, tmp_path: Path) -> None:
    """The preview was clean; by the time of the confirmation another user has added a book
    with one of the file's ids, so the load fails, and writes neither rows nor a log entry."""
    path = tmp_path / "books.csv"
    path.write_text(f"id,title,author_id\n1,Dune,{author.pk}\n2,Emma,{author.pk}\n")
    token = preview_of(editor, path)
    Book.objects.create(id=2, title="Added meanwhile")

    job = confirm(editor, token)

    assert job.status == "failed"
    assert "line 3" in job.error
    assert "id 2 is already in the table" in job.error
    assert list(Book.objects.values_list("id", "title")) == [(2, "Added meanwhile")]
    assert LogEntry.objects.count() == 0
    page = editor.get(f"{IMPORT_URL}{token}/").content.decode()
    assert 'id="safeimport-failed"' in page
    assert "Nothing was written." in page


@pytest.mark.django_db
def test_bad_rows_when_the_file_is_to_be_refused_leave_no_way_to_confirm(
    editor: Client, author: Author, tmp_path: Path
) -> None:
    token = preview_of(editor, books_csv(tmp_path, author), on_error="raise")

    page = editor.get(f"{IMPORT_URL}{token}/").content.decode()
    assert 'id="safeimport-refused"' in page
    assert 'id="safeimport-confirm-form"' not in page
    forged = editor.post(f"{IMPORT_URL}{token}/confirm/")

    assert forged.status_code == 200  # the preview again, not a load
    job = Job.load(token)
    assert job is not None
    assert job.status == "previewed"
    assert Book.objects.count() == 0


@pytest.mark.django_db(transaction=True)
def test_replace_asks_to_type_the_model_label(
    editor: Client, author: Author, tmp_path: Path
) -> None:
    Book.objects.create(id=1, title="Old Dune")
    Book.objects.create(id=50, title="Not in the file")
    path = tmp_path / "books.csv"
    path.write_text(f"id,title,author_id\n1,Dune,{author.pk}\n2,Emma,{author.pk}\n")
    token = preview_of(editor, path, mode="replace")
    preview = editor.get(f"{IMPORT_URL}{token}/")
    assert preview.context["preview"]["rows_deleted"] == 1
    assert "Type <code>importapp.Book</code> to confirm" in preview.content.decode()

    for typed in ("", "Book", "importapp.book"):
        refused = editor.post(f"{IMPORT_URL}{token}/confirm/", {"confirm_label": typed})
        assert refused.status_code == 200
        assert refused.context["form"].errors["confirm_label"] == [
            "Type importapp.Book to confirm that every row of it that the file does not "
            "have is deleted."
        ]
    assert Book.objects.count() == 2
    assert Job.load(token).status == "previewed"  # type: ignore[union-attr]

    job = confirm(editor, token, confirm_label="importapp.Book")

    assert job.status == "done", job.error
    assert job.result["rows_deleted"] == 1
    assert sorted(Book.objects.values_list("id", "title")) == [(1, "Dune"), (2, "Emma")]
    assert LogEntry.objects.get().action_flag == CHANGE


@pytest.mark.django_db(transaction=True)
def test_update_counts_the_rows_it_changes(editor: Client, author: Author, tmp_path: Path) -> None:
    Book.objects.create(id=1, title="Old Dune")
    path = tmp_path / "books.csv"
    path.write_text(f"id,title,author_id\n1,Dune,{author.pk}\n2,Emma,{author.pk}\n")
    token = preview_of(editor, path, on_conflict="update")

    job = confirm(editor, token)

    assert (job.result["rows_written"], job.result["rows_updated"]) == (1, 1)
    assert sorted(Book.objects.values_list("id", "title")) == [(1, "Dune"), (2, "Emma")]
    assert LogEntry.objects.get().action_flag == CHANGE


@pytest.mark.django_db(transaction=True)
def test_a_second_confirmation_does_not_load_the_file_again(
    editor: Client, author: Author, tmp_path: Path
) -> None:
    token = preview_of(editor, books_csv(tmp_path, author), on_error="skip")
    first = editor.post(f"{IMPORT_URL}{token}/confirm/")
    second = editor.post(f"{IMPORT_URL}{token}/confirm/")

    assert first.status_code == second.status_code == 302
    assert wait_for(token).status == "done"
    assert Book.objects.count() == 3
    assert LogEntry.objects.count() == 1


@pytest.mark.django_db
def test_an_import_whose_server_process_ended_is_reported_as_failed(
    editor: Client, author: Author, tmp_path: Path
) -> None:
    """A load runs in a server process; when that process is gone (stopped, restarted)
    before the load's end, the status says so instead of "running" for ever."""
    token = preview_of(editor, books_csv(tmp_path, author), on_error="skip")
    ended = subprocess.Popen(["true"])
    ended.wait()
    job = Job.load(token)
    assert job is not None
    assert job.claim()
    job.host, job.pid = socket.gethostname(), ended.pid
    job.save()

    status = editor.get(f"{IMPORT_URL}{token}/status/").json()

    assert status["status"] == "failed"
    assert "ended before the import finished; nothing was written" in status["error"]
    assert Book.objects.count() == 0
