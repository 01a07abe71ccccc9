"""The benchmark's quick mode runs here, so that the benchmark cannot rot.

It checks that every method ran and loaded every row, and that the next ``create()``
succeeds after each of safeimport's methods. No timing is asserted: the figures come from a
full run (``python -m bench``), quoted in the README.
"""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from bench.methods import METHODS

ROOT = Path(__file__).resolve().parents[2]
LOADERS_INSTALLED = importlib.util.find_spec("safeimport.loaders") is not None


@pytest.fixture(scope="module")
def quick_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict[str, Any], Path]:
    """Run ``python -m bench --quick`` once, on the test run's PostgreSQL server."""
    out = tmp_path_factory.mktemp("bench")
    done = subprocess.run(
        [sys.executable, "-m", "bench", "--quick", "--out", str(out)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads((out / "benchmark.json").read_text()), out


def test_every_method_loads_every_row_of_both_tables(
    quick_run: tuple[dict[str, Any], Path],
) -> None:
    results, _ = quick_run
    ran = {(entry["method"], entry["table"]): entry for entry in results["methods"]}
    assert set(ran) == {(method, table) for method in METHODS for table in ("narrow", "wide")}
    for (method, table), entry in ran.items():
        if METHODS[method].kind == "safeimport" and not LOADERS_INSTALLED:
            assert entry["status"] == "skipped", entry
            assert "not installed" in entry["reason"]
            continue
        assert entry["status"] == "ok", entry
        assert entry["rows"] == 10_000
        # the rows loaded, plus the one that the next create() added if it succeeded
        assert entry["rows_in_table"] == 10_000, (method, table, entry)
        assert entry["seconds"] > 0
        assert entry["peak_rss_mb"] > 0


def test_the_next_create_succeeds_after_each_safeimport_method(
    quick_run: tuple[dict[str, Any], Path],
) -> None:
    results, _ = quick_run
    if not LOADERS_INSTALLED:
        pytest.skip("safeimport.loaders is not installed on this branch")
    for entry in results["methods"]:
        if METHODS[entry["method"]].kind == "safeimport":
            assert entry["next_create"]["ok"], entry


def test_the_next_create_is_checked_after_every_method(
    quick_run: tuple[dict[str, Any], Path],
) -> None:
    results, _ = quick_run
    checks = [entry["next_create"] for entry in results["methods"] if entry["status"] == "ok"]
    assert checks
    # psql's \copy leaves the sequence behind: the check must see the failure it causes.
    psql = [entry for entry in results["methods"] if entry["method"] == "psql"]
    assert all(not entry["next_create"]["ok"] for entry in psql), psql
    assert all("duplicate key" in entry["next_create"]["error"] for entry in psql)


def test_the_extras_ran(quick_run: tuple[dict[str, Any], Path]) -> None:
    results, _ = quick_run
    assert [size["tables"] for size in results["audit"]["sizes"]] == [10, 100]
    for size in results["audit"]["sizes"]:
        assert size["behind"] == size["tables"]
        assert size["audit_sequences"]["queries"] >= 1
        assert size["fix_sequences_dry_run"]["queries"] >= 1
    assert set(results["loaddata"]["median_seconds"]) == {"loaddata", "safe_loaddata"}
    live = {run["approach"]: run for run in results["live"]}
    assert set(live) == {"load_csv", "copy_then_sync", "copy_locked"}
    for approach, run in live.items():
        if approach == "load_csv" and not LOADERS_INSTALLED:
            assert run["status"] == "skipped", run
            continue
        assert run["status"] == "ok", run
        assert run["writer_calls"] > 0
        assert run["rows_in_table"] >= 10_000
    assert len(results["targets"]) == 10


def test_the_outputs_are_written(quick_run: tuple[dict[str, Any], Path]) -> None:
    _, out = quick_run
    markdown = (out / "benchmark.md").read_text()
    assert (
        "| method | rows | seconds | rows/s | time / psql | peak RSS MB | next create() |"
        in markdown
    )
    assert "| psql \\copy | 10,000 |" in markdown
    assert (out / "benchmark.png").read_bytes().startswith(b"\x89PNG\r\n\x1a\n")
