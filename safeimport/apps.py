"""Django app configuration for safeimport."""

from django.apps import AppConfig


class SafeImportConfig(AppConfig):
    """Registers the ``safeimport.W001`` database check."""

    name = "safeimport"
    verbose_name = "safeimport"

    def ready(self) -> None:
        """Register the system checks."""
        from . import checks  # noqa: F401  (registers on import)
