"""Database routing for the tests: only the loader test app goes to the SQLite database."""

from typing import Any


class SQLiteRouter:
    """Keep every app but ``importapp`` off the ``sqlite`` alias (their migrations use
    PostgreSQL's SQL)."""

    def allow_migrate(self, db: str, app_label: str, **hints: Any) -> bool | None:
        """Migrate ``importapp`` everywhere, and nothing else on ``sqlite``."""
        if db == "sqlite":
            return app_label in ("importapp", "contenttypes", "auth")
        return None
