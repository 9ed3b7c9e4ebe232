"""Pages for a project's data: upload a file, read its import report, browse the items."""
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods

from apps.accounts.models import Role
from apps.accounts.selectors import project_for

from . import selectors
from .forms import ImportForm
from .models import ImportBatch
from .services import import_file


@login_required
@require_http_methods(["GET", "POST"])
def import_page(request, slug):
    project, role = project_for(request.user, slug, Role.LEAD)
    form = ImportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        batch = import_file(
            project=project, user=request.user, data=upload.read(), filename=upload.name,
            fmt=form.cleaned_data["format"] or None,
        )
        return redirect("datasets:import_report", slug=project.slug, pk=batch.pk)
    status = 400 if request.method == "POST" else 200
    context = {"project": project, "role": role, "form": form, "imports": selectors.import_batches_of(project)[:20]}
    return render(request, "datasets/import.html", context, status=status)


@login_required
def import_report(request, slug, pk):
    project, role = project_for(request.user, slug, Role.LEAD)
    batch = get_object_or_404(ImportBatch, project=project, pk=pk)
    return render(request, "datasets/import_report.html", {"project": project, "role": role, "batch": batch})


@login_required
def item_list(request, slug):
    project, role = project_for(request.user, slug, Role.LEAD)
    filters = selectors.ItemFilters.from_query(request.GET)
    page = Paginator(selectors.items_for_listing(project, filters), 50).get_page(request.GET.get("page"))
    context = {"project": project, "role": role, "page": page, "filters": filters, "query": filters.as_query()}
    return render(request, "datasets/items.html", context)


@login_required
def item_detail(request, slug, pk):
    project, role = project_for(request.user, slug, Role.LEAD)
    item = selectors.item_with_content(project, pk)
    context = {"project": project, "role": role, "item": item, "labels": selectors.labels_of(item)}
    return render(request, "datasets/item.html", context)
