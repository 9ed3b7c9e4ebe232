"""Model pages: overview (dashboard, versions, runs, policy), start a run, run detail, a version's scores as a
download. Leads read, admins act."""
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponseBadRequest, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from apps.accounts.models import Role
from apps.accounts.selectors import project_for
from apps.audit.services import record_event
from apps.projects.forms import add_service_errors

from . import selectors, services
from .forms import PolicyForm, RunStartForm
from .models import LIVE_STATUSES

RUNS_SHOWN = 20


def _runs_context(project):
    runs = list(selectors.runs_of(project)[:RUNS_SHOWN])
    return {"runs": runs, "any_live": any(run.status in LIVE_STATUSES for run in runs)}


def _overview_context(project, role, policy_form=None):
    kind = services.kind_for(project)
    versions = list(selectors.versions_of(project))
    active = next((v for v in versions if v.is_active and v.kind == kind), None)
    compared = versions[:6]
    return {
        "project": project, "role": role, "is_admin": role == Role.ADMIN, "kind": kind,
        "versions": versions, "active": active, "compared": compared,
        "metric_rows": selectors.metric_table(compared),
        "annotators": selectors.annotator_table(active),
        "summary": active.rescore_summary if active else {},
        "loved_rejected": selectors.loved_rejected_rows(active),
        "shift_rows": selectors.shift_rows(active),
        "policy_form": policy_form or PolicyForm(instance=services.policy_of(project)),
        **_runs_context(project),
    }


@login_required
@require_GET
def overview(request, slug):
    project, role = project_for(request.user, slug, Role.LEAD)
    return render(request, "rewardmodels/overview.html", _overview_context(project, role))


@login_required
@require_GET
def runs_fragment(request, slug):
    """The runs table alone, polled by htmx while a run is queued or running."""
    project, role = project_for(request.user, slug, Role.LEAD)
    return render(request, "rewardmodels/_runs.html", {"project": project, "role": role, **_runs_context(project)})


@login_required
@require_http_methods(["GET", "POST"])
def run_new(request, slug):
    project, role = project_for(request.user, slug, Role.ADMIN)
    defaults = services.default_parameters(project)
    form = RunStartForm(request.POST or None, initial=defaults)
    if request.method == "POST" and form.is_valid():
        try:
            run, enqueued = services.run_start(project, user=request.user, parameters=form.parameters())
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            if enqueued:
                messages.success(request, f"Run {run.pk} queued.")
            else:
                messages.warning(request, services.QUEUE_UNAVAILABLE)
            return redirect("rewardmodels:run", slug=project.slug, run_id=run.pk)
    status = 400 if request.method == "POST" else 200
    context = {"project": project, "role": role, "form": form, "kind": services.kind_for(project)}
    return render(request, "rewardmodels/run_new.html", context, status=status)


def _run_or_404(project, run_id):
    run = selectors.run_get(project, run_id)
    if run is None:
        raise Http404("No such run.")
    return run


@login_required
@require_GET
def run_detail(request, slug, run_id):
    project, role = project_for(request.user, slug, Role.LEAD)
    run = _run_or_404(project, run_id)
    context = {"project": project, "role": role, "run": run, "is_admin": role == Role.ADMIN,
               "version": getattr(run, "version", None) if run.status == "succeeded" else None}
    template = "rewardmodels/_run_live.html" if request.htmx else "rewardmodels/run_detail.html"
    return render(request, template, context)


@login_required
@require_POST
def run_cancel(request, slug, run_id):
    project, role = project_for(request.user, slug, Role.ADMIN)
    run = _run_or_404(project, run_id)
    try:
        run = services.run_cancel(run, user=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, "Run cancelled." if run.status == "cancelled" else "Asked the worker to stop the run.")
    return redirect("rewardmodels:run", slug=project.slug, run_id=run.pk)


def _version_or_404(project, number):
    version = selectors.version_get(project, number)
    if version is None:
        raise Http404("No such model version.")
    return version


def _rescore_message(request, version, enqueued):
    if enqueued:
        messages.success(request, f"Version {version.number} is active; rescoring every response with it.")
    else:
        messages.warning(request, f"Version {version.number} is active, but the task queue is unavailable: "
                                  "rescoring starts when it is back (promote again to retry).")


def score_download(version, fmt: str) -> StreamingHttpResponse:
    """A version's scores as a download, streamed in chunks (the page and the API alike)."""
    record_event("scores.downloaded", project=version.project, target=version,
                 detail={"version": version.number, "format": fmt})
    response = StreamingHttpResponse(selectors.score_chunks(version, fmt), content_type=selectors.SCORE_FORMATS[fmt])
    response["Content-Disposition"] = f'attachment; filename="{selectors.score_filename(version, fmt)}"'
    response["Cache-Control"] = "no-store"
    return response


@login_required
@require_GET
def version_scores(request, slug, number):
    """Download a version's scores: ``?format=jsonl`` (default) or ``csv``."""
    project, _ = project_for(request.user, slug, Role.LEAD)
    version = _version_or_404(project, number)
    fmt = request.GET.get("format") or "jsonl"
    if fmt not in selectors.SCORE_FORMATS:
        return HttpResponseBadRequest(f"Unknown format; choose one of {', '.join(selectors.SCORE_FORMATS)}.",
                                      content_type="text/plain; charset=utf-8")
    return score_download(version, fmt)


@login_required
@require_POST
def version_promote(request, slug, number):
    project, role = project_for(request.user, slug, Role.ADMIN)
    version = _version_or_404(project, number)
    try:
        version, enqueued = services.version_promote(version, user=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        _rescore_message(request, version, enqueued)
    return redirect("rewardmodels:overview", slug=project.slug)


@login_required
@require_POST
def version_rollback(request, slug):
    project, role = project_for(request.user, slug, Role.ADMIN)
    try:
        version, enqueued = services.version_rollback(project, user=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        _rescore_message(request, version, enqueued)
    return redirect("rewardmodels:overview", slug=project.slug)


@login_required
@require_POST
def policy_update(request, slug):
    project, role = project_for(request.user, slug, Role.ADMIN)
    form = PolicyForm(request.POST, instance=services.policy_of(project))
    if form.is_valid():
        try:
            services.policy_update(project, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, "Retraining policy saved.")
            return redirect("rewardmodels:overview", slug=project.slug)
    return render(request, "rewardmodels/overview.html", _overview_context(project, role, form), status=400)
