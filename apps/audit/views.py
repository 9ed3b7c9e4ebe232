"""The audit page (site staff: everything; project admins: their projects) and its CSV / JSONL download."""
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpResponseBadRequest
from django.shortcuts import render
from django.utils.http import urlencode
from django.views.decorators.http import require_GET

from apps.accounts.selectors import projects_with_roles

from . import exports, selectors

PAGE_SIZE = 50


def _readable(request) -> selectors.AuditFilters:
    if not selectors.can_read_audit(request.user):
        raise PermissionDenied("The audit trail is for admins.")
    filters = selectors.AuditFilters.from_query(request.GET)
    selectors.check_project_filter(request.user, filters)
    return filters


@login_required
@require_GET
def audit_list(request):
    filters = _readable(request)
    try:
        page = max(1, int(request.GET.get("page", "1")))
    except ValueError:
        page = 1
    total = selectors.audit_count(request.user, filters)
    entries = selectors.audit_page(request.user, filters, offset=(page - 1) * PAGE_SIZE, limit=PAGE_SIZE)
    query = urlencode(filters.as_query())
    projects = [p for p in projects_with_roles(request.user).order_by("name") if p.my_role == "admin"]
    context = {
        "entries": entries, "filters": filters, "query": query, "total": total, "page": page,
        "has_previous": page > 1, "has_next": page * PAGE_SIZE < total,
        "actions": selectors.action_names(request.user), "projects": projects,
    }
    return render(request, "audit/list.html", context)


@login_required
@require_GET
def audit_export(request):
    filters = _readable(request)
    fmt = request.GET.get("format", "csv")
    if fmt not in exports.FORMATS:
        return HttpResponseBadRequest("Unknown format: choose csv or jsonl.", content_type="text/plain")
    return exports.download(selectors.audit_entries(request.user, filters), fmt)
