"""Fixtures of the admin import tests: users with chosen permissions, files, a fresh folder
for the imports, and a way to wait for a confirmed load."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

import pytest
from django.contrib.auth.models import Permission, User
from django.http import HttpResponse
from django.test import Client
from pytest_django import Settings

from safeimport.admin.jobs import Job
from tests.importapp.models import Author

IMPORT_URL = "/admin/importapp/book/import/"
CHANGELIST_URL = "/admin/importapp/book/"


@pytest.fixture(autouse=True)
def jobs_dir(tmp_path: Path, settings: Settings) -> Path:
    """Each test's imports in a folder of its own."""
    folder = tmp_path / "imports"
    settings.SAFEIMPORT_ADMIN_DIR = str(folder)
    return folder


MakeUser = Callable[..., User]


@pytest.fixture
def make_user(db: None) -> MakeUser:
    """A staff user with the given permissions on books (``"add"``, ``"change"``...)."""

    def make(*actions: str, name: str = "clerk") -> User:
        user = User.objects.create_user(name, password="secret", is_staff=True)
        for action in actions:
            user.user_permissions.add(
                Permission.objects.get(
                    content_type__app_label="importapp", codename=f"{action}_book"
                )
            )
        return user

    return make


def client_for(user: User, **kwargs: bool) -> Client:
    """A test client logged in as ``user``."""
    client = Client(**kwargs)
    client.force_login(user)
    return client


def books_csv(folder: Path, author: Author, name: str = "books.csv") -> Path:
    """Three good books and two bad rows (a page count that is not a number, an author that
    does not exist), with ids 1 to 5."""
    rows = [
        "id,title,author_id,pages,code",
        f"1,Dune,{author.pk},412,c1",
        f"2,Emma,{author.pk},many,c2",
        f"3,Ulysses,{author.pk},730,c3",
        "4,Nobody's book,999999,10,c4",
        f"5,Beloved,{author.pk},324,c5",
    ]
    path = folder / name
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    return path


def wait_for(token: str, timeout: float = 60.0) -> Job:
    """The job once its load has ended."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        job = Job.load(token)
        assert job is not None
        if job.status not in ("previewed", "running"):
            return job
        time.sleep(0.05)
    raise AssertionError(f"the import {token} did not end within {timeout} s")


def token_of(url: str) -> str:
    """The token in an import page's URL."""
    return url.rstrip("/").rsplit("/", 1)[-1]


def upload(client: Client, path: Path, **options: str) -> HttpResponse:
    """Post ``path`` to the import form with these options (the form's defaults else)."""
    data = {"on_conflict": "error", "on_error": "raise", "mode": "append", **options}
    with path.open("rb") as handle:
        return client.post(IMPORT_URL, {**data, "import_file": handle})  # type: ignore[return-value]


def preview_of(client: Client, path: Path, **options: str) -> str:
    """Upload ``path``; the token of its preview (the upload must succeed)."""
    response = upload(client, path, **options)
    assert response.status_code == 302, response.content.decode()[-2000:]
    return token_of(response["Location"])
