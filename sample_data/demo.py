"""The safeimport demo: a naive import breaks the sequences, safeimport repairs them; then
the same files go in through safeimport's loaders and nothing breaks.

    python sample_data/demo.py

It uses DATABASE_URL, or else starts an embedded PostgreSQL of its own in a temporary
directory, deleted when it ends (``manage.py``'s server, which keeps its data in
``sample_data/.pgdata/``, is left alone). It runs from ``sample_data/``, where ``manage.py``
is, so the paths it shows are relative to that directory.

The naive way: fresh tables of the ``videos`` app, the files of ``data/`` loaded with their
ids by a raw COPY, ``fix_sequences --check`` failing, the next ``create()`` raising the
duplicate-key error, ``fix_sequences`` repairing the sequences and ``create()`` working.

The safe way: fresh tables again, the same files loaded with ``load_csv``, ``load_json``
and ``manage.py safe_import``, ``fix_sequences --check`` passing and ``create()`` working
at once; then a bad file refused with its line, column and value, and nothing written.

Every step checks its outcome: the demo exits with status 1 when one does not behave as
shown.
"""

from __future__ import annotations

import csv
import io
import json
import os
import sys
import tempfile
from pathlib import Path

import django

HERE = Path(__file__).resolve().parent
DATA = Path("data")  # relative to HERE, the demo's working directory
# The rows in each data file (sample_data/make_data.py writes them).
VIDEOS, PLAYLISTS, ITEMS = 2000, 120, 3000


def heading(text: str) -> None:
    """Print a step's title."""
    print(f"\n=== {text} ===", flush=True)


def expect(outcome: bool, what: str) -> None:
    """Stop the demo with exit status 1 when a step did not do what it shows."""
    if not outcome:
        sys.exit(f"demo failed: {what}")


def manage(*args: str) -> int:
    """Run a management command as ``manage.py`` would; return its exit status."""
    from django.core.management import call_command

    print(f"$ python manage.py {' '.join(args)}", flush=True)
    try:
        call_command(*args)
    except SystemExit as exit_:
        return int(exit_.code or 0)
    return 0


def check_sequences() -> int:
    """Run ``fix_sequences videos --check``; print and return its exit status."""
    status = manage("fix_sequences", "videos", "--check")
    print(f"(exit status {status})")
    return status


def fresh_tables() -> None:
    """Drop and create the videos app's tables: no rows, every sequence at its start."""
    manage("migrate", "videos", "zero", "-v", "0")
    manage("migrate", "-v", "0")
    print("migrated")


def counts() -> tuple[int, int, int]:
    """The number of videos, playlists and playlist items in the tables."""
    from videos.models import Playlist, Video, VideoPlaylistItem

    return Video.objects.count(), Playlist.objects.count(), VideoPlaylistItem.objects.count()


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


def safe_import() -> None:
    """Load the same files with safeimport: each load leaves its sequences right."""
    from videos.models import Playlist, Video

    from safeimport import load_csv, load_json

    print(f'>>> print(load_csv(Video, "{DATA / "videos.csv"}").summary())')
    report = load_csv(Video, DATA / "videos.csv")
    print(report.summary())
    expect(report.rows_written == VIDEOS, "load_csv should write every video")
    print(f'>>> print(load_json(Playlist, "{DATA / "playlists.json"}").summary())')
    report = load_json(Playlist, DATA / "playlists.json")
    print(report.summary())
    expect(report.rows_written == PLAYLISTS, "load_json should write every playlist")
    manage("safe_import", "videos.VideoPlaylistItem", str(DATA / "playlist_items.csv"))
    expect(counts() == (VIDEOS, PLAYLISTS, ITEMS), "every row of the three files is in")


def create_item() -> int | None:
    """Add a video to a playlist the way the application does; the new id, or ``None``."""
    from django.db import IntegrityError, transaction
    from videos.models import Playlist, Video, VideoPlaylistItem

    playlist, video = Playlist.objects.get(pk=1), Video.objects.get(pk=1)
    print(">>> VideoPlaylistItem.objects.create(playlist=playlist, video=video, position=26)")
    try:
        with transaction.atomic():
            item = VideoPlaylistItem.objects.create(playlist=playlist, video=video, position=26)
    except IntegrityError as exc:
        print(f"IntegrityError: {exc}".strip())
        return None
    print(f"created item id={item.pk}")
    return int(item.pk)


def refuse_bad_file(directory: Path) -> None:
    """Load a file with a duration written as minutes:seconds; show that nothing is written."""
    from videos.models import Video

    from safeimport import LoadError, load_csv

    bad = directory / "new_videos.csv"
    bad.write_text(
        "id,title,duration_seconds,published_at\n"
        "2001,Night Train Coffee,640,2024-05-01T10:00:00+00:00\n"
        "2002,Storm Over The Market,12:30,2024-05-02T10:00:00+00:00\n"
        "2003,Winter Forest Light,95,2024-05-03T10:00:00+00:00\n",
        encoding="utf-8",
    )
    before = Video.objects.count()
    print(f"videos in the table: {before}")
    print(f'>>> load_csv(Video, "{bad}")')
    try:
        load_csv(Video, bad)
    except LoadError as exc:
        print(f"LoadError: {exc}")
        where = (exc.source, exc.line, exc.column, exc.value)
        expect(where == (str(bad), 3, "duration_seconds", "12:30"), f"the error names {where}")
    else:
        expect(False, "load_csv should refuse the bad file")
    after = Video.objects.count()
    print(f"videos in the table: {after}")
    expect(after == before, "the refused file should write nothing")


def main() -> None:
    """Run the demo from a fresh set of tables."""
    os.chdir(HERE)
    sys.path[:0] = [str(HERE), str(HERE.parent)]  # the demo project; local_postgres.py
    from local_postgres import database_url

    database_url()  # DATABASE_URL, or a throwaway server that the settings then find there
    os.environ["DJANGO_SETTINGS_MODULE"] = "demo_site.settings"  # its own, whatever is set
    django.setup()

    heading("1. Fresh tables for the videos app")
    fresh_tables()

    heading("2. Import the data files with their ids, the naive way: a raw COPY")
    naive_import()

    heading("3. The sequences are behind their data: fix_sequences --check fails")
    expect(check_sequences() == 1, "fix_sequences --check should exit 1")

    heading("4. So the application's next insert fails")
    expect(create_item() is None, "the insert should fail with a duplicate key")

    heading("5. fix_sequences --dry-run shows what it would move; fix_sequences moves it")
    manage("fix_sequences", "videos", "--dry-run")
    manage("fix_sequences", "videos")

    heading("6. The application's insert works, and the check passes")
    expect(create_item() == ITEMS + 1, "the insert should take the next free id")
    expect(check_sequences() == 0, "fix_sequences --check should exit 0")

    heading("7. The safe way: fresh tables, the same files through safeimport")
    fresh_tables()
    safe_import()

    heading("8. The sequences are right at once: the check passes, the insert works")
    expect(check_sequences() == 0, "fix_sequences --check should exit 0")
    expect(create_item() == ITEMS + 1, "the insert should take the next free id")

    heading("9. A bad file is refused: where and what, and nothing written")
    with tempfile.TemporaryDirectory(prefix="safeimport-demo-") as directory:
        refuse_bad_file(Path(directory))


if __name__ == "__main__":
    main()
