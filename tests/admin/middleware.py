"""A strict Content-Security-Policy on every response of the test project, as Django's own
admin browser tests set it: the import pages' script must run without inline code."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponseBase


def strict_csp(
    get_response: Callable[[HttpRequest], HttpResponseBase],
) -> Callable[[HttpRequest], HttpResponseBase]:
    """Add ``Content-Security-Policy: default-src 'self'`` to each response."""

    def middleware(request: HttpRequest) -> HttpResponseBase:
        response = get_response(request)
        response.headers["Content-Security-Policy"] = "default-src 'self'"
        return response

    return middleware
