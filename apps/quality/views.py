"""Quality pages for leads and admins: the live dashboard, the disagreement queue, adjudicating an item.

Thin: figures come from ``selectors.project_dashboard`` (kept up to date as labels arrive) and are laid
out by ``dashboard_view``; adjudication reads and writes live in ``adjudication``. Annotators get
403, users without a role in the project 404 (``accounts.selectors.project_for``).
"""
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods

from apps.accounts.models import Role
from apps.accounts.selectors import project_for
from apps.labeling.selectors import item_view

from . import adjudication, dashboard_view, selectors
from .forms import AdjudicationForm

QUEUE_PAGE = 25
MAX_PAGE = 100_000
POLL_SECONDS = 5  # the dashboard's refresh; settings.QUALITY_DASHBOARD_POLL_SECONDS overrides it


def _dashboard_context(request, project, role) -> dict:
    window = request.GET.get("window", "")
    window = window if window in selectors.TREND_WINDOW_CHOICES else ""
    board = dashboard_view.build(selectors.project_dashboard(project, trend_window=window),
                                 sort=request.GET.get("sort", ""), direction=request.GET.get("dir", ""))
    return {"project": project, "role": role, "board": board, "query": request.GET.urlencode(),
            "poll_seconds": getattr(settings, "QUALITY_DASHBOARD_POLL_SECONDS", POLL_SECONDS)}


@login_required
@require_GET
def dashboard(request, slug):
    project, role = project_for(request.user, slug, Role.LEAD)
    return render(request, "quality/dashboard.html", _dashboard_context(request, project, role))


@login_required
@require_GET
def dashboard_live(request, slug):
    """The dashboard's figures alone: what the page polls every few seconds (htmx)."""
    project, role = project_for(request.user, slug, Role.LEAD)
    return render(request, "quality/_live.html", _dashboard_context(request, project, role))


def _page_number(request) -> int:
    try:
        return min(max(1, int(request.GET.get("page", "1"))), MAX_PAGE)
    except ValueError:
        return 1


@login_required
@require_GET
def disagreements(request, slug):
    project, role = project_for(request.user, slug, Role.LEAD)
    page = _page_number(request)
    rows = selectors.disagreement_queue(project, limit=QUEUE_PAGE + 1, offset=(page - 1) * QUEUE_PAGE)
    shown = rows[:QUEUE_PAGE]
    ids = [row["item_id"] for row in shown]
    adjudicated, prompts = adjudication.adjudicated_item_ids(project, ids), adjudication.prompt_texts(ids)
    context = {
        "project": project, "role": role, "page": page, "has_next": len(rows) > QUEUE_PAGE,
        "rows": [dashboard_view.queue_row(row, adjudicated, prompts.get(row["item_id"], "")) for row in shown],
        "total": selectors.disagreement_count(project),
    }
    return render(request, "quality/disagreements.html", context)


def _form(project, view, dimensions, data=None, current=None):
    return AdjudicationForm(data, project=project, view=view, dimensions=dimensions,
                            initial_values=adjudication.current_values(current))


@login_required
@require_http_methods(["GET", "POST"])
def adjudicate(request, slug, item_id):
    project, role = project_for(request.user, slug, Role.LEAD)
    page = adjudication.adjudication_view(project, item_id)
    if page is None:
        raise Http404("No such item in this project.")
    shown = item_view(page.item, list(range(len(page.responses))))
    status = 200
    if request.method == "POST":
        form = _form(project, shown, page.dimensions, data=request.POST)
        if form.is_valid():
            try:
                done = adjudication.adjudicate(
                    project=project, user=request.user, item_id=page.item.pk, judgement=form.judgement(),
                    note=form.cleaned_data.get("note", ""), rubric_version_id=project.current_rubric_id,
                )
            except ValidationError as error:
                form.add_judgement_errors(error)
            except adjudication.AdjudicationRefused as refused:
                form.add_judgement_errors(ValidationError(refused.message))
            else:
                messages.success(request, f"Item {page.item.pk}: adjudication recorded (version {done.version}); "
                                          "exports use it.")
                if "next" in request.POST:
                    following = adjudication.next_to_adjudicate(project, exclude=page.item.pk)
                    if following is None:
                        messages.info(request, "No other item in the disagreement queue is waiting for adjudication.")
                        return redirect("quality:disagreements", slug=project.slug)
                    return redirect("quality:adjudicate", slug=project.slug, item_id=following)
                return redirect("quality:adjudicate", slug=project.slug, item_id=page.item.pk)
        status = 400
    else:
        form = _form(project, shown, page.dimensions, current=page.current)
    context = {"project": project, "role": role, "page": page, "view": shown, "form": form}
    return render(request, "quality/adjudicate.html", context, status=status)

