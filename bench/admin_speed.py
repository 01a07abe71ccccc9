"""Time an import through the Django admin: safeimport's import page against
django-import-export's, for the same CSV file of 100,000 rows.

    python bench/admin_speed.py [--rows 100000] [--repeat 3] [--json PATH]

Each run is what a user does, through Django's test client (no browser): post the file to
the import form, read the preview page, confirm, and wait until the rows are in the table.
Both admins are registered for ``benchapp.Narrow`` (6 columns) on two admin sites of one
project, with their default settings; django-import-export's resource is the benchmark's
fast setup (``bench/methods.py``: ``use_bulk``, no diff). safeimport's load runs in a
thread of the server process, so its time includes polling its status until it is done
(every 50 ms). Each run starts from an empty table with a fresh sequence; the two admins
alternate, and the report gives each phase's time, each admin's median and their ratio.

It uses the embedded PostgreSQL (or ``DATABASE_URL``), in a database of its own,
``safeimport_bench_admin``, created and dropped here. Needs the ``bench`` extra.
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
from typing import Any, ClassVar

import django
from django.conf import settings

ROOT = Path(__file__).resolve().parent.parent
ADMINS = ("safeimport", "import_export")


class URLS:
    """The project's URLs (``ROOT_URLCONF`` may be any object with ``urlpatterns``), filled
    in once Django is set up."""

    urlpatterns: ClassVar[list[Any]] = []


def configure(jobs: Path) -> None:
    """Settings of a small project: the admin, both import apps, the benchmark's tables."""
    from safeimport._embedded import database_url, django_database

    database = django_database(database_url())
    database["TEST"] = {"NAME": "safeimport_bench_admin"}
    settings.configure(
        DATABASES={"default": database},
        INSTALLED_APPS=[
            "django.contrib.admin",
            "django.contrib.auth",
            "django.contrib.contenttypes",
            "django.contrib.sessions",
            "django.contrib.messages",
            "import_export",
            "safeimport",
            "bench.benchapp",
        ],
        MIDDLEWARE=[
            "django.contrib.sessions.middleware.SessionMiddleware",
            "django.middleware.csrf.CsrfViewMiddleware",
            "django.contrib.auth.middleware.AuthenticationMiddleware",
            "django.contrib.messages.middleware.MessageMiddleware",
        ],
        TEMPLATES=[
            {
                "BACKEND": "django.template.backends.django.DjangoTemplates",
                "APP_DIRS": True,
                "OPTIONS": {
                    "context_processors": [
                        "django.template.context_processors.request",
                        "django.contrib.auth.context_processors.auth",
                        "django.contrib.messages.context_processors.messages",
                    ]
                },
            }
        ],
        ROOT_URLCONF=URLS,
        STATIC_URL="/static/",
        SECRET_KEY="bench",
        USE_TZ=True,
        TIME_ZONE="UTC",
        DEFAULT_AUTO_FIELD="django.db.models.BigAutoField",
        # The generated files write timestamps as "2024-05-01 12:00:00+00:00"; this is the
        # format django-import-export parses them with.
        DATETIME_INPUT_FORMATS=["%Y-%m-%d %H:%M:%S%z"],
        SAFEIMPORT_ADMIN_DIR=str(jobs),
    )
    django.setup()


def register_admins() -> None:
    """One admin site per import app, each with an admin of ``Narrow``."""
    from django.contrib import admin
    from django.urls import path
    from import_export.admin import ImportMixin as PeerImportMixin

    from bench.benchapp.models import Narrow
    from bench.methods import _import_export_resource
    from safeimport.admin import ImportMixin

    class SafeimportAdmin(ImportMixin, admin.ModelAdmin):  # type: ignore[type-arg]
        pass

    class ImportExportAdmin(PeerImportMixin, admin.ModelAdmin):  # type: ignore[misc,type-arg]
        resource_classes = [_import_export_resource(Narrow)]

    sites = {name: admin.AdminSite(name=name) for name in ADMINS}
    sites["safeimport"].register(Narrow, SafeimportAdmin)
    sites["import_export"].register(Narrow, ImportExportAdmin)
    URLS.urlpatterns = [path(f"{name}/", site.urls) for name, site in sites.items()]


def empty_table() -> None:
    """No rows, the sequence at its start, and no admin log."""
    from django.contrib.admin.models import LogEntry
    from django.db import connection

    from bench.benchapp.models import Narrow
    from safeimport._db import compose_django

    LogEntry.objects.all().delete()
    with connection.cursor() as cursor:
        statement = "TRUNCATE {table} RESTART IDENTITY"
        cursor.execute(compose_django(connection, statement, table=Narrow._meta.db_table))
        cursor.execute("VACUUM ANALYZE")


def _check(response: Any, status: int) -> Any:
    if response.status_code != status:
        text = response.content.decode(errors="replace")[-2000:]
        raise RuntimeError(f"{response.request['PATH_INFO']}: {response.status_code}\n{text}")
    return response


def through_safeimport(client: Any, path: Path) -> tuple[float, float]:
    """Seconds of upload + preview, and of confirm + load, on safeimport's page."""
    from safeimport.admin.jobs import Job

    url = "/safeimport/benchapp/narrow/import/"
    started = time.perf_counter()
    with path.open("rb") as handle:
        options = {"on_conflict": "error", "on_error": "raise", "mode": "append"}
        posted = _check(client.post(url, {"import_file": handle, **options}), 302)
    _check(client.get(posted["Location"]), 200)
    previewed = time.perf_counter()
    _check(client.post(f"{posted['Location']}confirm/"), 302)
    token = posted["Location"].rstrip("/").rsplit("/", 1)[-1]
    while (job := Job.load(token)) is not None and job.status == "running":
        time.sleep(0.05)
    if job is None or job.status != "done":
        raise RuntimeError(f"the import did not finish: {job}")
    _check(client.get(posted["Location"]), 200)
    return previewed - started, time.perf_counter() - previewed


def through_import_export(client: Any, path: Path) -> tuple[float, float]:
    """Seconds of upload + preview, and of confirm + load, on django-import-export's page."""
    url = "/import_export/benchapp/narrow/"
    form = _check(client.get(f"{url}import/"), 200).context["form"]
    csv_choice = next(value for value, title in form.fields["format"].choices if title == "csv")
    started = time.perf_counter()
    with path.open("rb") as handle:
        data = {form["import_file"].html_name: handle, form["format"].html_name: csv_choice}
        preview = _check(client.post(f"{url}import/", data), 200)
    confirm = preview.context["confirm_form"]
    if confirm is None:
        raise RuntimeError("django-import-export's preview offers no confirmation")
    previewed = time.perf_counter()
    data = {field.html_name: field.value() for field in confirm}
    _check(client.post(f"{url}process_import/", data), 302)
    return previewed - started, time.perf_counter() - previewed


def timed(admin: str, client: Any, path: Path, rows: int) -> tuple[float, float]:
    """One import into an empty table, checked: every row in, the sequence past them."""
    from bench.benchapp.models import Narrow

    empty_table()
    run = through_safeimport if admin == "safeimport" else through_import_export
    phases = run(client, path)
    count = Narrow._default_manager.count()
    if count != rows:
        raise RuntimeError(f"{admin}: {count} rows in the table, not {rows}")
    new = Narrow._default_manager.create(
        name="after", quantity=1, created_at="2024-01-01T00:00:00Z"
    )
    print(f"  {admin}: next id {new.pk}", file=sys.stderr)
    return phases


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--json", type=Path, help="Also write the figures to this JSON file.")
    args = parser.parse_args()

    sys.path.insert(0, str(ROOT))
    jobs = Path(tempfile.mkdtemp(prefix="safeimport-bench-admin-"))
    configure(jobs)
    register_admins()
    from django.contrib.auth.models import User
    from django.db import connection
    from django.test import Client
    from django.test.utils import setup_test_environment

    from bench.data import TABLES, data_files

    setup_test_environment()  # the test client's response.context
    database = connection.creation.create_test_db(verbosity=0, autoclobber=True)
    times: dict[str, list[list[float]]] = {admin: [] for admin in ADMINS}
    try:
        files = data_files(TABLES["narrow"], args.rows)
        size = files.csv.stat().st_size / 1e6
        client = Client()
        client.force_login(User.objects.create_superuser("bench", password="bench"))
        print(f"Django {django.get_version()}, {connection.display_name} via {_driver()}")
        print(f"file: {files.csv.name}, {args.rows} rows, {size:.1f} MB; {args.repeat} runs each")
        for run in range(args.repeat):
            order = ADMINS if run % 2 == 0 else ADMINS[::-1]
            for admin in order:
                times[admin].append(list(timed(admin, client, files.csv, args.rows)))
            print(
                f"run {run + 1}: "
                + ", ".join(
                    f"{a} {sum(times[a][-1]):.2f} s (preview {times[a][-1][0]:.2f} + "
                    f"load {times[a][-1][1]:.2f})"
                    for a in ADMINS
                ),
                flush=True,
            )
    finally:
        connection.creation.destroy_test_db(database, verbosity=0)
    medians = {admin: statistics.median(sum(run) for run in times[admin]) for admin in ADMINS}
    print(
        "median: "
        + ", ".join(f"{a} {medians[a]:.2f} s ({args.rows / medians[a]:.0f} rows/s)" for a in ADMINS)
        + f"; import_export / safeimport {medians['import_export'] / medians['safeimport']:.1f}x"
    )
    if args.json:
        figures = {
            "rows": args.rows,
            "repeat": args.repeat,
            "django": django.get_version(),
            "driver": _driver(),
            "seconds_preview_and_load": times,
            "median_seconds": medians,
        }
        args.json.write_text(json.dumps(figures, indent=2))


def _driver() -> str:
    from django.db.backends.postgresql.psycopg_any import is_psycopg3

    return "psycopg 3" if is_psycopg3 else "psycopg2"


if __name__ == "__main__":
    os.environ.pop("DJANGO_SETTINGS_MODULE", None)
    main()
