"""An import's folder: found by its token only, pruned when old, and loadable by a worker
that has nothing but the token (as a task queue would run it)."""

from __future__ import annotations

import os
import threading
import time
from pathlib import Path

import pytest
from django.contrib.admin.models import LogEntry
from django.db import connections

from safeimport.admin import run_job
from safeimport.admin.jobs import KEEP_SECONDS, Job
from tests.admin.conftest import MakeUser, books_csv, client_for, preview_of
from tests.importapp.models import Author, Book


def _job(**values: str) -> Job:
    fields = {
        "model": "importapp.Book",
        "user_id": "1",
        "file_name": "books.csv",
        "input_format": "csv",
        "on_conflict": "error",
        "on_error": "raise",
        "mode": "append",
        "using": "default",
    }
    return Job.create(**{**fields, **values})


@pytest.mark.parametrize("token", ["../../etc/passwd", "..", "", "A" * 32, "0" * 31, "0" * 33])
def test_only_a_token_of_32_hex_digits_names_an_import(token: str, jobs_dir: Path) -> None:
    assert Job.load(token) is None


def test_an_import_is_found_by_its_token(jobs_dir: Path) -> None:
    job = _job(file_name="b.csv")

    found = Job.load(job.token)

    assert found == job
    assert job.folder.parent == jobs_dir
    assert job.folder.stat().st_mode & 0o777 == 0o700


def test_old_imports_are_removed_when_a_new_one_starts(jobs_dir: Path) -> None:
    old, recent = _job(), _job()
    past = time.time() - KEEP_SECONDS - 60
    os.utime(old.folder / "job.json", (past, past))

    _job()

    assert Job.load(old.token) is None
    assert not old.folder.exists()
    assert Job.load(recent.token) == recent


@pytest.mark.django_db(transaction=True)
def test_a_worker_runs_a_confirmed_import_from_its_token_alone(
    make_user: MakeUser, tmp_path: Path
) -> None:
    """What ``start_import`` hands to a task queue: the token; the load runs in threads of
    this process, as it would in a worker."""
    token = preview_of(
        client_for(make_user("add")),
        books_csv(tmp_path, Author.objects.create(name="Writer")),
        on_error="skip",
    )
    job = Job.load(token)
    assert job is not None
    assert job.claim()

    twice = [threading.Thread(target=_run_and_close, args=(token,)) for _ in range(2)]
    for thread in twice:  # a task delivered twice, to two workers at once
        thread.start()
    for thread in twice:
        thread.join()

    done = Job.load(token)
    assert done is not None
    assert (done.status, done.result["rows_written"], done.pid) == ("done", 3, os.getpid())
    assert Book.objects.count() == 3
    assert LogEntry.objects.count() == 1
    run_job(token)  # and once more, later: nothing happens
    assert Book.objects.count() == 3


def _run_and_close(token: str) -> None:
    try:
        run_job(token)
    finally:
        connections.close_all()
