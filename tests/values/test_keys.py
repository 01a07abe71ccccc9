"""Keys: a composite primary key is the key of on_conflict and on_error="skip", and a row
whose key first came on a rejected row is kept."""

from __future__ import annotations

import csv
from pathlib import Path

import django
import pytest

from safeimport import LoadError, load_csv, load_json
from tests.importapp.models import Author, Book

pytestmark = pytest.mark.django_db

composite = pytest.mark.skipif(
    django.VERSION < (5, 2), reason="CompositePrimaryKey came with Django 5.2"
)


def _members() -> list[tuple[int, int, str]]:
    from tests.importapp.models import Membership

    return sorted(Membership.objects.values_list("team", "person_id", "role"))


@composite
def test_a_composite_key_is_the_key_of_on_conflict(tmp_path: Path) -> None:
    from tests.importapp.models import Membership

    ann, bob = Author.objects.create(name="ann"), Author.objects.create(name="bob")
    Membership.objects.create(team=1, person=ann, role="old")
    path = tmp_path / "members.csv"
    path.write_text(f"team,person,role\n1,{ann.pk},new\n1,{bob.pk},b\n", encoding="utf-8")
    with pytest.raises(LoadError) as info:
        load_csv(Membership, path)
    assert "conflict_fields" not in str(info.value)
    assert "already in the table" in str(info.value) or "is taken" in str(info.value)
    report = load_csv(Membership, path, on_conflict="skip")
    assert (report.rows_written, report.rows_skipped) == (1, 1)
    assert _members() == [(1, ann.pk, "old"), (1, bob.pk, "b")]
    report = load_csv(Membership, path, on_conflict="update")
    assert (report.rows_written, report.rows_updated) == (0, 2)
    assert _members() == [(1, ann.pk, "new"), (1, bob.pk, "b")]


@composite
def test_a_composite_key_is_the_key_of_on_error_skip(tmp_path: Path) -> None:
    from tests.importapp.models import Membership

    ann, bob = Author.objects.create(name="ann"), Author.objects.create(name="bob")
    Membership.objects.create(team=1, person=ann, role="old")
    path = tmp_path / "members.csv"
    path.write_text(
        f"team,person,role\n1,{ann.pk},taken\n2,{ann.pk},first\n2,{ann.pk},again\n"
        f"2,{bob.pk},kept\n",
        encoding="utf-8",
    )
    rejects = tmp_path / "rejects.csv"
    report = load_csv(Membership, path, on_error="skip", reject_file=rejects)
    assert (report.rows_written, report.rows_rejected) == (2, 2)
    assert _members() == [(1, ann.pk, "old"), (2, ann.pk, "first"), (2, bob.pk, "kept")]
    with rejects.open(encoding="utf-8", newline="") as handle:
        reasons = {row["line"]: row["reason"] for row in csv.DictReader(handle)}
    assert "already in the table" in reasons["2"]
    assert "more than once" in reasons["4"]
    assert not any("conflict_fields" in reason for reason in reasons.values())


@composite
def test_a_composite_key_on_the_json_path(tmp_path: Path) -> None:
    from tests.importapp.models import Membership

    ann = Author.objects.create(name="ann")
    path = tmp_path / "members.jsonl"
    path.write_text(
        f'{{"team": 3, "person": {ann.pk}, "role": "a"}}\n'
        f'{{"team": 3, "person": {ann.pk}, "role": "b"}}\n',
        encoding="utf-8",
    )
    report = load_json(Membership, path, on_error="skip")
    assert (report.rows_written, report.rows_rejected) == (1, 1)
    assert load_json(Membership, path, on_conflict="skip").rows_skipped == 2


@pytest.mark.parametrize(
    ("first", "why"),
    [
        ("1,first,999999,", "matches no row"),  # its foreign key matches nothing
        ("1,first,,x" + "x" * 30, "too long"),  # its code is too long for the column
        ("1,first,,taken", "duplicate key"),  # its code is taken (found when moving)
    ],
)
def test_a_key_whose_first_row_was_rejected_is_kept(tmp_path: Path, first: str, why: str) -> None:
    author = Author.objects.create(name="a")
    Book.objects.create(id=100, title="old", code="taken")
    path = tmp_path / "books.csv"
    path.write_text(
        f"id,title,author_id,code\n{first}\n1,second,{author.pk},c2\n1,third,{author.pk},c3\n",
        encoding="utf-8",
    )
    rejects = tmp_path / "rejects.csv"
    report = load_csv(Book, path, on_error="skip", reject_file=rejects)
    assert Book.objects.get(id=1).title == "second"
    assert (report.rows_written, report.rows_rejected) == (1, 2)
    with rejects.open(encoding="utf-8", newline="") as handle:
        reasons = {row["line"]: row["reason"] for row in csv.DictReader(handle)}
    assert why in reasons["2"]
    assert "more than once" in reasons["4"]
