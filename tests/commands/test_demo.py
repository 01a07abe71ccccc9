"""The demo (``python sample_data/demo.py``) runs here, so that it cannot rot.

It runs in a subprocess, as the README's command runs it, on a scratch database of the test
run's PostgreSQL server (so it never writes into the database that ``DATABASE_URL`` names).
The demo checks each step's outcome itself and exits 1 when one goes wrong; these tests
check its exit status and the lines that the README quotes.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from django.db import connections
from pytest_django import DjangoDbBlocker

from safeimport._db import compose

ROOT = Path(__file__).resolve().parents[2]


@contextmanager
def scratch_database(blocker: DjangoDbBlocker) -> Iterator[str]:
    """A new, empty database on the test run's server, dropped afterwards; its URL."""
    connection = connections["default"]
    name = f"{connection.settings_dict['NAME']}_demo"
    with blocker.unblock(), connection.cursor() as cursor:
        # left over from a killed run
        cursor.execute(compose(connection, "DROP DATABASE IF EXISTS {}", (name,)))
        cursor.execute(compose(connection, "CREATE DATABASE {}", (name,)))
    try:
        yield urlsplit(os.environ["DATABASE_URL"])._replace(path=f"/{name}").geturl()
    finally:
        with blocker.unblock(), connection.cursor() as cursor:
            cursor.execute(compose(connection, "DROP DATABASE {}", (name,)))


@pytest.fixture(scope="module")
def demo_output(django_db_setup: None, django_db_blocker: DjangoDbBlocker) -> dict[str, str]:
    """Run the demo once; its output, by step number (``"3"``: step 3's lines)."""
    with scratch_database(django_db_blocker) as url:
        done = subprocess.run(
            [sys.executable, "sample_data/demo.py"],
            cwd=ROOT,
            env={**os.environ, "DATABASE_URL": url},
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    assert done.stderr == ""
    steps = re.split(r"^=== (\d+)\. .* ===$", done.stdout, flags=re.MULTILINE)
    return dict(zip(steps[1::2], steps[2::2], strict=True))


def test_the_demo_runs_every_step(demo_output: dict[str, str]) -> None:
    assert list(demo_output) == [str(step) for step in range(1, 10)]


def test_the_naive_import_breaks_the_sequences_and_fix_sequences_repairs_them(
    demo_output: dict[str, str],
) -> None:
    assert "3 behind" in demo_output["3"]
    assert demo_output["3"].rstrip().endswith("(exit status 1)")
    assert (
        "IntegrityError: duplicate key value violates unique constraint "
        '"videos_videoplaylistitem_pkey"' in demo_output["4"]
    )
    assert "moved 3: sequence videos_playlist_id_seq 1 -> 121" in demo_output["5"]
    assert "created item id=3001" in demo_output["6"]
    assert demo_output["6"].rstrip().endswith("0 behind.\n(exit status 0)")


def test_the_loaders_leave_every_sequence_right_at_once(demo_output: dict[str, str]) -> None:
    lines = demo_output["7"].splitlines()
    assert (
        "$ python manage.py safe_import videos.VideoPlaylistItem data/playlist_items.csv" in lines
    )
    for model, rows, next_id in (
        ("Video", 2000, 2001),
        ("Playlist", 120, 121),
        ("VideoPlaylistItem", 3000, 3001),
    ):
        summary = (
            rf"Imported {rows} row\(s\) into videos\.{model}: {rows} new, 0 updated, "
            rf"0 skipped, 0 rejected; sequence \S+ 1 -> {next_id}\."
        )
        assert any(re.fullmatch(summary, line) for line in lines), (summary, lines)
    assert "0 behind.\n(exit status 0)" in demo_output["8"]
    assert "behind  " not in demo_output["8"]
    assert demo_output["8"].rstrip().endswith("created item id=3001")


def test_a_bad_file_is_refused_with_where_and_what_and_nothing_written(
    demo_output: dict[str, str],
) -> None:
    lines = demo_output["9"].strip().splitlines()
    assert lines[0] == "videos in the table: 2000"
    assert re.fullmatch(
        r"LoadError: .+[/\\]new_videos\.csv, line 3, column 'duration_seconds': "
        r"invalid input syntax for type integer: \"12:30\" \(value '12:30'\)",
        lines[2],
    ), lines[2]
    assert lines[3] == "videos in the table: 2000"
