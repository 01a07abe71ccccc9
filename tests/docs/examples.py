"""The fenced ``python`` blocks of a Markdown page: the examples that the docs' tests run."""

from __future__ import annotations

import textwrap
from dataclasses import dataclass

NOT_RUN = "<!-- not run -->"
"""The line that marks the next block as one not meant to run (it is still compiled)."""

FENCE = "```"


@dataclass(frozen=True)
class Block:
    """A ``python`` block: its code, the page line of its opening fence, whether it runs."""

    code: str
    line: int
    runs: bool


def python_blocks(text: str) -> list[Block]:
    """Every fenced ``python`` block of a Markdown ``text``, in page order.

    A fence may be indented (inside a list item): its code is dedented by as much. A block
    runs unless the last non-blank line before its fence is :data:`NOT_RUN`.
    """
    blocks: list[Block] = []
    lines = text.splitlines()
    previous = ""  # the last non-blank line outside a block
    index = 0
    while index < len(lines):
        stripped = lines[index].strip()
        if not stripped.startswith(FENCE):
            previous = stripped or previous
            index += 1
            continue
        language = stripped[len(FENCE) :].strip()
        end = index + 1
        while end < len(lines) and lines[end].strip() != FENCE:
            end += 1
        if language in ("python", "py"):
            code = textwrap.dedent("\n".join(lines[index + 1 : end])) + "\n"
            blocks.append(Block(code=code, line=index + 1, runs=previous != NOT_RUN))
        previous = FENCE
        index = end + 1
    return blocks


def stray_markers(text: str) -> list[int]:
    """The lines of :data:`NOT_RUN` markers that stand before no ``python`` block."""
    lines = text.splitlines()
    stray = []
    for number, line in enumerate(lines, start=1):
        if line.strip() != NOT_RUN:
            continue
        following = next((rest.strip() for rest in lines[number:] if rest.strip()), "")
        if following not in (FENCE + "python", FENCE + "py"):
            stray.append(number)
    return stray
