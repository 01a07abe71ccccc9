"""The targets that issue 6 sets, checked against one run's figures.

Each check gives the figure it measured and whether the target is met; ``None`` when the run
has no figure for it (a method skipped, or a size not run). A time ratio is the median of the
two methods' ratios in the same round (``bench.paired``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from .paired import median_ratio, paired_ratios

Results = dict[str, Any]


@dataclass(frozen=True)
class Check:
    """One target and how this run fared."""

    target: str
    measured: str
    met: bool | None

    def as_dict(self) -> dict[str, Any]:
        """A JSON-ready dict."""
        return {"target": self.target, "measured": self.measured, "met": self.met}


def find(results: Results, method: str, table: str, rows: int | None = None) -> Results | None:
    """The ``ok`` result of ``method`` on ``table`` at ``rows`` (default: its largest size)."""
    found = [
        entry
        for entry in results["methods"]
        if entry["method"] == method
        and entry["table"] == table
        and entry.get("status") == "ok"
        and (rows is None or entry["rows"] == rows)
    ]
    return max(found, key=lambda entry: entry["rows"]) if found else None


def _ratio_check(
    results: Results,
    target: str,
    table: str,
    pair: tuple[str, str],
    test: Callable[[float], bool],
    label: str,
) -> Check:
    """Compare ``pair[0]`` with ``pair[1]`` at their largest common size: the median of their
    time ratios in the same round."""
    first, second = (find(results, method, table) for method in pair)
    if first is None or second is None or first["rows"] != second["rows"]:
        return Check(target, "not measured", None)
    ratio = median_ratio(first["rounds"], second["rounds"])
    if ratio is None:
        return Check(target, "not measured", None)
    rounds = len(paired_ratios(first["rounds"], second["rounds"]))
    measured = f"{label} {ratio:.2f} ({table}, {first['rows']:,} rows, median of {rounds} rounds)"
    return Check(target, measured, test(ratio))


FLAT_MEMORY = 1.2
"""Peak memory counts as flat when the largest size's peak is at most this times the smallest's."""


def _memory_check(results: Results, table: str) -> Check:
    target = f"load_csv peak RSS at the largest size <= {FLAT_MEMORY} x at the smallest ({table})"
    sizes = results["config"]["sizes"]
    small, large = (find(results, "load_csv", table, rows) for rows in (sizes[0], sizes[-1]))
    if small is None or large is None or small is large:
        return Check(target, "not measured", None)
    ratio = large["peak_rss_mb"] / small["peak_rss_mb"]
    measured = (
        f"{large['peak_rss_mb']:.0f} MB at {large['rows']:,} / "
        f"{small['peak_rss_mb']:.0f} MB at {small['rows']:,} = {ratio:.2f}"
    )
    return Check(target, measured, ratio <= FLAT_MEMORY)


def _audit_check(results: Results) -> Check:
    target = "audit of 1000 tables < 1 s, query count flat in the number of tables"
    sizes = results.get("audit", {}).get("sizes", [])
    largest = next((size for size in sizes if size["tables"] == 1000), None)
    if largest is None:
        return Check(target, "not measured", None)
    counts = {size["tables"]: size["audit_sequences"]["queries"] for size in sizes}
    dry_counts = {size["tables"]: size["fix_sequences_dry_run"]["queries"] for size in sizes}
    seconds = largest["audit_sequences"]["seconds"]
    dry_seconds = largest["fix_sequences_dry_run"]["seconds"]
    measured = (
        f"{seconds:.3f} s; queries by tables: audit_sequences {counts}, "
        f"fix_sequences --dry-run {dry_counts} ({dry_seconds:.3f} s)"
    )
    flat = len(set(counts.values())) == 1 and len(set(dry_counts.values())) == 1
    return Check(target, measured, seconds < 1 and flat)


def _live_check(results: Results) -> Check:
    target = "live writers during load_csv: 0 errors, p99 latency < 100 ms"
    run = next((live for live in results.get("live", []) if live["approach"] == "load_csv"), None)
    if run is None or run.get("status") != "ok":
        reason = run.get("reason") if run else None
        return Check(target, f"not measured ({reason})" if reason else "not measured", None)
    p99 = run["latency_ms"]["p99"]
    measured = (
        f"{run['writer_errors']} errors in {run['writer_calls']} calls; "
        f"p99 {p99:.1f} ms, max {run['latency_ms']['max']:.1f} ms ({run['rows']:,} rows)"
    )
    return Check(target, measured, run["writer_errors"] == 0 and p99 < 100)


def check_targets(results: Results) -> list[Check]:
    """Every target of the issue, against ``results``."""
    checks = []
    for table in results["config"]["tables"]:
        checks += [
            _ratio_check(
                results,
                f"load_csv time <= 1.1 x psql \\copy ({table})",
                table,
                ("load_csv", "psql"),
                lambda ratio: ratio <= 1.1,
                "load_csv / psql =",
            ),
            _ratio_check(
                results,
                f"load_csv >= 1.25 x faster than django-postgres-copy ({table})",
                table,
                ("postgres_copy", "load_csv"),
                lambda ratio: ratio >= 1.25,
                "django-postgres-copy / load_csv =",
            ),
            _ratio_check(
                results,
                f"load_dataframe >= 10 x faster than pandas to_sql ({table})",
                table,
                ("to_sql", "load_dataframe"),
                lambda ratio: ratio >= 10,
                "to_sql / load_dataframe =",
            ),
            _memory_check(results, table),
        ]
    return [*checks, _audit_check(results), _live_check(results)]
