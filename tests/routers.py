"""Database routing for the tests: only the loaders' ``Shelf`` and ``Stamp`` go to the
SQLite database."""

from typing import Any

_ON_SQLITE = ("shelf", "stamp")


class SQLiteRouter:
    """Keep everything but ``importapp.Shelf`` and ``importapp.Stamp`` (and what Django
    itself needs) off the ``sqlite`` alias: the other migrations use PostgreSQL's SQL, and a
    model with a JSONField there would make Django's system checks query SQLite's features."""

    def allow_migrate(self, db: str, app_label: str, **hints: Any) -> bool | None:
        """Migrate ``Shelf`` and ``Stamp`` everywhere, and nothing else of the tests on
        ``sqlite``."""
        if db != "sqlite":
            return None
        if app_label == "importapp":
            return hints.get("model_name") in _ON_SQLITE
        return app_label in ("contenttypes", "auth")
