#!/usr/bin/env python
"""Django's command-line utility for the demo project.

Without ``DATABASE_URL``, its commands share an embedded PostgreSQL whose data stays in
``sample_data/.pgdata/`` (git-ignored; ``DEMO_PGDATA`` names another folder), so that
``python sample_data/manage.py migrate`` and a later ``safe_import`` see the same tables.
Delete the folder to start again from nothing.
"""

import os
import sys
from pathlib import Path

if __name__ == "__main__":
    # local_postgres.py, at the top of the repository, starts the demo's server.
    sys.path.insert(1, str(Path(__file__).resolve().parent.parent))
    os.environ["DJANGO_SETTINGS_MODULE"] = "demo_site.settings"  # its own, whatever is set
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)
