"""The safeimport demo: an import breaks the sequences, safeimport finds and repairs them.

    python sample_data/demo.py

It starts the embedded PostgreSQL (or uses DATABASE_URL), creates the tables of the
``videos`` app afresh, loads ``data/`` with explicit ids the naive way (a raw COPY), shows
``fix_sequences --check`` failing and the next ``create()`` raising the duplicate-key error,
repairs the sequences with ``fix_sequences`` and shows ``create()`` working.
"""

from __future__ import annotations

import csv
import io
import json
import os
import sys
from pathlib import Path

import django

HERE = Path(__file__).resolve().parent
DATA = HERE / "data"


def heading(text: str) -> None:
    """Print a step's title."""
    print(f"\n=== {text} ===", flush=True)


def manage(*args: str) -> int:
    """Run a management command as ``manage.py`` would; return its exit status."""
    from django.core.management import call_command

    print(f"$ python manage.py {' '.join(args)}", flush=True)
    try:
        call_command(*args)
    except SystemExit as exit_:
        status = int(exit_.code or 0)
        print(f"(exit status {status})")
        return status
    return 0


def raw_copy(table: str, columns: list[str], rows: list[list[str]]) -> None:
    """COPY rows into a table through the driver, as an ETL script would."""
    from django.db import connection
    from django.db.backends.postgresql.psycopg_any import is_psycopg3, sql

    buffer = io.StringIO()
    csv.writer(buffer).writerows(rows)
    statement = sql.SQL("COPY {} ({}) FROM STDIN WITH (FORMAT csv)").format(
        sql.Identifier(table), sql.SQL(", ").join(map(sql.Identifier, columns))
    )
    with connection.cursor() as cursor:
        if is_psycopg3:
            with cursor.cursor.copy(statement) as copy:
                copy.write(buffer.getvalue())
        else:
            cursor.cursor.copy_expert(
                statement.as_string(cursor.cursor), io.StringIO(buffer.getvalue())
            )
    print(f"COPY {len(rows)} rows into {table}")


def read_csv(name: str) -> tuple[list[str], list[list[str]]]:
    """The header and rows of a data file."""
    with open(DATA / name, newline="", encoding="utf-8") as source:
        header, *rows = list(csv.reader(source))
    return header, rows


def naive_import() -> None:
    """Load the data files with their ids and leave the sequences where they were."""
    raw_copy("videos_video", *read_csv("videos.csv"))
    playlists = json.loads((DATA / "playlists.json").read_text())
    columns = ["id", "name", "created_at"]
    raw_copy("videos_playlist", columns, [[p[c] for c in columns] for p in playlists])
    raw_copy("videos_videoplaylistitem", *read_csv("playlist_items.csv"))


def create_item() -> None:
    """Add a video to a playlist the way the application does."""
    from django.db import IntegrityError, transaction
    from videos.models import Playlist, Video, VideoPlaylistItem

    playlist, video = Playlist.objects.get(pk=1), Video.objects.get(pk=1)
    print(">>> VideoPlaylistItem.objects.create(playlist=playlist, video=video, position=26)")
    try:
        with transaction.atomic():
            item = VideoPlaylistItem.objects.create(playlist=playlist, video=video, position=26)
    except IntegrityError as exc:
        print(f"IntegrityError: {exc}".strip())
    else:
        print(f"created item id={item.pk}")


def main() -> None:
    """Run the demo from a fresh set of tables."""
    sys.path.insert(0, str(HERE))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "demo_site.settings")
    django.setup()

    heading("1. Fresh tables for the videos app")
    manage("migrate", "videos", "zero", "-v", "0")
    manage("migrate", "-v", "0")
    print("migrated")

    heading("2. Import the data files with their ids, the naive way: a raw COPY")
    naive_import()

    heading("3. The sequences are behind their data: fix_sequences --check fails")
    manage("fix_sequences", "videos", "--check")

    heading("4. So the application's next insert fails")
    create_item()

    heading("5. fix_sequences --dry-run shows what it would move; fix_sequences moves it")
    manage("fix_sequences", "videos", "--dry-run")
    manage("fix_sequences", "videos")

    heading("6. The application's insert works, and the check passes")
    create_item()
    manage("fix_sequences", "videos", "--check")


if __name__ == "__main__":
    main()
