"""The load's progress bar (tqdm) writes its row count as a whole number."""

from __future__ import annotations

import pytest

from safeimport._load.progress import LoadProgress

pytest.importorskip("tqdm")


def test_the_bar_ends_with_the_row_count_as_an_integer(capsys: pytest.CaptureFixture[str]) -> None:
    progress = LoadProgress(True, total_bytes=2_000, description="videos.csv")
    progress.update(1_500_000, 1_000)
    progress.update(1_500_000, 2_000)
    progress.close()
    bar = capsys.readouterr().err
    assert "rows=3000000" in bar
    assert "e+" not in bar  # tqdm writes a number as 3e+6
    assert progress.rows == 3_000_000
