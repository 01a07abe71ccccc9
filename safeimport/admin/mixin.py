"""``ImportMixin``: an Import button on a ModelAdmin's changelist, a preview, then the load.

The pages, under the changelist's URL:

- ``import/``: the form (a file and the load's options). Posting it saves the upload to a
  temporary file (never to memory), dry-runs the whole file and redirects to the preview.
- ``import/<token>/``: the preview (counts, first rejected rows, column mapping, sequence
  moves) with the confirm button; once confirmed, the progress; at the end, the summary.
- ``import/<token>/confirm/`` (POST): starts the load; ``import/<token>/status/``: the
  progress as JSON, which the page polls; ``import/<token>/rejects.csv``: the rejected rows.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import UploadedFile
from django.core.files.uploadhandler import TemporaryFileUploadHandler
from django.db import connections, router
from django.http import (
    FileResponse,
    Http404,
    HttpRequest,
    HttpResponse,
    HttpResponseBase,
    HttpResponseNotAllowed,
    HttpResponseRedirect,
    JsonResponse,
)
from django.template.loader import select_template
from django.template.response import TemplateResponse
from django.urls import URLPattern, path, reverse
from django.views.decorators.csrf import csrf_exempt, csrf_protect

from .. import LoadError
from .formats import format_of, missing_reader
from .forms import ConfirmForm, ImportForm
from .jobs import Job, run_job
from .preview import run_preview

__all__ = ["ImportMixin"]


class ImportMixin(admin.ModelAdmin):  # type: ignore[type-arg]  # for a ModelAdmin of any model
    """Import files into the model from its admin changelist, at COPY speed.

    Put it before ``admin.ModelAdmin`` (or use it alone)::

        @admin.register(Video)
        class VideoAdmin(ImportMixin, admin.ModelAdmin):
            list_display = ["id", "title"]

    Importing needs the add permission; updating rows (``on_conflict="update"``) needs the
    change permission too, and replacing the table needs the change and delete permissions.
    """

    import_template = "safeimport/admin/import.html"
    import_preview_template = "safeimport/admin/import_preview.html"
    import_status_template = "safeimport/admin/import_status.html"
    import_rejects_shown = 10
    """How many rejected rows the preview lists (the download has them all)."""
    import_options: dict[str, Any] = {}
    """More keyword arguments for the loader, in the preview and the load: ``lock_timeout``,
    ``max_errors``, ``conflict_fields``, ``columns``..."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Ours extends the changelist's own template (or the one the admin would choose),
        # so that a ModelAdmin with a template of its own keeps it.
        self.safeimport_base_change_list_template = self.change_list_template
        self.change_list_template = "safeimport/admin/change_list.html"  # type: ignore[misc]

    # --- hooks --------------------------------------------------------------------------

    def has_import_permission(
        self, request: HttpRequest, *, on_conflict: str = "error", mode: str = "append"
    ) -> bool:
        """Whether the user may import with these options (add; change to update rows;
        change and delete to replace the table)."""
        if not self.has_add_permission(request):
            return False
        if (on_conflict == "update" or mode == "replace") and not self.has_change_permission(
            request
        ):
            return False
        return mode != "replace" or self.has_delete_permission(request)

    def start_import(self, job: Job) -> None:
        """Start a confirmed import, by default in a thread of this server process.

        Override it to hand the load to a task queue instead: the worker calls
        ``safeimport.admin.run_job(token)`` and must see ``SAFEIMPORT_ADMIN_DIR``.
        """
        name = f"safeimport-import-{job.token[:8]}"
        threading.Thread(target=self.run_import, args=(job.token,), name=name, daemon=True).start()

    def run_import(self, token: str) -> None:
        """The thread's work: the load, then the thread's database connections closed."""
        try:
            run_job(token)
        finally:
            connections.close_all()

    # --- URLs and the changelist --------------------------------------------------------

    def get_urls(self) -> list[URLPattern]:
        """The import pages, before the admin's own (which end in a catch-all)."""
        name = f"{self.opts.app_label}_{self.opts.model_name}_import"
        pages: list[tuple[str, Callable[..., HttpResponseBase], str]] = [
            ("import/", csrf_exempt(self.import_view), name),
            ("import/<slug:token>/", self.import_job_view, f"{name}_job"),
            ("import/<slug:token>/confirm/", self.import_confirm_view, f"{name}_confirm"),
            ("import/<slug:token>/status/", self.import_status_view, f"{name}_status"),
            ("import/<slug:token>/rejects.csv", self.import_rejects_view, f"{name}_rejects"),
        ]
        wrap = self.admin_site.admin_view
        own = [path(route, wrap(view), name=url_name) for route, view, url_name in pages]
        return [*own, *super().get_urls()]

    def changelist_view(
        self, request: HttpRequest, extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        """The changelist, with the Import button for those who may import."""
        opts = self.opts
        base = self.safeimport_base_change_list_template or select_template(
            [
                f"admin/{opts.app_label}/{opts.model_name}/change_list.html",
                f"admin/{opts.app_label}/change_list.html",
                "admin/change_list.html",
            ]
        )
        context = {
            "safeimport_base_change_list": base,
            "safeimport_can_import": self.has_import_permission(request),
            **(extra_context or {}),
        }
        return super().changelist_view(request, context)

    # --- the views ----------------------------------------------------------------------

    def import_view(self, request: HttpRequest) -> HttpResponseBase:
        """The upload form. Exempt from the CSRF middleware only so that the upload handler
        can be set before the body is read; the form is CSRF-checked just after."""
        if not self.has_import_permission(request):
            raise PermissionDenied
        request.upload_handlers = [TemporaryFileUploadHandler(request)]
        return csrf_protect(self._import_form)(request)

    def _import_form(self, request: HttpRequest) -> HttpResponseBase:
        if request.method != "POST":
            return self._render(request, self.import_template, {"form": ImportForm()})
        form = ImportForm(request.POST, request.FILES)
        if form.is_valid():
            options = form.cleaned_data
            if not self.has_import_permission(
                request, on_conflict=options["on_conflict"], mode=options["mode"]
            ):
                raise PermissionDenied
            job = self._new_job(request, form)
            if job is not None:
                try:
                    run_preview(job, self.model, rejects_shown=self.import_rejects_shown)
                except LoadError as exc:
                    job.delete()
                    form.add_error(None, f"{exc} Nothing was written.")
                else:
                    return HttpResponseRedirect(self._url("job", job.token))
        return self._render(request, self.import_template, {"form": form})

    def _new_job(self, request: HttpRequest, form: ImportForm) -> Job | None:
        """Keep the upload in a new job's folder; None (and a form error) when its format
        cannot be read here."""
        options = form.cleaned_data
        upload: UploadedFile[Any] = options["import_file"]
        input_format = options["input_format"] or format_of(upload)
        missing = missing_reader(input_format)
        if missing is not None:
            form.add_error("input_format", missing)
            return None
        job = Job.create(
            model=self.opts.label,
            user_id=str(request.user.pk),
            file_name=Path(upload.name or "upload").name,
            input_format=input_format,
            on_conflict=options["on_conflict"],
            on_error=options["on_error"],
            mode=options["mode"],
            using=router.db_for_write(self.model),
            options=dict(self.import_options),
        )
        job.keep(upload)
        return job

    def import_job_view(self, request: HttpRequest, token: str) -> HttpResponseBase:
        """The preview, the progress, or the summary, as far as the import is."""
        job = self._job(request, token)
        if job.status == "previewed":
            form = ConfirmForm(label=self.opts.label, replace=job.mode == "replace")
            return self._preview(request, job, form)
        return self._render(
            request,
            self.import_status_template,
            {
                "job": job,
                "result": job.result,
                "status_url": self._url("status", token),
                "rejects_url": self._url("rejects", token) if job.rejects_path.is_file() else "",
                "changelist_url": reverse(
                    f"admin:{self.opts.app_label}_{self.opts.model_name}_changelist",
                    current_app=self.admin_site.name,
                ),
            },
        )

    def import_confirm_view(self, request: HttpRequest, token: str) -> HttpResponseBase:
        """Start a previewed import (POST); a replace must be confirmed by the model's label."""
        job = self._job(request, token)
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        if not self.has_import_permission(request, on_conflict=job.on_conflict, mode=job.mode):
            raise PermissionDenied
        if job.status == "previewed":
            form = ConfirmForm(request.POST, label=self.opts.label, replace=job.mode == "replace")
            if job.refused or not form.is_valid():
                return self._preview(request, job, form)
            if job.claim():
                self.start_import(job)
        return HttpResponseRedirect(self._url("job", token))

    def import_status_view(self, request: HttpRequest, token: str) -> JsonResponse:
        """How far the import is, for the progress bar."""
        return JsonResponse(self._job(request, token).progress_state())

    def import_rejects_view(self, request: HttpRequest, token: str) -> FileResponse:
        """The rejected rows as CSV (``line,reason,record``): the load's once it is done,
        else the preview's."""
        return _rejects_file(self._job(request, token))

    # --- helpers ------------------------------------------------------------------------

    def _job(self, request: HttpRequest, token: str) -> Job:
        """The user's own import of this model with this token, else 403 or 404."""
        if not self.has_import_permission(request):
            raise PermissionDenied
        job = Job.load(token)
        if job is None or job.model != self.opts.label or job.user_id != str(request.user.pk):
            raise Http404("No such import.")
        job.check_alive()
        return job

    def _preview(self, request: HttpRequest, job: Job, form: ConfirmForm) -> TemplateResponse:
        return self._render(
            request,
            self.import_preview_template,
            {
                "job": job,
                "preview": job.preview,
                "form": form,
                "refused": job.refused,
                "confirm_url": self._url("confirm", job.token),
                "rejects_url": self._url("rejects", job.token),
                "import_url": self._url(),
                "label": self.opts.label,
            },
        )

    def _render(
        self, request: HttpRequest, template: str, context: dict[str, Any]
    ) -> TemplateResponse:
        request.current_app = self.admin_site.name
        return TemplateResponse(
            request,
            template,
            {
                **self.admin_site.each_context(request),
                "opts": self.opts,
                "title": f"Import {self.opts.verbose_name_plural}",
                **context,
            },
        )

    def _url(self, view: str = "", token: str | None = None) -> str:
        name = f"admin:{self.opts.app_label}_{self.opts.model_name}_import"
        return reverse(
            f"{name}_{view}" if view else name,
            args=[token] if token else [],
            current_app=self.admin_site.name,
        )


def _rejects_file(job: Job) -> FileResponse:
    """The rows a job set aside, as a CSV download: the load's once it is done, else the
    preview's."""
    path = job.rejects_path if job.status == "done" else job.preview_rejects_path
    if not path.is_file():
        raise Http404("No rejected rows were kept for this import.")
    return FileResponse(
        path.open("rb"),
        as_attachment=True,
        filename=f"{Path(job.file_name).stem}-rejected.csv",
        content_type="text/csv",
    )
