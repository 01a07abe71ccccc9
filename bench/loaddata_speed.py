"""Time ``safe_loaddata`` against Django's ``loaddata`` on the same 50,000-object fixture.

    python bench/loaddata_speed.py [--objects 50000] [--repeat 5] [--json PATH]

It uses the demo's ``videos`` app (sample_data/) on the embedded PostgreSQL, or on
``DATABASE_URL`` (in a database of its own, ``safeimport_bench_loaddata``, created and dropped
here). The
fixture is generated at run time: videos, playlists and playlist items with explicit ids and
foreign keys, as ``dumpdata`` writes them. Each run starts from empty tables with fresh
sequences; the two commands alternate, and the report gives every time, each command's
median and the median of the per-pair ratios safe_loaddata / loaddata. The two commands
differ only in their sequence steps: safe_loaddata's reservation when the fixture is opened
(its ids read from the text, the sequences raised past them) and ``reset_sequences`` at the
end; both are also timed on their own.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import django

ROOT = Path(__file__).resolve().parent.parent
COMMANDS = ("loaddata", "safe_loaddata")


def write_fixture(path: Path, objects: int) -> None:
    """A fixture of ``objects`` objects: 4% videos, 1% playlists, the rest playlist items."""
    videos = max(1, objects * 4 // 100)
    playlists = max(1, objects // 100)
    items = objects - videos - playlists
    when = "2024-01-01T00:00:00Z"
    rows: list[dict[str, object]] = []
    rows += [
        {
            "model": "videos.video",
            "pk": pk,
            "fields": {
                "title": f"Video {pk}",
                "duration_seconds": 60 + pk % 600,
                "published_at": when,
            },
        }
        for pk in range(1, videos + 1)
    ]
    rows += [
        {"model": "videos.playlist", "pk": pk, "fields": {"name": f"List {pk}", "created_at": when}}
        for pk in range(1, playlists + 1)
    ]
    rows += [
        {
            "model": "videos.videoplaylistitem",
            "pk": pk,
            "fields": {
                "playlist": 1 + (pk - 1) % playlists,
                "video": 1 + (pk * 7) % videos,
                "position": (pk - 1) // playlists,
            },
        }
        for pk in range(1, items + 1)
    ]
    path.write_text(json.dumps(rows))


def empty_tables() -> None:
    """Empty the videos tables and restart their sequences, as on a fresh database."""
    from django.db import connection
    from videos.models import Playlist, Video, VideoPlaylistItem

    from safeimport._db import compose_django

    tables = [str(model._meta.db_table) for model in (VideoPlaylistItem, Playlist, Video)]
    with connection.cursor() as cursor:
        cursor.execute(
            compose_django(connection, "TRUNCATE {tables} RESTART IDENTITY", tables=tables)
        )
        cursor.execute("VACUUM ANALYZE")


def time_sequence_steps(step_times: dict[str, list[float]]) -> None:
    """Record how long each command's ``reset_sequences`` takes, and safe_loaddata's
    reservation before the first save (reading the fixture's ids, raising the sequences),
    in ``step_times``."""
    from django.core.management.commands import loaddata

    from safeimport.management.commands import safe_loaddata

    for name, command_class in (
        ("loaddata", loaddata.Command),
        ("safe_loaddata", safe_loaddata.Command),
    ):
        original = command_class.__dict__["reset_sequences"]

        def timed(
            self: Any, connection: Any, models: Any, _step: Any = original, _name: str = name
        ) -> None:
            started = time.perf_counter()
            _step(self, connection, models)
            step_times[_name].append(time.perf_counter() - started)

        command_class.reset_sequences = timed  # type: ignore[method-assign]

    reserve = safe_loaddata.Command._reserve_ids_of

    def timed_reserve(self: Any, *args: Any, _step: Any = reserve) -> Any:
        started = time.perf_counter()
        result = _step(self, *args)
        step_times["reserve"].append(time.perf_counter() - started)
        return result

    safe_loaddata.Command._reserve_ids_of = timed_reserve  # type: ignore[method-assign,assignment]


def timed_load(command: str, fixture: Path) -> float:
    """Seconds that ``command`` takes to load ``fixture`` into empty tables."""
    from django.core.management import call_command
    from videos.models import VideoPlaylistItem

    empty_tables()
    started = time.perf_counter()
    call_command(command, str(fixture), verbosity=0)
    elapsed = time.perf_counter() - started
    assert VideoPlaylistItem.objects.create(playlist_id=1, video_id=1, position=10**6).pk
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--objects", type=int, default=50_000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--json", type=Path, help="Also write the figures to this JSON file.")
    args = parser.parse_args()

    sys.path[:0] = [str(ROOT), str(ROOT / "sample_data")]
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "demo_site.settings")
    django.setup()
    from django.db import connection

    connection.settings_dict["TEST"]["NAME"] = "safeimport_bench_loaddata"
    database = connection.creation.create_test_db(verbosity=0, autoclobber=True)
    try:
        with tempfile.TemporaryDirectory() as directory:
            fixture = Path(directory) / "videos.json"
            write_fixture(fixture, args.objects)
            size = fixture.stat().st_size / 1e6
            print(f"Django {django.get_version()}, {connection.display_name} via {_driver()}")
            print(f"fixture: {args.objects} objects, {size:.1f} MB; {args.repeat} runs each")
            timed_load("loaddata", fixture)  # warm-up, not counted
            times: dict[str, list[float]] = {command: [] for command in COMMANDS}
            steps: dict[str, list[float]] = {step: [] for step in (*COMMANDS, "reserve")}
            time_sequence_steps(steps)
            for run in range(args.repeat):
                # Alternate which command goes first, so that neither always follows the other.
                order = COMMANDS if run % 2 == 0 else COMMANDS[::-1]
                for command in order:
                    times[command].append(timed_load(command, fixture))
                print(
                    f"run {run + 1}: "
                    + ", ".join(f"{c} {times[c][-1]:.2f} s" for c in COMMANDS)
                    + f", ratio {times['safe_loaddata'][-1] / times['loaddata'][-1]:.3f}"
                )
    finally:
        connection.creation.destroy_test_db(database, verbosity=0)
    plain, safe = (statistics.median(times[c]) for c in COMMANDS)
    ratios = [s / p for s, p in zip(times["safe_loaddata"], times["loaddata"], strict=True)]
    print(
        f"median: loaddata {plain:.2f} s ({args.objects / plain:.0f} objects/s), "
        f"safe_loaddata {safe:.2f} s ({args.objects / safe:.0f} objects/s)"
    )
    print(
        f"median ratio safe_loaddata / loaddata: {statistics.median(ratios):.3f} "
        f"(min {min(ratios):.3f}, max {max(ratios):.3f}; target <= 1.100)"
    )
    medians = (f"{c} {statistics.median(steps[c]) * 1000:.1f} ms" for c in COMMANDS)
    print("sequence step alone, median: " + ", ".join(medians))
    reserve_ms = statistics.median(steps["reserve"]) * 1000
    print(f"safe_loaddata's reservation before the first save, median: {reserve_ms:.1f} ms")
    if args.json:
        figures = {
            "objects": args.objects,
            "repeat": args.repeat,
            "django": django.get_version(),
            "driver": _driver(),
            "seconds": times,
            "median_seconds": {"loaddata": plain, "safe_loaddata": safe},
            "median_ratio": statistics.median(ratios),
            "sequence_step_ms": {c: statistics.median(steps[c]) * 1000 for c in COMMANDS},
            "reserve_step_ms": reserve_ms,
        }
        args.json.write_text(json.dumps(figures, indent=2))


def _driver() -> str:
    from django.db.backends.postgresql.psycopg_any import is_psycopg3

    return "psycopg 3" if is_psycopg3 else "psycopg2"


if __name__ == "__main__":
    main()
