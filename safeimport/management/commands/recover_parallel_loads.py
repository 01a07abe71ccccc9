"""``manage.py recover_parallel_loads``: end the prepared transactions that parallel loads
left behind when their process died between ``PREPARE TRANSACTION`` and the last
``COMMIT PREPARED`` (see docs/parallel.md).

A load that had begun to commit is committed whole; any other is rolled back whole. Loads
still running are left alone. ``--dry-run`` says what it would do; ``--check`` changes
nothing and exits with status 1 when a load is left to recover (for monitoring).
"""

from __future__ import annotations

import sys
from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.db import DEFAULT_DB_ALIAS

from ..._load.prepared import recover_parallel_loads
from ...errors import SafeImportError


class Command(BaseCommand):
    """Commit or roll back, whole, each parallel load whose process died mid-commit."""

    help = (
        "End the prepared transactions that parallel loads (parallel=N) left when their "
        "process died: a load that had begun to commit is committed whole, any other rolled "
        "back whole. Loads still running are left alone."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        """Declare the command's options."""
        parser.add_argument(
            "--database",
            default=DEFAULT_DB_ALIAS,
            help='The database alias (default: "default").',
        )
        parser.add_argument(
            "--dry-run", action="store_true", help="Say what would be done; change nothing."
        )
        parser.add_argument(
            "--check",
            action="store_true",
            help="Change nothing; exit with status 1 when a load is left to recover.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        """List the loads found and end each one (unless --dry-run or --check)."""
        dry_run = options["dry_run"] or options["check"]
        try:
            loads = recover_parallel_loads(using=options["database"], dry_run=dry_run)
        except SafeImportError as exc:
            raise CommandError(str(exc)) from exc
        for load in loads:
            self.stdout.write(load.summary())
        dead = [load for load in loads if load.action != "running"]
        if options["verbosity"] >= 1:
            verb = "Found" if dry_run else "Recovered"
            self.stdout.write(
                f"{verb} {len(dead)} parallel load(s) left prepared"
                + (f"; {len(loads) - len(dead)} still running." if len(loads) > len(dead) else ".")
            )
        if options["check"] and dead:
            sys.exit(1)
