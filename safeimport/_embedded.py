"""The PostgreSQL server that the tests, the demo and the benchmarks run against.

``DATABASE_URL`` (``postgresql://user:password@host:port/name``) points them at a server of
your own. When it is unset, an embedded server from the ``pgserver`` package (the
``safeimport[embedded]`` extra) is started in a temporary directory, once per process, and
``DATABASE_URL`` is set for child processes so that they share it.
"""

from __future__ import annotations

import os
import tempfile
import warnings
from typing import Any
from urllib.parse import parse_qsl, unquote, urlsplit

_server: Any = None


def database_url() -> str:
    """Return ``DATABASE_URL``, starting the embedded server first when it is unset."""
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
                "pip install 'safeimport[embedded]'"
            ) from exc
        data_dir = tempfile.mkdtemp(prefix="safeimport-pg-")
        _server = pgserver.get_server(data_dir, cleanup_mode="delete")
    url = str(_server.get_uri())
    os.environ["DATABASE_URL"] = url
    return url


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
