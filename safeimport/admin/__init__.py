"""An import page for the Django admin: upload, preview from a real dry run, confirm.

Add :class:`ImportMixin` to a ModelAdmin; see ``docs/admin.md``. :func:`run_job` runs a
confirmed import by its token, for a task queue's worker.
"""

from .jobs import run_job
from .mixin import ImportMixin

__all__ = ["ImportMixin", "run_job"]
