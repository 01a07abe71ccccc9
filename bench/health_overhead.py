"""What the health features cost: healing per INSERT, and the test check per test.

    python bench/health_overhead.py [--inserts 4000] [--checks 300] [--repeat 3]

Runs on the test project's models (``tests.settings``: about 40 sequences) in a test
database of its own on the embedded PostgreSQL (or ``DATABASE_URL``), created and dropped
here. The variants take turns and the figures are medians:

- healing: ``Plain.objects.create()`` in a loop, with and without :func:`safeimport.healing`,
  in autocommit mode and inside ``transaction.atomic()`` (where each INSERT gets a savepoint);
- the test check: :func:`safeimport.assert_sequences_synced` with no models, as the pytest
  plugin and the TestCase mixin call it, inside a transaction that wrote one table, and in
  autocommit mode (every model audited); beside it, what a minimal database test itself
  costs (a transaction with one ``create()``, rolled back).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from collections.abc import Callable
from contextlib import AbstractContextManager, nullcontext
from pathlib import Path

import django

ROOT = Path(__file__).resolve().parent.parent
CHUNK = 100  # inserts timed together


def _per_call(action: Callable[[], object], calls: int) -> float:
    """Seconds per call of ``action``, over ``calls`` calls."""
    started = time.perf_counter()
    for _ in range(calls):
        action()
    return (time.perf_counter() - started) / calls


def _inserts(atomic: bool, heal: bool, count: int) -> float:
    from django.db import transaction

    from safeimport import healing
    from tests.testapp.models import Plain

    block: AbstractContextManager[object] = transaction.atomic() if atomic else nullcontext()
    wrap: AbstractContextManager[object] = healing() if heal else nullcontext()
    with wrap, block:
        return _per_call(lambda: Plain.objects.create(name="x"), count)


def _rolled_back(action: Callable[[], object]) -> Callable[[], None]:
    """``action`` inside a transaction that is rolled back, as pytest-django's ``db`` does."""
    from django.db import transaction

    def run() -> None:
        with transaction.atomic():
            action()
            transaction.set_rollback(True)

    return run


def _check_in_transaction() -> None:
    from safeimport import assert_sequences_synced
    from tests.testapp.models import Plain

    Plain.objects.create(name="test")
    started = time.perf_counter()
    assert_sequences_synced()
    _check_seconds.append(time.perf_counter() - started)


_check_seconds: list[float] = []


def main(argv: list[str]) -> None:
    """Set up the database, time every variant, print the medians."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--inserts", type=int, default=4000)
    parser.add_argument("--checks", type=int, default=300)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args(argv)

    sys.path.insert(0, str(ROOT))
    os.environ["DJANGO_SETTINGS_MODULE"] = "tests.settings"
    django.setup()
    from django.db import connection
    from django.test.utils import setup_databases, teardown_databases

    from safeimport import assert_sequences_synced, audit_sequences
    from tests.testapp.models import Plain

    state = setup_databases(verbosity=0, interactive=False, aliases={"default": {}})
    try:
        sequences = len(audit_sequences())
        with connection.cursor() as cursor:
            cursor.execute("SHOW server_version")
            (pg_version,) = cursor.fetchone()
        inserts: dict[tuple[bool, bool], list[float]] = {}
        checks: dict[str, list[float]] = {"test": [], "in transaction": [], "autocommit": []}
        variants = [(atomic, heal) for atomic in (False, True) for heal in (False, True)]
        for atomic, heal in variants:  # a warm-up, not counted
            _inserts(atomic, heal, CHUNK)
        # Short chunks, the variants taking turns in a rotating order, so that a slow spell
        # of the machine hits every variant alike; the median chunk of each is reported.
        for chunk in range(args.inserts // CHUNK):
            shift = chunk % len(variants)
            for atomic, heal in variants[shift:] + variants[:shift]:
                inserts.setdefault((atomic, heal), []).append(_inserts(atomic, heal, CHUNK))
        for _ in range(args.repeat):
            bare = _rolled_back(lambda: Plain.objects.create(name="test"))
            checks["test"].append(_per_call(bare, args.checks))
            _check_seconds.clear()
            _per_call(_rolled_back(_check_in_transaction), args.checks)
            checks["in transaction"].append(statistics.median(_check_seconds))
            checks["autocommit"].append(_per_call(assert_sequences_synced, args.checks))
    finally:
        teardown_databases(state, verbosity=0)

    print(f"PostgreSQL {pg_version}, {sequences} sequences in the project")
    print(
        f"create() x {args.inserts} per variant, median of chunks of {CHUNK} "
        "(microseconds per insert):"
    )
    for atomic in (False, True):
        plain = statistics.median(inserts[(atomic, False)]) * 1e6
        healed = statistics.median(inserts[(atomic, True)]) * 1e6
        where = "inside atomic()" if atomic else "autocommit    "
        print(
            f"  {where}  without healing {plain:7.1f}  with healing {healed:7.1f}  "
            f"(+{healed - plain:.1f}, {healed / plain - 1:+.0%})"
        )
    print(f"test check, median of {args.repeat} rounds of {args.checks} (milliseconds):")
    for name, values in checks.items():
        label = {
            "test": "a minimal db test (atomic, one create, rollback)",
            "in transaction": "check inside the transaction, one table written",
            "autocommit": "check in autocommit mode (every model)",
        }[name]
        print(f"  {label:50s} {statistics.median(values) * 1000:6.2f}")


if __name__ == "__main__":
    main(sys.argv[1:])
