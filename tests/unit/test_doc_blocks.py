"""Finding the Python examples of a Markdown page, without a database."""

from __future__ import annotations

from tests.docs.examples import Block, python_blocks, stray_markers

PAGE = """# Title

```python
x = 1
```

<!-- not run -->

```python
import mysite
```

- a list item:

  ```python
  if x:
      y = 2
  ```

```bash
python manage.py migrate
```
<!-- not run -->
```text
output
```
"""


def test_python_blocks_with_their_lines_and_whether_they_run() -> None:
    assert python_blocks(PAGE) == [
        Block(code="x = 1\n", line=3, runs=True),
        Block(code="import mysite\n", line=9, runs=False),
        Block(code="if x:\n    y = 2\n", line=15, runs=True),
    ]


def test_a_marker_before_anything_but_a_python_block_is_stray() -> None:
    assert stray_markers(PAGE) == [23]
