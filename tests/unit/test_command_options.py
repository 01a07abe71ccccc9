"""The option parsers of ``safe_import``: ``--lock-timeout`` and ``--max-errors``."""

from __future__ import annotations

from argparse import ArgumentTypeError

import pytest

from safeimport.management.commands.safe_import import lock_timeout, max_errors


@pytest.mark.parametrize(
    ("text", "seconds"), [("2.5", 2.5), ("0", 0.0), ("none", None), ("None", None)]
)
def test_lock_timeout_zero_waits_and_none_keeps_the_servers_setting(
    text: str, seconds: float | None
) -> None:
    assert lock_timeout(text) == seconds


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("soon", "seconds or 'none', not 'soon'"),
        ("-1", "seconds must be 0 or more, not '-1'"),
        ("inf", "seconds must be 0 or more, not 'inf'"),
        ("nan", "seconds must be 0 or more, not 'nan'"),
    ],
)
def test_lock_timeout_refuses_what_is_not_a_number_of_seconds(text: str, reason: str) -> None:
    with pytest.raises(ArgumentTypeError, match=reason):
        lock_timeout(text)


def test_max_errors_is_a_count_of_rows() -> None:
    assert (max_errors("0"), max_errors("12")) == (0, 12)
    with pytest.raises(ArgumentTypeError, match="a number of rows, not 'many'"):
        max_errors("many")
    with pytest.raises(ArgumentTypeError, match="a number of rows, 0 or more, not '-2'"):
        max_errors("-2")
