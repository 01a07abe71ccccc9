"""The demo's admin, with the Import button on videos, playlists and playlist items.

    python sample_data/admin_demo.py [ADDRESS:PORT]     # default 127.0.0.1:8000

It starts the embedded PostgreSQL (or uses DATABASE_URL), migrates, runs ``createsuperuser``
when there is no superuser yet (it asks for a name and a password; without a terminal it
reads DJANGO_SUPERUSER_USERNAME, DJANGO_SUPERUSER_EMAIL and DJANGO_SUPERUSER_PASSWORD), then
serves the admin with ``runserver`` at http://127.0.0.1:8000/admin/ until Ctrl-C. All in
one process, because the embedded server lives as long as the process that started it; with
DATABASE_URL set, the usual ``manage.py migrate``, ``createsuperuser`` and ``runserver`` do
the same. Import ``data/videos.csv``, then ``data/playlists.json``, then
``data/playlist_items.csv``, from the Import button of each list.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import django

HERE = Path(__file__).resolve().parent


def main() -> None:
    address = sys.argv[1] if len(sys.argv) > 1 else "127.0.0.1:8000"
    os.chdir(HERE)
    sys.path.insert(0, str(HERE))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "demo_site.settings")
    django.setup()
    from django.contrib.auth import get_user_model
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    if not get_user_model().objects.filter(is_superuser=True).exists():
        call_command("createsuperuser", interactive=sys.stdin.isatty())
    print(f"The admin: http://{address}/admin/ (the files to import are in {HERE / 'data'})")
    call_command("runserver", address, use_reloader=False)


if __name__ == "__main__":
    main()
