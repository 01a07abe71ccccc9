"""The distribution is django-safeimport: no message or document says to install "safeimport".

"safeimport" on the package index is an unrelated project that runs pip at run time, so a
hint that names it sends users to it. Every text file of the repository is read: the
package's messages, the docs, the README, the demo, the benchmark, the CI script and
pyproject.toml (whose extras that name the project must use its name too).
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from safeimport.management.commands._import_input import missing_extra

ROOT = Path(__file__).resolve().parents[2]
SUFFIXES = {".py", ".md", ".toml", ".txt", ".yml", ".yaml", ".cfg", ".ini", ".html", ".json"}
SKIPPED_FOLDERS = {"site", "build", "dist", "node_modules"}
SCRIPTS = [ROOT / ".ci" / "run"]

# The short name after "pip install", bare or quoted, with extras or not (spelt in two
# pieces so that this file does not match itself).
WRONG_HINT = re.compile(r"pip install\s+(?:-e\s+)?['\"]?" + "safe" + r"import\b")
# An extra of the short name, quoted or not (in a hint or in pyproject's extras).
WRONG_EXTRA = re.compile(r"(?<![\w-])" + "safe" + r"import\[")


def _text_files() -> list[Path]:
    files = []
    for folder, folders, names in os.walk(ROOT):
        # hidden folders (.git, .venv), build output and installed metadata are not the project's
        folders[:] = [
            name
            for name in folders
            if not (name.startswith(".") or name in SKIPPED_FOLDERS or name.endswith(".egg-info"))
        ]
        files += [Path(folder, name) for name in names if Path(name).suffix in SUFFIXES]
    return [*files, *SCRIPTS]


def _wrong_names(text: str) -> list[str]:
    return [m.group(0) for pattern in (WRONG_HINT, WRONG_EXTRA) for m in pattern.finditer(text)]


def test_the_scan_sees_the_package_the_docs_and_the_project_file() -> None:
    names = {path.relative_to(ROOT).as_posix() for path in _text_files()}
    assert {"README.md", "pyproject.toml", "safeimport/_load/progress.py", ".ci/run"} <= names
    assert any(name.startswith("docs/") for name in names)


OLD = "safe" + "import"


@pytest.mark.parametrize(
    "text",
    [
        f"pip install {OLD}",
        f"pip install '{OLD}[xlsx]'",
        f'pip install -e "{OLD}[test]"',
        f'demo = ["{OLD}[embedded]"]',
    ],
)
def test_the_old_name_is_recognised(text: str) -> None:
    assert _wrong_names(text)


def test_the_new_name_is_not_taken_for_the_old() -> None:
    assert _wrong_names("pip install 'django-safeimport[xlsx]' and pip install -e '.[test]'") == []


def test_no_file_tells_to_install_the_short_name() -> None:
    found = {
        path.relative_to(ROOT).as_posix(): wrong
        for path in _text_files()
        if (wrong := _wrong_names(path.read_text(encoding="utf-8", errors="replace")))
    }
    assert found == {}


def test_a_missing_extra_names_the_distribution(monkeypatch: pytest.MonkeyPatch) -> None:
    import importlib.util

    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *args: None)
    error = missing_extra("xlsx", "openpyxl")
    assert error is not None
    assert str(error).endswith("pip install 'django-safeimport[xlsx]'")
