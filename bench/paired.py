"""Paired rounds: every method runs once per round, in an order that changes from round to
round, and each method is judged by its time over its reference's time in the same round.

A busy machine slows a whole round, not one method: the ratio of two runs made minutes apart
in the same round survives that, where the ratio of two medians taken over the whole run
does not. The figure reported is the median of a method's per-round ratios.
"""

from __future__ import annotations

import statistics
from collections.abc import Sequence
from typing import Any

__all__ = ["combine_rounds", "median_ratio", "paired_ratios", "round_order"]

Result = dict[str, Any]


def round_order(keys: Sequence[str], round_index: int, rounds: int) -> list[str]:
    """The order of ``keys`` in round ``round_index`` (from 0) of ``rounds``.

    The order is rotated by ``len(keys) / rounds`` places a round, so that over the rounds
    each method runs early, midway and late, and none is always first or last.
    """
    if not keys:
        return []
    shift = (round_index * len(keys)) // max(rounds, 1) % len(keys)
    return [*keys[shift:], *keys[:shift]]


def paired_ratios(runs: Sequence[Result], reference: Sequence[Result]) -> list[float]:
    """``runs``' seconds over ``reference``'s seconds, round by round, or pair by pair.

    Each run is a worker's result with its ``round`` number and, when it ran right beside
    its reference, the ``pair`` they share (then the two are matched by it); a round or
    pair where either side has no ``ok`` result gives no ratio.
    """
    seconds = {_pair(run): run["seconds"] for run in reference if run.get("status") == "ok"}
    return [
        run["seconds"] / seconds[_pair(run)]
        for run in runs
        if run.get("status") == "ok" and _pair(run) in seconds
    ]


def _pair(run: Result) -> Any:
    return run.get("pair", run["round"])


def median_ratio(runs: Sequence[Result], reference: Sequence[Result]) -> float | None:
    """The median of :func:`paired_ratios`; None when no round has both."""
    ratios = paired_ratios(runs, reference)
    return statistics.median(ratios) if ratios else None


def combine_rounds(runs: Sequence[Result], rows: int) -> Result:
    """One method's rounds as one result.

    ``status`` is ``ok`` only when every round is; otherwise the first other result's
    status and reason. An ``ok`` result gives the median seconds, the highest peak memory,
    the fewest rows found in the table, the first failed ``next_create`` check (else the
    first round's). Every round's own result stays under ``rounds``.
    """
    combined: Result = {"rounds": list(runs)}
    failed = next((run for run in runs if run.get("status") != "ok"), None)
    if failed is not None or not runs:
        failed = failed or {"status": "error", "error": "no round ran"}
        return combined | {
            key: failed[key] for key in ("status", "reason", "error") if key in failed
        }
    seconds = statistics.median(run["seconds"] for run in runs)
    combined |= {
        "status": "ok",
        "seconds": seconds,
        "rows_per_second": rows / seconds,
        "peak_rss_mb": max(run["peak_rss_mb"] or 0.0 for run in runs),
    }
    if all("rows_in_table" in run for run in runs):
        combined["rows_in_table"] = min(run["rows_in_table"] for run in runs)
    checks = [run["next_create"] for run in runs if "next_create" in run]
    if checks:
        combined["next_create"] = next((check for check in checks if not check["ok"]), checks[0])
    return combined
