"""Django settings of the benchmark: the embedded PostgreSQL unless DATABASE_URL is set.

The benchmark runs in a database of its own on that server, ``safeimport_bench``, which
``bench.run`` creates and drops; its worker processes find it in ``SAFEIMPORT_BENCH_DATABASE``.
"""

import os

from local_postgres import database_url, django_database

_default = django_database(database_url(), name=os.environ.get("SAFEIMPORT_BENCH_DATABASE"))
_default["TEST"] = {"NAME": "safeimport_bench"}
DATABASES = {"default": _default}
INSTALLED_APPS = ["safeimport", "bench.benchapp"]
SECRET_KEY = "bench"
USE_TZ = True
TIME_ZONE = "UTC"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
# The generated files write timestamps as "2024-05-01 12:00:00+00:00"; django-import-export
# parses them with these formats.
DATETIME_INPUT_FORMATS = ["%Y-%m-%d %H:%M:%S%z"]
