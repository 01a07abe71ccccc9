"""Who may import what, CSRF on every form, and imports kept to the user who started them."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.test import Client

from safeimport.admin.jobs import Job
from tests.admin.conftest import (
    CHANGELIST_URL,
    IMPORT_URL,
    MakeUser,
    books_csv,
    client_for,
    preview_of,
    upload,
)
from tests.importapp.models import Author, Book

pytestmark = pytest.mark.django_db


@pytest.fixture
def file(tmp_path: Path) -> Path:
    """A file of books."""
    return books_csv(tmp_path, Author.objects.create(name="Writer"))


def test_without_add_permission_there_is_no_button_and_every_page_is_forbidden(
    make_user: MakeUser, file: Path
) -> None:
    editor = client_for(make_user("add", "view", name="editor"))
    token = preview_of(editor, file, on_error="skip")
    reader = client_for(make_user("view", "change", "delete", name="reader"))

    changelist = reader.get(CHANGELIST_URL)
    assert changelist.status_code == 200
    assert b"safeimport-import-link" not in changelist.content
    assert reader.get(IMPORT_URL).status_code == 403
    assert upload(reader, file).status_code == 403
    for page in ("", "confirm/", "status/", "rejects.csv"):
        url = f"{IMPORT_URL}{token}/{page}"
        assert reader.get(url).status_code == 403, url
        assert reader.post(url).status_code == 403, url
    assert Book.objects.count() == 0


def test_the_button_shows_with_add_permission(make_user: MakeUser) -> None:
    changelist = client_for(make_user("add", "view")).get(CHANGELIST_URL)

    assert f'href="{IMPORT_URL}" class="safeimport-import-link"'.encode() in changelist.content


@pytest.mark.parametrize(
    ("permissions", "options", "allowed"),
    [
        (("add",), {}, True),
        (("add",), {"on_conflict": "skip"}, True),
        (("add",), {"on_conflict": "update"}, False),
        (("add", "change"), {"on_conflict": "update"}, True),
        (("add",), {"mode": "replace"}, False),
        (("add", "change"), {"mode": "replace"}, False),
        (("add", "delete"), {"mode": "replace"}, False),
        (("add", "change", "delete"), {"mode": "replace"}, True),
        (("change", "delete"), {}, False),
    ],
)
def test_updating_or_replacing_needs_more_than_adding(
    make_user: MakeUser,
    file: Path,
    permissions: tuple[str, ...],
    options: dict[str, str],
    allowed: bool,
) -> None:
    response = upload(client_for(make_user(*permissions)), file, on_error="skip", **options)

    assert response.status_code == (302 if allowed else 403)


def test_the_confirmation_checks_the_permissions_again(make_user: MakeUser, file: Path) -> None:
    user = make_user("add", "change")
    client = client_for(user)
    token = preview_of(client, file, on_error="skip", on_conflict="update")
    user.user_permissions.remove(user.user_permissions.get(codename="change_book"))
    client = client_for(type(user).objects.get(pk=user.pk))  # no cached permissions

    assert client.post(f"{IMPORT_URL}{token}/confirm/").status_code == 403
    assert Job.load(token).status == "previewed"  # type: ignore[union-attr]


def test_an_import_belongs_to_the_user_who_started_it(make_user: MakeUser, file: Path) -> None:
    token = preview_of(client_for(make_user("add", name="first")), file, on_error="skip")
    other = client_for(make_user("add", "change", "delete", "view", name="second"))

    for page in ("", "status/", "rejects.csv"):
        assert other.get(f"{IMPORT_URL}{token}/{page}").status_code == 404
    assert other.post(f"{IMPORT_URL}{token}/confirm/").status_code == 404
    assert other.get(f"{IMPORT_URL}{'0' * 32}/").status_code == 404
    assert Job.load(token).status == "previewed"  # type: ignore[union-attr]


def test_anonymous_users_are_sent_to_the_login_page(file: Path) -> None:
    response = upload(Client(), file)

    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/")


def test_the_upload_needs_a_csrf_token(make_user: MakeUser, file: Path, jobs_dir: Path) -> None:
    client = client_for(make_user("add"), enforce_csrf_checks=True)

    assert upload(client, file).status_code == 403
    assert not jobs_dir.exists() or list(jobs_dir.iterdir()) == []

    client.get(IMPORT_URL)  # sets the CSRF cookie
    token = client.cookies["csrftoken"].value
    with file.open("rb") as handle:
        response = client.post(
            IMPORT_URL,
            {
                "import_file": handle,
                "on_conflict": "error",
                "on_error": "skip",
                "mode": "append",
                "csrfmiddlewaretoken": token,
            },
        )
    assert response.status_code == 302


def test_the_confirmation_needs_a_csrf_token(make_user: MakeUser, file: Path) -> None:
    user = make_user("add")
    token = preview_of(client_for(user), file, on_error="skip")
    strict = client_for(user, enforce_csrf_checks=True)

    assert strict.post(f"{IMPORT_URL}{token}/confirm/").status_code == 403
    assert Job.load(token).status == "previewed"  # type: ignore[union-attr]
    assert Book.objects.count() == 0


def test_the_pages_are_served_under_a_strict_content_security_policy(
    make_user: MakeUser,
) -> None:
    """So the browser tests prove that the progress script needs no inline code."""
    response = client_for(make_user("add")).get(IMPORT_URL)

    assert response["Content-Security-Policy"] == "default-src 'self'"
