"""Export pages: choose a format and options, then download the file as it streams. Leads and admins only."""
from django.contrib.auth.decorators import login_required
from django.http import StreamingHttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.http import urlencode

from apps.accounts.models import Role
from apps.audit.services import record_event
from apps.accounts.selectors import project_for

from . import exporters
from .exporters import FORMATS, UnknownFormat
from .exporters.options import ExportOptions, OptionError
from .exports import CONTENT_TYPE, export_chunks, export_filename
from .forms import ExportForm


def streamed_export(project, fmt, options) -> StreamingHttpResponse:
    """The export as a download: JSON lines streamed in chunks, never built whole."""
    record_event("export.downloaded", project=project, detail={"format": fmt.key, "options": vars(options)})
    response = StreamingHttpResponse(export_chunks(project, fmt, options), content_type=CONTENT_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{export_filename(project, fmt)}"'
    response["Cache-Control"] = "no-store"
    return response


def _page(request, project, role, form, *, status=200, error=""):
    download = reverse("datasets:export_download", args=[project.slug])
    formats = [
        {"format": f, "url": f"{download}?{urlencode({'format': f.key})}", "filename": export_filename(project, f),
         "api": reverse("api-export", args=[project.slug, f.key])}
        for f in FORMATS.values()
    ]
    context = {"project": project, "role": role, "form": form, "formats": formats, "error": error,
               "download_url": download}
    return render(request, "datasets/export.html", context, status=status)


@login_required
def export_page(request, slug):
    project, role = project_for(request.user, slug, Role.LEAD)
    return _page(request, project, role, ExportForm())


@login_required
def export_download(request, slug):
    project, role = project_for(request.user, slug, Role.LEAD)
    form = ExportForm(request.GET)
    if not form.is_valid():
        return _page(request, project, role, form, status=400)
    try:
        fmt = exporters.export_format(form.cleaned_data["format"])
        options = ExportOptions.from_params(form.cleaned_data)
    except (UnknownFormat, OptionError) as error:
        return _page(request, project, role, form, status=400, error=str(error))
    return streamed_export(project, fmt, options)
