"""The pytest plugin and the TestCase mixin, run on a small user suite through ``pytester``.

The suite is a project of its own (an app ``shop`` with one model, a factory_boy factory
that sets the ids, pytest-django) on a test database of its own on the same server. It runs
in a child process, once with ``--safeimport-check`` and once without; the mixin also runs
under Django's own test runner.
"""

from __future__ import annotations

import sys

import pytest
from django.db import connection

pytest_plugins = ["pytester"]

MODELS = """
from django.db import models


class Book(models.Model):
    title = models.CharField(max_length=50, default="")
"""

FACTORIES = """
import factory

from shop.models import Book


class BookFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Book

    # Sets the key (ids from another system, say): the table's sequence is left behind.
    id = factory.Sequence(lambda n: 1000 * (n + 1))
    title = factory.Sequence(lambda n: f"Book {n}")
"""

TESTS = """
import pytest
from django.test import TestCase, TransactionTestCase

from safeimport import sync_sequences
from safeimport.testing import SequencesSyncedMixin
from shop.factories import BookFactory
from shop.models import Book


@pytest.mark.django_db
def test_factory_leaves_the_sequence_behind():
    BookFactory.create_batch(3)
    assert Book.objects.count() == 3


@pytest.mark.django_db
def test_factory_then_sync():
    books = BookFactory.create_batch(3)
    sync_sequences(Book)
    assert Book.objects.create(title="new").pk == books[-1].pk + 1


@pytest.mark.django_db
def test_create_without_ids():
    Book.objects.create(title="a")


def test_no_database():
    assert True


@pytest.mark.django_db(transaction=True)
def test_transactional_factory():
    BookFactory.create_batch(2)


def test_fixture_checks_without_the_option(safeimport_sequences):
    BookFactory()


def test_fixture_called_mid_test(safeimport_sequences):
    BookFactory()
    with pytest.raises(AssertionError, match="shop_book_id_seq"):
        safeimport_sequences(Book)
    sync_sequences(Book)


@pytest.mark.django_db
def test_fails_by_itself():
    BookFactory()
    assert Book.objects.count() == 99


class BookTests(SequencesSyncedMixin, TestCase):
    def test_factory(self):
        BookFactory()

    def test_create(self):
        Book.objects.create(title="b")


class BookTransactionTests(SequencesSyncedMixin, TransactionTestCase):
    def test_factory(self):
        BookFactory()
"""

CHECKED_EVERYWHERE = {
    "test_factory_leaves_the_sequence_behind",
    "test_transactional_factory",
}
CHECKED_ALWAYS = {
    "test_fixture_checks_without_the_option",
    "test_fails_by_itself",
    "BookTests::test_factory",
    "BookTransactionTests::test_factory",
}
ALL_TESTS = {
    *CHECKED_EVERYWHERE,
    *CHECKED_ALWAYS,
    "test_factory_then_sync",
    "test_create_without_ids",
    "test_no_database",
    "test_fixture_called_mid_test",
    "BookTests::test_create",
}


@pytest.fixture
def suite(pytester: pytest.Pytester) -> pytest.Pytester:
    """The user's project, pointed at this run's PostgreSQL server."""
    database = {key: connection.settings_dict[key] for key in ("USER", "PASSWORD", "HOST", "PORT")}
    database |= {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": "safeimport_plugin",
        "TEST": {"NAME": "test_safeimport_plugin"},
    }
    pytester.makepyfile(
        settings=f"""
DATABASES = {{"default": {database!r}}}
INSTALLED_APPS = ["safeimport", "shop"]
SECRET_KEY = "suite"
USE_TZ = True
DEFAULT_AUTO_FIELD = "django.db.models.AutoField"
""",
        test_books=TESTS,
    )
    shop = pytester.mkpydir("shop")
    (shop / "models.py").write_text(MODELS)
    (shop / "factories.py").write_text(FACTORIES)
    pytester.makeini("[pytest]\npythonpath = .\n")
    return pytester


def _run(suite: pytest.Pytester, *args: str) -> pytest.RunResult:
    """Run the suite in a child process with its own settings, a summary line per test."""
    return suite.runpytest_subprocess("--ds=settings", "-rA", "-p", "no:cacheprovider", *args)


def _outcomes(result: pytest.RunResult) -> dict[str, set[str]]:
    """Test names (``test_x`` or ``Class::test_x``) by outcome, from the ``-rA`` summary."""
    found: dict[str, set[str]] = {}
    for line in result.outlines:
        outcome, _, rest = line.partition(" test_books.py::")
        if rest and outcome in ("PASSED", "FAILED", "ERROR"):
            found.setdefault(outcome, set()).add(rest.split(" - ")[0])
    return found


def _failure(result: pytest.RunResult, name: str) -> str:
    """The failure section of one test."""
    text = result.stdout.str()
    start = text.index(f" {name.replace('::', '.')} _")
    end = text.find("\n___", start)
    return text[start:end]


def test_the_option_fails_every_database_test_that_leaves_a_sequence_behind(
    suite: pytest.Pytester,
) -> None:
    result = _run(suite, "--safeimport-check")
    failed = CHECKED_EVERYWHERE | CHECKED_ALWAYS
    assert _outcomes(result) == {"FAILED": failed, "PASSED": ALL_TESTS - failed}
    first = _failure(result, "test_factory_leaves_the_sequence_behind")
    assert (
        "safeimport: the test left 1 sequence(s) behind their data on database 'default':\n"
        "  shop_book_id_seq (shop.Book) is behind: next value 1 is not past the data (3000)\n"
    ) in first
    assert "Traceback" not in first
    assert "During handling" not in first
    assert "shop_book_id_seq (shop.Book) is behind" in _failure(
        result, "test_transactional_factory"
    )
    own = _failure(result, "test_fails_by_itself")
    assert "assert 1 == 99" in own
    assert "safeimport" not in own


def test_without_the_option_only_the_fixture_and_the_mixin_check(
    suite: pytest.Pytester,
) -> None:
    result = _run(suite)
    assert _outcomes(result) == {"FAILED": CHECKED_ALWAYS, "PASSED": ALL_TESTS - CHECKED_ALWAYS}
    assert "shop_book_id_seq (shop.Book) is behind" in _failure(
        result, "test_fixture_checks_without_the_option"
    )
    for name in ("BookTests::test_factory", "BookTransactionTests::test_factory"):
        assert "shop_book_id_seq (shop.Book) is behind" in _failure(result, name)


def test_the_ini_option_turns_the_check_on(suite: pytest.Pytester) -> None:
    suite.makeini("[pytest]\npythonpath = .\nsafeimport_check = true\n")
    result = _run(suite, "-k", "leaves_the_sequence or without_ids")
    assert _outcomes(result) == {
        "FAILED": {"test_factory_leaves_the_sequence_behind"},
        "PASSED": {"test_create_without_ids"},
    }


def test_the_mixin_under_django_s_own_test_runner(suite: pytest.Pytester) -> None:
    result = suite.run(
        sys.executable,
        "-m",
        "django",
        "test",
        "--noinput",
        "--settings=settings",
        "test_books.BookTests",
        "test_books.BookTransactionTests",
    )
    output = result.stdout.str() + result.stderr.str()
    assert result.ret == 1
    assert "FAILED (failures=2)" in output
    assert output.count("shop_book_id_seq (shop.Book) is behind") == 2
    assert "FAIL: test_factory (test_books.BookTests.test_factory)" in output
