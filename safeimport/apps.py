"""Django app configuration for safeimport."""

from django.apps import AppConfig
from django.db.backends.signals import connection_created
from django.db.models.signals import post_migrate


class SafeImportConfig(AppConfig):
    """Registers the ``safeimport.W001`` database check and the opt-in health features:
    the check or fix after ``migrate`` and the healing of new connections."""

    name = "safeimport"
    verbose_name = "safeimport"

    def ready(self) -> None:
        """Register the system checks and connect the signal receivers."""
        from . import checks  # noqa: F401  (registers on import)
        from ._health import check_settings
        from .after_migrate import after_migrate
        from .heal import heal_new_connection

        check_settings()
        post_migrate.connect(after_migrate, dispatch_uid="safeimport.after_migrate")
        connection_created.connect(heal_new_connection, dispatch_uid="safeimport.heal")
