"""The test project's admin site: books import through ``ImportMixin``, authors do not."""

from __future__ import annotations

from django.contrib import admin

from safeimport.admin import ImportMixin
from tests.importapp.models import Author, Book


class BookAdmin(ImportMixin, admin.ModelAdmin):
    """The admin of books, with the Import button."""

    list_display = ["id", "title", "code", "pages", "published"]
    # The browser test holds a lock on the table for a moment, to see the progress.
    import_options = {"lock_timeout": 30}


site = admin.AdminSite(name="admin")
site.register(Book, BookAdmin)
site.register(Author)
