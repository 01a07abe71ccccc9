"""A progress display for long loads, shown only on a terminal and only past a threshold.

It uses ``tqdm`` when it is installed (``pip install 'django-safeimport[progress]'``), else a
plain counter line that is rewritten in place. The total is not known in advance (fixtures are
parsed as they are read), so it shows a count and a rate rather than a percentage.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.core.management.base import OutputWrapper

_COUNTER_EVERY = 1000


class _Unstyled:
    """A file-like view of a command's stream that writes text as it comes: no added line
    ending, no colour (a command's stderr is styled as an error on a terminal)."""

    def __init__(self, out: OutputWrapper) -> None:
        self._out = out

    def write(self, text: str) -> int:
        self._out.write(text, style_func=str, ending="")
        return len(text)

    def flush(self) -> None:
        self._out.flush()


class Progress:
    """Counts processed items; once ``threshold`` is reached on a terminal, shows the count.

    Args:
        out: The stream to draw on, usually a command's ``stderr``. Nothing is drawn unless
            it is a terminal.
        threshold: How many items must be processed before anything is shown, so that
            short loads stay quiet.
        unit: What is counted, in the plural (``"objects"``).
        enabled: ``False`` never shows anything (the count still goes on).
    """

    def __init__(
        self, out: OutputWrapper, *, threshold: int, unit: str, enabled: bool = True
    ) -> None:
        self._out = _Unstyled(out)
        self._threshold = threshold
        self._unit = unit
        self._enabled = enabled and out.isatty()
        self._bar: Any = None
        self._shown = False
        self.count = 0

    def update(self) -> None:
        """Count one more item."""
        self.count += 1
        if not self._enabled or self.count < self._threshold:
            return
        if self._bar is not None:
            self._bar.update()
        elif not self._shown:
            self._start()
        elif self.count % _COUNTER_EVERY == 0:
            self._write_counter()

    def close(self) -> None:
        """Finish the display (a last count and a line break) if it was shown."""
        if self._bar is not None:
            self._bar.close()
        elif self._shown:
            self._write_counter()
            self._out.write("\n")
        self._bar, self._shown = None, False

    def _start(self) -> None:
        self._shown = True
        try:
            from tqdm import tqdm
        except ImportError:
            self._write_counter()
            return
        self._bar = tqdm(
            file=self._out,
            initial=self.count,
            unit=f" {self._unit}",
            desc="Loading",
            mininterval=0.5,
            dynamic_ncols=True,
        )

    def _write_counter(self) -> None:
        self._out.write(f"\rLoading: {self.count} {self._unit}")
        self._out.flush()


class LoadProgress:
    """Progress of a load, told as rows and bytes: a tqdm bar, a callback, or nothing.

    Args:
        progress: ``True`` draws a bar on standard error (needs ``tqdm``:
            ``pip install 'django-safeimport[progress]'``); a callable is called after each
            chunk with ``(rows, bytes, total_bytes)`` (``total_bytes`` is ``None`` when unknown);
            ``None`` or ``False``: nothing.
        total_bytes: The input's size, when known.
        description: The bar's label.
    """

    def __init__(
        self,
        progress: bool | Callable[[int, int, int | None], object] | None,
        *,
        total_bytes: int | None,
        description: str,
    ) -> None:
        self.rows = 0
        self.bytes = 0
        self._total = total_bytes
        self._callback = progress if callable(progress) else None
        self._bar: Any = None
        if progress is True:
            try:
                from tqdm import tqdm
            except ImportError as exc:
                from ..errors import SafeImportError

                raise SafeImportError(
                    "progress=True draws a bar with tqdm: pip install 'django-safeimport[progress]'"
                ) from exc
            self._bar = tqdm(
                total=total_bytes,
                unit="B",
                unit_scale=True,
                unit_divisor=1024,
                desc=description,
                mininterval=0.5,
            )

    def update(self, rows: int, source_bytes: int) -> None:
        """Count ``rows`` more rows; ``source_bytes`` is how much of the input is read."""
        self.rows += rows
        advanced, self.bytes = max(0, source_bytes - self.bytes), max(self.bytes, source_bytes)
        if self._bar is not None:
            self._bar.update(advanced)
            # as a string: tqdm writes a number as 3e+06
            self._bar.set_postfix_str(f"rows={self.rows}", refresh=False)
        if self._callback is not None:
            self._callback(self.rows, self.bytes, self._total)

    def close(self) -> None:
        """Finish the bar."""
        if self._bar is not None:
            self._bar.close()
            self._bar = None
