"""The benchmark's quick mode and ``bench/speed.py`` run here, so that neither can rot.

The quick run checks that every method ran and loaded every row, that the next ``create()``
succeeds after each of safeimport's methods, and that each method's ratio is paired with
psql's run of the same round. No timing is asserted: the figures come from a full run
(``python -m bench``, ``python bench/speed.py``). The rounds, the derived data files and
the verdicts are also checked on their own, without a database.
"""

from __future__ import annotations

import csv
import importlib.util
import json
import os
import shutil
import statistics
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from bench import speed
from bench.data import SPOILS, TABLES, data_files, shuffled_csv, spoiled_csv
from bench.methods import METHODS, pgloader_url
from bench.paired import combine_rounds, median_ratio, paired_ratios, round_order
from bench.run import QUICK_ROWS

ROOT = Path(__file__).resolve().parents[2]
LOADERS_INSTALLED = importlib.util.find_spec("safeimport.loaders") is not None
PGLOADER_INSTALLED = shutil.which("pgloader") is not None
# What running the benchmark needs beyond the test extra: the peers (the bench extra).
BENCH_MODULES = {
    "postgres_copy": "django-postgres-copy",
    "import_export": "django-import-export",
    "sqlalchemy": "SQLAlchemy",
    "matplotlib": "matplotlib",
    "psutil": "psutil",
}
MISSING = [
    name for module, name in BENCH_MODULES.items() if importlib.util.find_spec(module) is None
]
needs_peers = pytest.mark.skipif(
    bool(MISSING),
    reason=f"the benchmark's peers are not installed ({', '.join(MISSING)}): "
    "pip install -e '.[bench]'",
)


def run_python(*arguments: str, path: str | None = None) -> subprocess.CompletedProcess[str]:
    """``python ARGUMENTS`` in the repository, on the test run's PostgreSQL server; ``path``
    replaces ``PATH``."""
    environment = dict(os.environ) if path is None else dict(os.environ, PATH=path)
    return subprocess.run(
        [sys.executable, *arguments],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )


@pytest.fixture(scope="module")
def quick_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict[str, Any], Path]:
    """Run ``python -m bench --quick`` once, on the test run's PostgreSQL server."""
    if MISSING:
        pytest.skip(needs_peers.kwargs["reason"])
    out = tmp_path_factory.mktemp("bench")
    done = run_python("-m", "bench", "--quick", "--out", str(out))
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
        if method == "pgloader" and not PGLOADER_INSTALLED:
            assert entry["status"] == "skipped", entry
            assert entry["reason"] == "pgloader not found (the Debian package pgloader)"
            continue
        assert entry["status"] == "ok", entry
        assert entry["rows"] == QUICK_ROWS
        assert len(entry["rounds"]) == results["config"]["rounds"] == 1
        for run in entry["rounds"]:
            # the rows loaded, plus the one that the next create() added if it succeeded
            assert run["rows_in_table"] == QUICK_ROWS, (method, table, run)
            assert run["seconds"] > 0
            assert run["peak_rss_mb"] > 0


def test_each_ratio_is_paired_with_psql_of_the_same_round(
    quick_run: tuple[dict[str, Any], Path],
) -> None:
    results, _ = quick_run
    for table in ("narrow", "wide"):
        entries = [entry for entry in results["methods"] if entry["table"] == table]
        psql = next(entry for entry in entries if entry["method"] == "psql")
        psql_seconds = {run["round"]: run["seconds"] for run in psql["rounds"]}
        positions = sorted(run["position"] for entry in entries for run in entry["rounds"])
        assert positions == list(range(1, len(METHODS) + 1))  # one round: each its own turn
        for entry in entries:
            if entry["status"] != "ok":
                continue
            expected = [run["seconds"] / psql_seconds[run["round"]] for run in entry["rounds"]]
            assert entry["ratios_to_psql"] == pytest.approx(expected)
            assert entry["ratio_to_psql"] == pytest.approx(statistics.median(expected))
            assert entry["seconds"] == statistics.median(run["seconds"] for run in entry["rounds"])


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
    # psql's \copy and pgloader leave the sequence behind: the check must see the failure.
    behind = [
        entry
        for entry in results["methods"]
        if entry["method"] in {"psql", "pgloader"} and entry["status"] == "ok"
    ]
    assert len(behind) == (4 if PGLOADER_INSTALLED else 2)
    assert all(not entry["next_create"]["ok"] for entry in behind), behind
    assert all("duplicate key" in entry["next_create"]["error"] for entry in behind)


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
        assert run["rows_in_table"] >= QUICK_ROWS
    assert len(results["targets"]) == 10


def test_the_outputs_are_written(quick_run: tuple[dict[str, Any], Path]) -> None:
    _, out = quick_run
    markdown = (out / "benchmark.md").read_text()
    assert (
        "| method | rows | seconds | rows/s | time / psql | per round | peak RSS MB "
        "| next create() |" in markdown
    )
    assert f"| psql \\copy | {QUICK_ROWS:,} |" in markdown
    assert (out / "benchmark.png").read_bytes().startswith(b"\x89PNG\r\n\x1a\n")


@needs_peers
def test_a_full_run_refuses_to_start_without_pgloader(tmp_path: Path) -> None:
    done = run_python(  # no pgloader on that PATH
        "-m", "bench", "--methods", "pgloader", "--out", str(tmp_path), path=str(tmp_path)
    )
    assert done.returncode == 2, done.stderr[-2000:]
    assert "pgloader is not installed (apt-get install pgloader)" in done.stderr
    assert not (tmp_path / "benchmark.json").exists()


# --- rounds and pairing, without a database ---------------------------------------------


def test_each_round_runs_every_method_once_and_turns_the_order() -> None:
    keys = [f"m{number}" for number in range(9)]
    orders = [round_order(keys, index, 3) for index in range(3)]
    assert all(sorted(order) == sorted(keys) for order in orders)
    for key in keys:
        positions = [order.index(key) for order in orders]
        assert len(set(positions)) == 3, (key, positions)  # early, midway and late
    assert len({order[0] for order in orders}) == 3


def test_ratios_pair_runs_by_round_and_leave_out_a_round_without_a_reference() -> None:
    reference = [
        {"round": 1, "status": "ok", "seconds": 2.0},
        {"round": 2, "status": "error", "error": "boom"},
        {"round": 3, "status": "ok", "seconds": 4.0},
    ]
    runs = [  # listed out of round order: pairing goes by the round number
        {"round": 3, "status": "ok", "seconds": 2.0},
        {"round": 1, "status": "ok", "seconds": 3.0},
        {"round": 2, "status": "ok", "seconds": 9.0},
    ]
    assert paired_ratios(runs, reference) == [0.5, 1.5]
    assert median_ratio(runs, reference) == 1.0
    assert median_ratio(runs, reference[1:2]) is None


def test_rounds_combine_into_medians_and_a_failed_round_fails_the_method() -> None:
    def run(number: int, seconds: float, peak: float, ok: bool = True) -> dict[str, Any]:
        check = {"ok": True, "id": 5} if ok else {"ok": False, "error": "duplicate key"}
        return {
            "round": number,
            "status": "ok",
            "seconds": seconds,
            "peak_rss_mb": peak,
            "rows_in_table": 100,
            "next_create": check,
        }

    combined = combine_rounds([run(1, 3.0, 50), run(2, 1.0, 70, ok=False), run(3, 2.0, 60)], 100)
    assert combined["status"] == "ok"
    assert (combined["seconds"], combined["rows_per_second"]) == (2.0, 50.0)
    assert combined["peak_rss_mb"] == 70
    assert combined["next_create"] == {"ok": False, "error": "duplicate key"}
    assert len(combined["rounds"]) == 3

    failed = combine_rounds([run(1, 3.0, 50), {"round": 2, "status": "error", "error": "x"}], 100)
    assert (failed["status"], failed["error"]) == ("error", "x")
    assert "seconds" not in failed


# --- the derived data files ---------------------------------------------------------------


def test_the_shuffled_file_holds_the_same_rows_in_a_seeded_order(tmp_path: Path) -> None:
    files = data_files(TABLES["narrow"], 300, directory=tmp_path / "a")
    shuffled = shuffled_csv(files).read_text().splitlines()
    clean = files.csv.read_text().splitlines()
    assert shuffled[0] == clean[0]
    assert sorted(shuffled[1:]) == sorted(clean[1:])
    assert shuffled[1:] != clean[1:]
    again = data_files(TABLES["narrow"], 300, directory=tmp_path / "b")
    assert shuffled_csv(again).read_text().splitlines() == shuffled


def test_the_spoiled_file_spoils_one_row_in_a_hundred_by_each_kind_in_turn(
    tmp_path: Path,
) -> None:
    files = data_files(TABLES["narrow"], 1000, directory=tmp_path)
    spoiled = spoiled_csv(files, percent=1.0)
    assert spoiled.spoiled == 10
    with files.csv.open(newline="") as clean_file, spoiled.path.open(newline="") as bad_file:
        clean, bad = list(csv.reader(clean_file)), list(csv.reader(bad_file))
    assert len(bad) == len(clean) == 1001
    columns = clean[0]
    changed = [number for number in range(1, 1001) if bad[number] != clean[number]]
    assert changed == list(range(100, 1001, 100))
    assert len(SPOILS) == 5
    assert bad[100][columns.index("quantity")] == "many"
    assert bad[200][columns.index("created_at")] == "2021-13-45 25:61:00"
    assert bad[300][columns.index("id")] == clean[299][columns.index("id")]
    assert bad[400] == [*clean[400], "extra"]
    assert bad[500] == clean[500][:-1]
    assert bad[600][columns.index("quantity")] == "many"  # the kinds start over


# --- pgloader's connection string -----------------------------------------------------------


@pytest.mark.parametrize(
    ("settings", "url"),
    [
        (
            {"HOST": "/tmp/pg:1", "PORT": "", "USER": "post@gres", "NAME": "bench"},
            "postgresql://post@@gres@unix:/tmp/pg::1:5432/bench",
        ),
        (
            {"HOST": "db.example", "PORT": "6543", "USER": "app", "NAME": "bench"},
            "postgresql://app@db.example:6543/bench",
        ),
        ({"HOST": "", "PORT": "", "USER": "", "NAME": "bench"}, "postgresql:///bench"),
    ],
)
def test_pgloader_connection_string(settings: dict[str, str], url: str) -> None:
    assert pgloader_url(settings | {"PASSWORD": "secret"}) == url  # the password stays out


# --- bench/speed.py -------------------------------------------------------------------------


def _speed_run(number: int, seconds: float, status: str = "ok") -> dict[str, Any]:
    return {"round": number, "status": status, "seconds": seconds, "peak_rss_mb": 60.0}


def test_speed_holds_skip_on_bad_rows_against_skip_on_the_clean_file() -> None:
    runs = {key: [_speed_run(1, 1.0), _speed_run(2, 2.0)] for key in speed.METHODS}
    runs["skip_clean"] = [_speed_run(1, 2.0), _speed_run(2, 4.0)]
    runs["skip_bad"] = [_speed_run(1, 2.4), _speed_run(2, 6.0)]
    runs["parallel"] = [{"round": 1, "status": "not available", "reason": "TypeError: parallel"}]
    entries = speed.summarize(runs, 1000)
    assert entries["skip_clean"]["ratios"] == [2.0, 2.0]
    assert entries["skip_clean"]["verdict"] == "FAIL"  # limit 1.5 x psql
    assert entries["skip_bad"]["ratios"] == pytest.approx([1.2, 1.5])
    assert entries["skip_bad"]["ratio"] == pytest.approx(1.35)
    assert entries["skip_bad"]["verdict"] == "FAIL"  # limit 1.3 x its clean time
    assert entries["sorted"]["verdict"] == "pass"
    assert entries["psql"]["verdict"] == "reference"
    assert entries["parallel"]["verdict"] == "not available: TypeError: parallel"


def test_speed_divides_each_run_by_the_reference_run_beside_it() -> None:
    def run(seconds: float, pair: str) -> dict[str, Any]:
        return _speed_run(1, seconds) | {"pair": pair}

    runs = {
        "psql": [run(4.0, "1:sorted"), run(2.0, "1:skip_clean")],
        "sorted": [run(4.4, "1:sorted")],
        "skip_clean": [run(2.2, "1:skip_clean"), run(3.0, "1:skip_bad")],
        "skip_bad": [run(3.3, "1:skip_bad")],
    }
    entries = speed.summarize(runs, 1000)
    assert entries["sorted"]["ratios"] == pytest.approx([1.1])
    assert entries["skip_clean"]["ratios"] == pytest.approx([1.1])  # not its run beside skip_bad
    assert entries["skip_bad"]["ratios"] == pytest.approx([1.1])  # over 3.0, not 2.2


def test_speed_turns_a_run_with_rows_missing_into_an_error() -> None:
    bad, clean = speed.METHODS["skip_bad"], speed.METHODS["sorted"]
    good = {"status": "ok", "rows_in_table": 990, "rows_rejected": 10}
    assert speed.checked(good, bad, 1000, 10) == good
    assert speed.checked(good | {"rows_rejected": 9}, bad, 1000, 10)["status"] == "error"
    short = speed.checked({"status": "ok", "rows_in_table": 999}, clean, 1000, 10)
    assert (short["status"], short["error"]) == ("error", "999 rows in the table, not 1,000")


def test_speed_memory_check() -> None:
    assert speed.memory_check({100_000: 60.0, 1_000_000: 70.0})["verdict"] == "pass"
    assert speed.memory_check({100_000: 60.0, 1_000_000: 80.0})["verdict"] == "FAIL"


@needs_peers
def test_speed_script_runs_every_method(tmp_path: Path) -> None:
    figures = tmp_path / "speed.json"
    done = run_python(
        *("bench/speed.py", "--rows", "1000", "--rounds", "1"),
        *("--rss-rows", "500", "1000", "--json", str(figures)),
    )
    assert done.returncode == 0, done.stderr[-3000:]
    results = json.loads(figures.read_text())
    entries = results["methods"]
    assert set(entries) == set(speed.METHODS)
    for key, entry in entries.items():
        if key == "parallel" and entry["status"] == "not available":
            assert "parallel" in entry["reason"]
            continue
        assert entry["status"] == "ok", (key, entry)
        assert entry["verdict"] in {"pass", "FAIL", "reference"}
    bad = entries["skip_bad"]["rounds"][0]
    assert (bad["rows_in_table"], bad["rows_rejected"]) == (990, 10)
    assert set(results["memory"]["peak_rss_mb"]) == {"500", "1000"}
    assert "| load_csv, sorted file | psql \\copy, sorted file | 1.05 |" in done.stdout
    assert "| copy" in done.stdout  # the path each load took
