"""An admin import from its upload to its end: a folder on the server's disk.

Each import gets a folder named by a random token under ``SAFEIMPORT_ADMIN_DIR`` (default:
``safeimport-admin`` in ``FILE_UPLOAD_TEMP_DIR`` or the system's temporary directory). It
holds the uploaded file (``input``), the rows that the preview and the load rejected
(``preview-rejects.csv``, ``rejects.csv``) and ``job.json``: who uploaded what, the options,
the preview, the status (``previewed``, ``running``, ``done``, ``failed``), the progress
and the outcome. Any process of the site can read it, so the status page can be served by
another worker process than the one that runs the load.

:func:`run_job` runs a confirmed import from its token alone, so that it can run in a thread
of the web server (the default) or in a task queue's worker that sees the same folder.
"""

from __future__ import annotations

import dataclasses
import json
import logging
import os
import re
import secrets
import shutil
import socket
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.apps import apps
from django.conf import settings
from django.contrib.admin.models import ADDITION, CHANGE, LogEntry
from django.contrib.contenttypes.models import ContentType
from django.core.files.move import file_move_safe
from django.core.files.uploadedfile import TemporaryUploadedFile, UploadedFile
from django.db import transaction
from django.db.models import Model

from .. import LoadError, LoadReport
from .formats import run_loader

__all__ = ["Job", "jobs_root", "run_job"]

logger = logging.getLogger(__name__)

_TOKEN = re.compile(r"[0-9a-f]{32}")
# The status file is rewritten at most this often during a load (seconds), and once at the
# end of the input: often enough for a progress bar, rarely enough to cost nothing.
PROGRESS_INTERVAL = 0.5
# Folders of imports older than this (seconds) are removed when a new import starts.
KEEP_SECONDS = 24 * 3600


def jobs_root() -> Path:
    """The folder that holds one folder per import."""
    configured = getattr(settings, "SAFEIMPORT_ADMIN_DIR", None)
    if configured:
        return Path(configured)
    return Path(settings.FILE_UPLOAD_TEMP_DIR or tempfile.gettempdir()) / "safeimport-admin"


@dataclass
class Job:
    """One import: its options, its state, and the paths of its files."""

    token: str
    model: str
    """The model's label, ``app_label.ModelName``."""
    user_id: str
    file_name: str
    """The uploaded file's name, as the user's computer called it."""
    input_format: str
    on_conflict: str
    on_error: str
    mode: str
    using: str
    options: dict[str, Any] = field(default_factory=dict)
    """More keyword arguments for the loader (the admin's ``import_options``)."""
    status: str = "previewed"
    created: float = field(default_factory=time.time)
    preview: dict[str, Any] = field(default_factory=dict)
    result: dict[str, Any] = field(default_factory=dict)
    error: str = ""
    rows: int = 0
    bytes: int = 0
    total_bytes: int | None = None
    host: str = ""
    pid: int | None = None
    """The process running the load, once it has started (None while queued)."""

    # --- storage ------------------------------------------------------------------------

    @classmethod
    def create(cls, **values: Any) -> Job:
        """A new import with a fresh token and an empty folder (older folders are pruned)."""
        prune()
        job = cls(token=secrets.token_hex(16), **values)
        job.folder.mkdir(mode=0o700, parents=True)
        job.save()
        return job

    @classmethod
    def load(cls, token: str) -> Job | None:
        """The import with this token, or None when there is none."""
        if not _TOKEN.fullmatch(token):
            return None
        try:
            values = json.loads((jobs_root() / token / "job.json").read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        return cls(**values)

    def save(self) -> None:
        """Write the state; a reader sees the old state or the new one, never half of it."""
        temporary = self.folder / f"job.json.{os.getpid()}.{threading.get_ident()}.tmp"
        temporary.write_text(json.dumps(dataclasses.asdict(self)), encoding="utf-8")
        os.replace(temporary, self.folder / "job.json")

    def delete(self) -> None:
        """Remove the import's folder and every file in it."""
        shutil.rmtree(self.folder, ignore_errors=True)

    @property
    def folder(self) -> Path:
        """The import's folder."""
        return jobs_root() / self.token

    @property
    def input_path(self) -> Path:
        """The uploaded file."""
        return self.folder / "input"

    @property
    def preview_rejects_path(self) -> Path:
        """The rows that the preview rejected."""
        return self.folder / "preview-rejects.csv"

    @property
    def rejects_path(self) -> Path:
        """The rows that the load rejected."""
        return self.folder / "rejects.csv"

    # --- the steps ----------------------------------------------------------------------

    def load_into(self, model: type[Model], **options: Any) -> LoadReport:
        """Run the loader on the uploaded file with the import's options and ``options``.

        Raises:
            LoadError: as the loaders do; nothing is written.
        """
        return run_loader(
            model,
            self.input_path,
            self.input_format,
            **{
                "using": self.using,
                "on_conflict": self.on_conflict,
                "mode": self.mode,
                **self.options,
                **options,
            },
        )

    def keep(self, upload: UploadedFile[Any]) -> None:
        """Put the uploaded file in the folder: moved when it is a temporary file (as the
        import page's upload handler makes it), else written out."""
        if isinstance(upload, TemporaryUploadedFile):
            file_move_safe(upload.temporary_file_path(), str(self.input_path))
            return
        with self.input_path.open("wb") as target:
            for chunk in upload.chunks():
                target.write(chunk)

    @property
    def refused(self) -> bool:
        """Whether the load would be refused: the preview found bad rows, and the option
        is to refuse the file when a row is bad."""
        return self.on_error == "raise" and self.preview.get("rows_rejected", 0) > 0

    def claim(self) -> bool:
        """Mark a previewed import as confirmed; False when it was confirmed already (a
        second click, a second tab), so that a file is never loaded twice."""
        if not self.mark_once("confirmed"):
            return False
        self.status = "running"
        self.save()
        return True

    def mark_once(self, step: str) -> bool:
        """Record that ``step`` happened; False when it had, whoever recorded it (the
        file is created exclusively, so of two processes at once only one succeeds)."""
        try:
            os.close(os.open(self.folder / step, os.O_CREAT | os.O_EXCL | os.O_WRONLY))
        except FileExistsError:
            return False
        return True

    def check_alive(self) -> None:
        """Mark a running import failed when its process, on this machine, has ended
        without saying how the load went (the server was stopped or restarted)."""
        if self.status != "running" or self.pid is None or self.host != socket.gethostname():
            return
        try:
            os.kill(self.pid, 0)
        except ProcessLookupError:
            self.fail(
                "The server process that ran this import ended before the import finished; "
                "nothing was written."
            )
        except PermissionError:  # alive, run by another user
            return

    def progress_state(self) -> dict[str, Any]:
        """How far the import is, for the progress bar."""
        return {
            "status": self.status,
            "started": self.pid is not None,
            "rows": self.rows,
            "bytes": self.bytes,
            "total_bytes": self.total_bytes,
            "error": self.error,
        }

    def fail(self, message: str) -> None:
        """Record that the import failed and wrote nothing."""
        self.status, self.error = "failed", message
        self.save()


class ProgressRecorder:
    """The loaders' ``progress`` callback for a job: record how far its load is."""

    def __init__(self, job: Job) -> None:
        self.job = job
        self.saved = 0.0

    def __call__(self, rows: int, bytes_read: int, total_bytes: int | None) -> None:
        """Take the counts after a chunk; save them now and then, and at the input's end."""
        job = self.job
        job.rows, job.bytes, job.total_bytes = rows, bytes_read, total_bytes
        now = time.monotonic()
        if now - self.saved >= PROGRESS_INTERVAL or bytes_read == total_bytes:
            self.saved = now
            job.save()


def prune(keep_seconds: float = KEEP_SECONDS) -> None:
    """Remove the folders of imports last touched more than ``keep_seconds`` ago."""
    root = jobs_root()
    if not root.is_dir():
        return
    limit = time.time() - keep_seconds
    for folder in root.iterdir():
        if not _TOKEN.fullmatch(folder.name):
            continue
        try:
            stale = (folder / "job.json").stat().st_mtime < limit
        except FileNotFoundError:
            stale = folder.stat().st_mtime < limit
        if stale:
            shutil.rmtree(folder, ignore_errors=True)


def outcome(report: LoadReport) -> dict[str, Any]:
    """The counts and sequence moves of a load, as the pages show them."""
    return {
        "rows_read": report.rows_read,
        "rows_written": report.rows_written,
        "rows_updated": report.rows_updated,
        "rows_skipped": report.rows_skipped,
        "rows_rejected": report.rows_rejected,
        "rows_deleted": report.rows_deleted,
        "seconds": report.seconds,
        "sequences": [
            {
                "sequence": change.state.sequence,
                "column": change.column,
                "before": change.next_before,
                "after": change.next_after,
                "moved": change.next_before != change.next_after,
            }
            for change in report.sequences
        ],
        "summary": dataclasses.replace(report, reject_file=None).summary(),
    }


def run_job(token: str) -> None:
    """Load a confirmed import's file, log it, and record the outcome in its folder.

    The load and its :class:`~django.contrib.admin.models.LogEntry` are written in one
    transaction: a failed load writes neither, and its reason is recorded for the status
    page. The uploaded file is removed at the end; the rejected rows stay for download.
    """
    job = Job.load(token)
    if job is None or job.status != "running" or not job.mark_once("started"):
        return  # not confirmed, or started already: a task delivered twice loads once
    job.host, job.pid = socket.gethostname(), os.getpid()
    job.save()
    model = apps.get_model(job.model)
    skip = job.on_error == "skip"
    try:
        with transaction.atomic(using=job.using):
            report = job.load_into(
                model,
                on_error=job.on_error,
                reject_file=job.rejects_path if skip else None,
                progress=ProgressRecorder(job),
            )
            result = outcome(report)
            log_import(job, model, result)
    except LoadError as exc:
        job.fail(str(exc))
    except Exception as exc:  # the status page must learn of any failure
        logger.exception("safeimport: the admin import %s failed", token)
        job.fail(f"The import failed: {exc}; nothing was written.")
    else:
        job.status, job.result = "done", result
        job.save()
    finally:
        job.input_path.unlink(missing_ok=True)


def log_import(job: Job, model: type[Model], result: dict[str, Any]) -> LogEntry:
    """Write one admin log entry for a finished import: by whom, which file, what it did
    (``result`` is the load's :func:`outcome`)."""
    changed = job.mode == "replace" or result["rows_updated"] > 0
    return LogEntry.objects.create(
        user_id=job.user_id,
        content_type=ContentType.objects.get_for_model(model, for_concrete_model=False),
        object_id=None,
        object_repr=f"Import of {job.file_name}"[:200],
        action_flag=CHANGE if changed else ADDITION,
        change_message=result["summary"],
    )
