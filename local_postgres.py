"""The PostgreSQL server that the tests, the demo and the benchmark run against.

This module belongs to the repository, not to the installed package: an installed library
starts no database server. ``DATABASE_URL`` (``postgresql://user:password@host:port/name``)
points every caller at a server of your own. When it is unset, an embedded server from the
``pgserver`` package (the ``embedded`` extra: ``pip install -e '.[embedded]'``) is started,
once per process, and ``DATABASE_URL`` is set for child processes so that they share it:

- with no ``data_dir``, in a temporary directory that is deleted when the process ends
  (the tests, the benchmark and ``sample_data/demo.py``: nothing is left behind);
- with a ``data_dir``, in that directory, which keeps its data from one process to the
  next; the server stops when the last process using it ends (``sample_data/manage.py``).

Parallel loads (``parallel=N``) commit with two-phase commit, which PostgreSQL allows only
up to ``max_prepared_transactions`` (0 by default). The embedded server is given
:data:`PREPARED_TRANSACTIONS`: pgserver runs ``initdb`` itself, so the setting is written
with ``ALTER SYSTEM`` and the server restarted, once, when it is first started.
"""

from __future__ import annotations

import os
import re
import tempfile
import warnings
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, unquote, urlsplit

__all__ = ["PREPARED_TRANSACTIONS", "database_url", "django_database"]

PREPARED_TRANSACTIONS = 16
"""``max_prepared_transactions`` of the embedded server: room for the parallel-load tests."""

_server: Any = None


def database_url(*, data_dir: Path | None = None) -> str:
    """Return ``DATABASE_URL``, starting the embedded server first when it is unset.

    Args:
        data_dir: Where the embedded server keeps its data between processes (created if
            missing, its parent must exist); ``None``: a temporary directory, deleted at exit.
    """
    global _server
    url = os.environ.get("DATABASE_URL")
    if url:
        return url
    with warnings.catch_warnings():  # platformdirs warns when XDG_RUNTIME_DIR is unset
        warnings.simplefilter("ignore")
        try:
            import pgserver
        except ImportError as exc:  # pragma: no cover - depends on the environment
            raise RuntimeError(
                "Set DATABASE_URL to a PostgreSQL server, or install the embedded one: "
                "pip install -e '.[embedded]' (from a checkout of django-safeimport)"
            ) from exc
        if data_dir is None:
            _server = pgserver.get_server(
                tempfile.mkdtemp(prefix="safeimport-pg-"), cleanup_mode="delete"
            )
        else:
            _server = pgserver.get_server(data_dir, cleanup_mode="stop")
        _allow_prepared_transactions(_server)
    url = str(_server.get_uri())
    os.environ["DATABASE_URL"] = url
    return url


def _allow_prepared_transactions(server: Any) -> None:
    """Give the embedded server :data:`PREPARED_TRANSACTIONS` (a setting that takes a
    restart), unless it has that many already."""
    shown = re.search(r"^\s*(\d+)\s*$", server.psql("SHOW max_prepared_transactions;"), re.M)
    if shown is not None and int(shown[1]) >= PREPARED_TRANSACTIONS:
        return
    from pgserver._commands import pg_ctl

    server.psql(f"ALTER SYSTEM SET max_prepared_transactions = {PREPARED_TRANSACTIONS};")
    pg_ctl(["-w", "-m", "fast", "stop"], pgdata=server.pgdata, user=server.system_user)
    server.ensure_postgres_running()  # started again as before, reading the new setting


def django_database(url: str, *, name: str | None = None) -> dict[str, Any]:
    """Turn a ``postgresql://`` URL into a Django ``DATABASES`` entry.

    ``name`` replaces the database name of the URL. ``host`` and ``port`` query parameters
    (a Unix-socket directory, as pgserver gives) override those parts; other query
    parameters become connection ``OPTIONS``.
    """
    parts = urlsplit(url)
    if parts.scheme not in {"postgres", "postgresql"}:
        raise ValueError(f"DATABASE_URL must be a postgresql:// URL, not {parts.scheme!r}")
    options = dict(parse_qsl(parts.query))
    host = options.pop("host", None) or unquote(parts.hostname or "")
    port = options.pop("port", None) or parts.port
    return {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": name or unquote(parts.path.lstrip("/")) or "postgres",
        "USER": unquote(parts.username or ""),
        "PASSWORD": unquote(parts.password or ""),
        "HOST": host,
        "PORT": str(port or ""),
        "OPTIONS": options,
    }
