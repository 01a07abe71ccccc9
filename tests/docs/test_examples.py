"""Every Python example of the README and of docs/ runs, against a real PostgreSQL.

The examples run in a process of their own (``tests/docs/run_examples.py``), in the demo
project, on a scratch database of the test run's server; see docs/development.md.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from pytest_django import DjangoDbBlocker

from tests.conftest import scratch_database
from tests.docs.examples import Block, python_blocks, stray_markers

ROOT = Path(__file__).resolve().parents[2]
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").rglob("*.md"))]
BLOCKS = [
    (page, block) for page in PAGES for block in python_blocks(page.read_text(encoding="utf-8"))
]


def _name(page: Path) -> str:
    return page.relative_to(ROOT).as_posix()


def _ids(examples: list[tuple[Path, Block]]) -> list[str]:
    return [f"{_name(page)}:{block.line}" for page, block in examples]


RUNNABLE = [(page, block) for page, block in BLOCKS if block.runs]


@pytest.fixture(scope="module")
def results(
    django_db_setup: None,
    django_db_blocker: DjangoDbBlocker,
    tmp_path_factory: pytest.TempPathFactory,
) -> dict[str, dict[int, dict[str, Any]]]:
    """Run every page's examples once; each block's result, by page name and line."""
    out = tmp_path_factory.mktemp("docs") / "results.json"
    pages = sorted({page for page, _ in RUNNABLE})
    with scratch_database(django_db_blocker, "docs") as url:
        done = subprocess.run(
            [sys.executable, "-m", "tests.docs.run_examples", str(out), *map(str, pages)],
            cwd=ROOT,
            env={**os.environ, "DATABASE_URL": url},
            capture_output=True,
            text=True,
            timeout=600,
            check=False,
        )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    found = json.loads(out.read_text(encoding="utf-8"))
    return {
        _name(Path(page)): {result["line"]: result for result in blocks}
        for page, blocks in found.items()
    }


@pytest.mark.parametrize(("page", "block"), RUNNABLE, ids=_ids(RUNNABLE))
def test_the_example_runs(
    results: dict[str, dict[int, dict[str, Any]]], page: Path, block: Block
) -> None:
    result = results[_name(page)][block.line]
    assert result["error"] is None, (
        f"{_name(page)}, line {block.line}:\n{block.code}\n{result['error']}"
    )


@pytest.mark.parametrize(("page", "block"), BLOCKS, ids=_ids(BLOCKS))
def test_every_python_block_compiles(page: Path, block: Block) -> None:
    compile(block.code, f"{_name(page)}, line {block.line}", "exec")


@pytest.mark.parametrize("page", PAGES, ids=[_name(page) for page in PAGES])
def test_a_not_run_marker_stands_just_before_a_python_block(page: Path) -> None:
    assert stray_markers(page.read_text(encoding="utf-8")) == []


def test_the_readme_and_the_docs_have_examples_that_run() -> None:
    assert sum(1 for page, _ in RUNNABLE if page.name == "README.md") >= 4
    assert {page.name for page, _ in RUNNABLE} >= {"loading.md", "sequences.md"}
