"""Settings of the demo project: DATABASE_URL, else an embedded PostgreSQL that keeps its
data in ``sample_data/.pgdata/`` (or the folder that ``DEMO_PGDATA`` names) between commands.

``demo.py`` starts a throwaway server of its own before these settings are read, so it
never touches that folder.
"""

import os
from pathlib import Path

from local_postgres import database_url, django_database

PGDATA = Path(os.environ.get("DEMO_PGDATA") or Path(__file__).resolve().parents[1] / ".pgdata")

DATABASES = {"default": django_database(database_url(data_dir=PGDATA))}
INSTALLED_APPS = ["safeimport", "videos"]
SECRET_KEY = "demo"
USE_TZ = True
TIME_ZONE = "UTC"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
