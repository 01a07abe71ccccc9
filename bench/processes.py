"""Start ``bench.worker`` processes and collect their results."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
TIMEOUT = 3600


@dataclass
class Running:
    """A worker process under way."""

    process: subprocess.Popen[str]
    result_path: Path

    def finish(self, timeout: float = TIMEOUT) -> dict[str, Any]:
        """Wait for the worker; its result, or ``status: error`` and the exception it ended with."""
        try:
            _, stderr = self.process.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            _, stderr = self.process.communicate()
            stderr += f"\ntimed out after {timeout:.0f} s"
        try:
            if self.process.returncode == 0:
                result: dict[str, Any] = json.loads(self.result_path.read_text())
                return result
            return {"status": "error", "error": _last_exception(stderr)}
        finally:
            self.result_path.unlink(missing_ok=True)


def _last_exception(stderr: str) -> str:
    """The line of a traceback that names the exception that started it, else the last line."""
    lines = [line for line in stderr.splitlines() if line.strip()]
    named = [line for line in lines if re.match(r"[\w.]+(Error|Exception|Exit): ", line)]
    return (named or lines or ["no output"])[0 if named else -1][:500]


def peak_rss_mb(pid: int | str = "self") -> float | None:
    """The peak resident memory of a running process since its ``exec``, in MB.

    Read from ``VmHWM`` in ``/proc/PID/status``, which belongs to the program that runs; the
    peak of ``getrusage()`` would also count the parent's memory at the time of the fork.
    None where there is no ``/proc`` or the process is gone.
    """
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return None
    for line in status.splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024  # kilobytes
    return None


def start(task: dict[str, Any], *, database: str) -> Running:
    """Start ``python -m bench.worker`` on ``task`` against the benchmark's ``database``."""
    handle, result_path = tempfile.mkstemp(prefix="bench-result-", suffix=".json")
    os.close(handle)
    environment = dict(
        os.environ,
        DJANGO_SETTINGS_MODULE="bench.settings",
        SAFEIMPORT_BENCH_DATABASE=database,
    )
    process = subprocess.Popen(
        [sys.executable, "-m", "bench.worker", json.dumps(task), result_path],
        cwd=ROOT,
        env=environment,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    return Running(process, Path(result_path))


def run(task: dict[str, Any], *, database: str) -> dict[str, Any]:
    """Run ``task`` in a worker process and return its result."""
    return start(task, database=database).finish()


def run_script_child(script: str, arguments: list[str], database: str) -> dict[str, Any]:
    """Run ``script --child ARGUMENTS`` in a fresh process against ``database``; return the
    JSON object it prints last (the ``bench/*_speed.py`` scripts time one load so)."""
    environment = dict(
        os.environ, DJANGO_SETTINGS_MODULE="bench.settings", SAFEIMPORT_BENCH_DATABASE=database
    )
    done = subprocess.run(
        [sys.executable, script, "--child", *arguments],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        check=True,
    )
    result: dict[str, Any] = json.loads(done.stdout.splitlines()[-1])
    return result
