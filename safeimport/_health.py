"""What the health features share: their two settings, read and checked, and the wording of
a sequence that is behind.

- ``SAFEIMPORT_AFTER_MIGRATE``: ``"check"``, ``"fix"`` or ``None`` (the default): what to do
  with the sequences of the migrated apps after ``migrate`` (see :mod:`safeimport.after_migrate`).
- ``SAFEIMPORT_HEAL``: ``True`` or ``False`` (the default): heal every new connection's
  inserts (see :mod:`safeimport.heal`).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Literal

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

if TYPE_CHECKING:
    from .sequences import SequenceState

__all__ = ["after_migrate_mode", "check_settings", "describe", "heal_enabled"]

AfterMigrate = Literal["check", "fix"]
_AFTER_MIGRATE_MODES = ("check", "fix")


def after_migrate_mode() -> AfterMigrate | None:
    """``SAFEIMPORT_AFTER_MIGRATE``, checked.

    Raises:
        ImproperlyConfigured: any value but ``"check"``, ``"fix"`` or ``None``.
    """
    mode = getattr(settings, "SAFEIMPORT_AFTER_MIGRATE", None)
    if mode is None:
        return None
    if mode == "check":
        return "check"
    if mode == "fix":
        return "fix"
    raise ImproperlyConfigured(
        f'SAFEIMPORT_AFTER_MIGRATE must be "check", "fix" or None, not {mode!r}.'
    )


def heal_enabled() -> bool:
    """``SAFEIMPORT_HEAL``, checked.

    Raises:
        ImproperlyConfigured: a value that is not ``True`` or ``False``.
    """
    heal = getattr(settings, "SAFEIMPORT_HEAL", False)
    if not isinstance(heal, bool):
        raise ImproperlyConfigured(f"SAFEIMPORT_HEAL must be True or False, not {heal!r}.")
    return heal


def check_settings() -> None:
    """Read both settings once, so that a wrong value stops the program at start-up."""
    after_migrate_mode()
    heal_enabled()


def describe(states: Iterable[SequenceState]) -> list[str]:
    """One line per sequence: its name, the models (or tables) that draw from it, and why it
    is not right, such as ``app_item_id_seq (app.Item) is behind: next value 1 is not past
    the data (3)``."""
    return [
        f"{state.sequence} ({', '.join(state.models or state.tables)}) is {state.status}: "
        f"{state.note}"
        for state in states
    ]
