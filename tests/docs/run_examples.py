"""Run the Python examples of Markdown pages, in order, as a reader would, in the demo project.

    python -m tests.docs.run_examples RESULTS PAGE [PAGE ...]

For each page: the ``videos`` app's tables made afresh (``migrate videos zero``, then
``migrate``), a fresh working directory holding a copy of ``sample_data/data/`` (so that
``data/videos.csv`` is found and files an example writes land there), and one namespace
that the page's blocks share. ``DATABASE_URL`` must name the database to use. RESULTS
gets, as JSON, for each page, for each block that runs: its line, what it printed and the
traceback of its error (``None`` when it ran).
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import shutil
import sys
import tempfile
import traceback
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
DEMO = ROOT / "sample_data"


def run_page(page: Path) -> list[dict[str, Any]]:
    """Run the blocks of ``page`` that run; one result per block."""
    from django.core.management import call_command
    from django.db import connections

    from tests.docs.examples import python_blocks

    call_command("migrate", "videos", "zero", verbosity=0)
    call_command("migrate", verbosity=0)
    results = []
    namespace: dict[str, Any] = {"__name__": "__main__"}
    with tempfile.TemporaryDirectory(prefix="safeimport-docs-") as directory:
        shutil.copytree(DEMO / "data", Path(directory) / "data")
        os.chdir(directory)
        for block in python_blocks(page.read_text(encoding="utf-8")):
            if not block.runs:
                continue
            output = io.StringIO()
            error = None
            try:
                code = compile(block.code, f"{page.name}, block at line {block.line}", "exec")
                with contextlib.redirect_stdout(output):
                    exec(code, namespace)
            except (Exception, SystemExit):
                error = traceback.format_exc()
            results.append({"line": block.line, "output": output.getvalue(), "error": error})
        os.chdir(ROOT)
    connections.close_all()
    return results


def main(argv: list[str]) -> None:
    """Set up the demo project, run every page, write the results."""
    import django

    results_path, *pages = argv
    sys.path[:0] = [str(DEMO), str(ROOT)]
    os.environ["DJANGO_SETTINGS_MODULE"] = "demo_site.settings"
    django.setup()
    results = {page: run_page(Path(page).resolve()) for page in pages}
    Path(results_path).write_text(json.dumps(results, indent=1), encoding="utf-8")


if __name__ == "__main__":
    main(sys.argv[1:])
