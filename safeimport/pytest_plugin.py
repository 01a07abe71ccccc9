"""The pytest plugin: fail a test that leaves a sequence behind its data.

It is registered as a pytest entry point, so installing safeimport is enough. With
pytest-django:

- ``pytest --safeimport-check`` (or ``safeimport_check = true`` in the ini file) checks
  every test that uses the database;
- the ``safeimport_sequences`` fixture checks the tests that ask for it (it brings the
  ``db`` fixture), and is :func:`~safeimport.testing.assert_sequences_synced` to call
  mid-test.

The check runs right after the test function returns, before any fixture is torn down, so
inside pytest-django's transaction and before its rollback; a test that leaves a sequence
behind fails with a message that names the sequence and the model. A test that fails by
itself is not checked. In a transaction the check costs one small query for the tables the
test wrote and one audit of those (none if it wrote nothing); with ``transaction=True``,
one audit of every model. Django ``TestCase`` classes are left to
:class:`~safeimport.testing.SequencesSyncedMixin`.
"""

from __future__ import annotations

import unittest
from collections.abc import Callable, Generator
from typing import Any

import pytest

__all__ = [
    "pytest_addoption",
    "pytest_runtest_call",
    "safeimport_sequences",
]

_CHECKED = pytest.StashKey[bool]()
_DATABASE_FIXTURES = frozenset(
    {
        "db",
        "transactional_db",
        "django_db_reset_sequences",
        "django_db_serialized_rollback",
        "live_server",
    }
)


def pytest_addoption(parser: pytest.Parser) -> None:
    """Add ``--safeimport-check`` and the ``safeimport_check`` ini option."""
    group = parser.getgroup("safeimport")
    group.addoption(
        "--safeimport-check",
        action="store_true",
        default=None,
        help="Fail every database test that leaves a primary-key sequence behind its data.",
    )
    parser.addini(
        "safeimport_check",
        type="bool",
        default=False,
        help="Fail every database test that leaves a primary-key sequence behind its data.",
    )


def _check_all(config: pytest.Config) -> bool:
    option = config.getoption("safeimport_check")
    return bool(config.getini("safeimport_check") if option is None else option)


def _databases(item: pytest.Item) -> list[str]:
    """The aliases the test may write to: the ``django_db`` marker's ``databases``."""
    from django.db import DEFAULT_DB_ALIAS, connections

    marker = item.get_closest_marker("django_db")
    databases = marker.kwargs.get("databases") if marker else None
    if databases is None:
        return [DEFAULT_DB_ALIAS]
    if databases == "__all__":
        return list(connections)
    return list(databases)


def _should_check(item: pytest.Item) -> bool:
    if item.stash.get(_CHECKED, False):
        return True
    if not _check_all(item.config):
        return False
    cls = getattr(item, "cls", None)
    if cls is not None and issubclass(cls, unittest.TestCase):
        return False  # the test case's own transaction is over: see SequencesSyncedMixin
    fixtures = set(getattr(item, "fixturenames", ()))
    return item.get_closest_marker("django_db") is not None or bool(fixtures & _DATABASE_FIXTURES)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item: pytest.Item) -> Generator[None, Any, Any]:
    """After a passing test, fail it if it left a sequence behind on one of its databases."""
    result = yield
    if _should_check(item):
        from django.db import connections

        from .testing import assert_sequences_synced

        problems = []
        for alias in _databases(item):
            connection = connections[alias]
            if connection.vendor != "postgresql" or connection.needs_rollback:
                continue
            try:
                assert_sequences_synced(using=alias)
            except AssertionError as exc:
                problems.append(f"safeimport: the test left {exc}")
        if problems:
            pytest.fail("\n".join(problems), pytrace=False)
    return result


@pytest.fixture
def safeimport_sequences(request: pytest.FixtureRequest, db: None) -> Callable[..., None]:
    """Fail this test if it leaves a sequence behind its data (as ``--safeimport-check``
    does for every test); returns ``assert_sequences_synced`` to call mid-test."""
    from .testing import assert_sequences_synced

    request.node.stash[_CHECKED] = True
    return assert_sequences_synced
