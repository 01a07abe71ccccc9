"""The benchmark's outputs: ``benchmark.json``, ``benchmark.md`` and ``benchmark.png``."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from .methods import METHODS
from .targets import find

Results = dict[str, Any]
TABLE_TITLES = {"narrow": "6-column table", "wide": "15-column table (FKs, JSON, decimals)"}
METHODS_HEADER = (
    "method | rows | seconds | rows/s | time / psql | per round | peak RSS MB | next create()"
)
KIND_COLOURS = {"reference": "#7f7f7f", "safeimport": "#1f77b4", "peer": "#ff7f0e"}


def machine_line(results: Results) -> str:
    """One line that says where the figures come from."""
    machine = results["machine"]
    return (
        f"{machine['cpu']}, {machine['cores']} cores, {machine['memory_gb']:.0f} GB RAM, "
        f"{machine['os']}; PostgreSQL {machine['postgresql']} ({machine['server']}); "
        f"Python {machine['python']}, Django {machine['django']}, {machine['driver']}; "
        f"{machine['date']}"
    )


def _row(*cells: object, width: int) -> str:
    """A markdown table row of ``width`` cells: ``cells`` first, the rest left empty."""
    padded = [str(cell) for cell in cells] + [""] * (width - len(cells))
    return "| " + " | ".join(padded) + " |"


def _next_create(entry: Results) -> str:
    check = entry["next_create"]
    return "ok" if check["ok"] else "**fails**: duplicate key"


def _method_row(entry: Results) -> str:
    label = METHODS[entry["method"]].label
    if entry.get("status") != "ok":
        reason = entry.get("reason") or entry.get("error") or ""
        return _row(
            label, f"{entry['rows']:,}", f"{entry.get('status', 'error')}: {reason}", width=8
        )
    ratio = entry.get("ratio_to_psql")
    per_round = " ".join(f"{value:.2f}" for value in entry.get("ratios_to_psql", []))
    return (
        f"| {label} | {entry['rows']:,} | {entry['seconds']:.2f} | "
        f"{entry['rows_per_second']:,.0f} | {'-' if ratio is None else f'{ratio:.2f}'} | "
        f"{per_round or '-'} | {entry['peak_rss_mb']:.0f} | {_next_create(entry)} |"
    )


def _imports(results: Results) -> list[str]:
    lines = []
    for table in results["config"]["tables"]:
        lines += [
            f"### {TABLE_TITLES[table]}",
            "",
            f"| {METHODS_HEADER} |",
            "|---|--:|--:|--:|--:|--:|--:|---|",
        ]
        entries = [entry for entry in results["methods"] if entry["table"] == table]
        order = list(METHODS)
        entries.sort(key=lambda entry: (entry["rows"], order.index(entry["method"])))
        lines += [_method_row(entry) for entry in entries]
        lines.append("")
    return lines


def _targets(results: Results) -> list[str]:
    verdicts = {True: "met", False: "**missed**", None: "not measured"}
    lines = ["| target | measured | |", "|---|---|---|"]
    lines += [
        f"| {check['target']} | {check['measured']} | {verdicts[check['met']]} |"
        for check in results["targets"]
    ]
    return [*lines, ""]


def _audit(results: Results) -> list[str]:
    lines = [
        "| tables | audit_sequences s | queries | fix_sequences --dry-run s | queries |",
        "|--:|--:|--:|--:|--:|",
    ]
    for size in results["audit"].get("sizes", []):
        audit, dry = size["audit_sequences"], size["fix_sequences_dry_run"]
        lines.append(
            f"| {size['tables']:,} | {audit['seconds']:.3f} | {audit['queries']} | "
            f"{dry['seconds']:.3f} | {dry['queries']} |"
        )
    if "error" in results["audit"]:
        lines.append(_row(f"error: {results['audit']['error']}", width=5))
    return [*lines, ""]


def _loaddata(results: Results) -> list[str]:
    figures = results["loaddata"]
    if "median_seconds" not in figures:
        return [f"Not measured: {figures.get('error', 'no result')}", ""]
    plain, safe = figures["median_seconds"]["loaddata"], figures["median_seconds"]["safe_loaddata"]
    return [
        "| command | median s | objects/s |",
        "|---|--:|--:|",
        f"| loaddata | {plain:.2f} | {figures['objects'] / plain:,.0f} |",
        f"| safe_loaddata | {safe:.2f} | {figures['objects'] / safe:,.0f} |",
        "",
        f"{figures['objects']:,} objects, {figures['repeat']} runs each, alternating; median "
        f"ratio safe_loaddata / loaddata: {figures['median_ratio']:.3f}.",
        "",
    ]


def _live(results: Results) -> list[str]:
    lines = [
        "| import | rows | import s | writer calls | writer errors | p50 ms | p99 ms | max ms |",
        "|---|--:|--:|--:|--:|--:|--:|--:|",
    ]
    for run in results["live"]:
        if run.get("status") != "ok":
            reason = f"{run['status']}: {run.get('reason', '')}"
            lines.append(_row(run["approach"], f"{run['rows']:,}", reason, width=8))
            continue
        latency = run["latency_ms"]
        lines.append(
            f"| {run['approach']} | {run['rows']:,} | {run['load_seconds']:.2f} | "
            f"{run['writer_calls']} | {run['writer_errors']} | {latency['p50']:.1f} | "
            f"{latency['p99']:.1f} | {latency['max']:.1f} |"
        )
    return [*lines, ""]


def markdown(results: Results) -> str:
    """The whole report as markdown."""
    config = results["config"]
    lines = [
        "# safeimport benchmark" + (" (quick)" if config["quick"] else ""),
        "",
        f"Machine: {machine_line(results)}.",
        "",
        f"Sizes: {', '.join(f'{rows:,}' for rows in config['sizes'])} rows, seed {config['seed']}; "
        f"{config['rounds']} round(s). Each method runs in a process of its own on an empty "
        "table, once a round, in an order that turns from round to round; seconds are from "
        "the method's input (file, DataFrame or Dataset) to committed rows, the median over "
        "the rounds; time / psql is the median of the method's time over psql's in the same "
        "round, and per round lists those ratios; peak RSS is the highest of the rounds, the "
        "process's own (for psql and pgloader, the tool's); next create() is a plain "
        "`create()` right after.",
        "",
        "## Imports",
        "",
        *_imports(results),
        "## Targets",
        "",
        *_targets(results),
        "## Audit and fix_sequences --dry-run",
        "",
        *_audit(results),
        "## safe_loaddata against loaddata",
        "",
        *_loaddata(results),
        "## Live writers",
        "",
        f"{results['config']['writers']}",
        "",
        *_live(results),
    ]
    return "\n".join(lines)


def chart(results: Results, path: Path) -> None:
    """A bar chart of rows/s per method and table, at each method's largest size."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.patches import Patch

    tables = results["config"]["tables"]
    figure, axes = plt.subplots(len(tables), 1, figsize=(10, 3.2 * len(tables)), squeeze=False)
    for axis, table in zip(axes[:, 0], tables, strict=True):
        entries = [entry for key in METHODS if (entry := find(results, key, table))]
        labels = [f"{METHODS[e['method']].label} ({e['rows']:,})" for e in entries]
        rates = [entry["rows_per_second"] for entry in entries]
        colours = [KIND_COLOURS[METHODS[e["method"]].kind] for e in entries]
        bars = axis.barh(labels, rates, color=colours)
        axis.invert_yaxis()
        axis.set_xscale("log")
        axis.set_xlabel("rows per second (log scale)")
        axis.set_title(TABLE_TITLES[table])
        for bar, entry in zip(bars, entries, strict=True):
            broken = not entry["next_create"]["ok"]
            axis.annotate(
                f" {entry['rows_per_second']:,.0f}/s" + ("  next create() fails" if broken else ""),
                (bar.get_width(), bar.get_y() + bar.get_height() / 2),
                va="center",
                fontsize=8,
                color="#d62728" if broken else "black",
            )
        axis.set_xlim(min(rates, default=1) / 3, max(rates, default=1) * 30)
    axes[0, 0].legend(
        handles=[Patch(color=colour, label=kind) for kind, colour in KIND_COLOURS.items()],
        loc="lower right",
        fontsize=8,
    )
    figure.suptitle(machine_line(results), fontsize=7, wrap=True)
    figure.tight_layout()
    figure.savefig(path, dpi=110)
    plt.close(figure)


def write(results: Results, directory: Path) -> dict[str, Path]:
    """Write the JSON, markdown and PNG outputs into ``directory``."""
    directory.mkdir(parents=True, exist_ok=True)
    paths = {
        "json": directory / "benchmark.json",
        "markdown": directory / "benchmark.md",
        "chart": directory / "benchmark.png",
    }
    paths["json"].write_text(json.dumps(results, indent=2) + "\n")
    paths["markdown"].write_text(markdown(results) + "\n")
    chart(results, paths["chart"])
    return paths
