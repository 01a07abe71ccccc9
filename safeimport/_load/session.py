"""The session settings that a load reads values with, for its own transaction only.

Dates are read with ``DateStyle`` ISO and the load's order (see :mod:`.dates`), whatever
the server, database or role sets. A timestamp without an offset is read as
``Model.objects.create()`` reads it: with ``USE_TZ`` on, in Django's default time zone
(``TIME_ZONE``: ``create()`` makes a naive datetime aware in it, whatever the current time
zone); with it off, in the connection's time zone, where Django stores local times.
Both are set with ``set_config(..., true)`` (``SET LOCAL``) and set back after the load,
for a load inside a caller's transaction, which goes on after it.
"""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.db.backends.base.base import BaseDatabaseWrapper
from django.utils import timezone

from .dates import DateText

__all__ = ["read_values_as_django"]


def _time_zone(connection: BaseDatabaseWrapper) -> str:
    if settings.USE_TZ:
        return timezone.get_default_timezone_name()
    return str(connection.timezone_name)


def read_values_as_django(connection: BaseDatabaseWrapper, dates: DateText) -> Callable[[], None]:
    """Set ``DateStyle`` and ``TimeZone`` for the current transaction; return what sets
    them back."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT current_setting('DateStyle'), current_setting('TimeZone'), "
            "set_config('DateStyle', %s, true), set_config('TimeZone', %s, true)",
            [dates.datestyle, _time_zone(connection)],
        )
        datestyle, time_zone, _, _ = cursor.fetchone()

    def restore() -> None:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT set_config('DateStyle', %s, true), set_config('TimeZone', %s, true)",
                [datestyle, time_zone],
            )

    return restore
