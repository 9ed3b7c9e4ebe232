"""The annotator's pages: home, the workbench (item after item), skip, my recent labels and editing one.

Thin: the queue and the checks live in services.py, the reads in selectors.py, the parsing in
forms.py. The workbench answers htmx requests with the ``#workbench`` fragment (the next item after a
submit, the same item with messages after a refusal) and plain requests with the full page, so the
form also works without JavaScript (POST, then redirect).
"""
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST
from django_htmx.http import reswap, trigger_client_event

from apps.accounts.selectors import project_for, projects_with_roles

from . import selectors, services
from .forms import LabelForm, describe_answer, form_for_label, guide_for, parse_id, seconds
from .models import Assignment, AssignmentStatus, LabelSource


@login_required
def home(request):
    projects = [(project, selectors.progress(project, request.user)) for project in projects_with_roles(request.user)]
    return render(request, "labeling/home.html", {"projects": projects})


def _rubric(project):
    """The project's current rubric version and its dimensions (cached: versions never change)."""
    return selectors.rubric_snapshot(project.current_rubric_id)


def _dimensions(project):
    return _rubric(project)[1]


def _workbench(request, project, assignment: Assignment | None, *, form=None, notice="", notice_level="info",
               skip_error="", status=200):
    """The workbench for this assignment (or the all-done view): the fragment for htmx, else the page."""
    context = {
        "project": project, "assignment": assignment, "progress": selectors.progress(project, request.user),
        "notice": notice, "notice_level": notice_level, "skip_error": skip_error,
    }
    if assignment is not None:
        view = selectors.item_view(assignment.item, assignment.shown_order)
        context["view"] = view
        context["form"] = form or LabelForm(project=project, view=view, dimensions=_dimensions(project))
    if request.htmx and not request.htmx.boosted:
        response = render(request, "labeling/_workbench.html", context, status=status)
        # A refusal keeps the annotator where the messages are; a new item starts at the top.
        return reswap(response, "outerHTML") if status >= 400 else response
    context["guide"] = guide_for(*_rubric(project))
    return render(request, "labeling/work.html", context, status=status)


def _next(request, project, notice: str, level: str, *, saved_label_id: int | None = None):
    """After a submit or skip: the next item in place (htmx), or a redirect to it (plain POST).

    A stored label is announced with the htmx event ``label-saved`` (``HX-Trigger``, carrying its id), so the
    page and scripts driving the form know what was stored without another request."""
    if not request.htmx:
        messages.add_message(request, messages.ERROR if level == "error" else messages.SUCCESS, notice)
        return redirect("labeling:work", slug=project.slug)
    assignment = services.next_assignment(project=project, user=request.user, none_open=saved_label_id is not None)
    response = _workbench(request, project, assignment, notice=notice, notice_level=level)
    if saved_label_id is not None:
        trigger_client_event(response, "label-saved", {"id": saved_label_id})
    return response


@login_required
@require_http_methods(["GET", "POST"])
def work(request, slug):
    project, _role = project_for(request.user, slug)
    if request.method == "GET":
        return _workbench(request, project, services.next_assignment(project=project, user=request.user))

    assignment_id = parse_id(request.POST.get("assignment_id"))
    assignment = assignment_id and selectors.assignment_of(project, request.user, assignment_id)
    if not assignment:
        current = services.next_assignment(project=project, user=request.user)
        return _workbench(request, project, current, notice="That item is not yours or does not exist.",
                          notice_level="error", status=400)
    view = selectors.item_view(assignment.item, assignment.shown_order)
    form = LabelForm(request.POST, project=project, view=view, dimensions=_dimensions(project))
    if not form.is_valid():
        if assignment.status != AssignmentStatus.OPEN:
            return _next(request, project, "That item is no longer open; here is the next one.", "error")
        return _workbench(request, project, assignment, form=form, status=400)
    try:
        label = services.submit_label(
            project=project, user=request.user, assignment_id=assignment.pk, judgement=form.judgement(),
            rubric_version_id=project.current_rubric_id, source=LabelSource.UI,
        )
    except ValidationError as error:
        form.add_judgement_errors(error)
        return _workbench(request, project, assignment, form=form, status=422)
    except services.LabelRefused as refused:
        return _next(request, project, refused.message, "error")
    return _next(request, project, "Saved.", "success", saved_label_id=label.pk)


@login_required
@require_POST
def skip(request, slug):
    project, _role = project_for(request.user, slug)
    assignment_id = parse_id(request.POST.get("assignment_id")) or 0
    try:
        services.skip_assignment(
            project=project, user=request.user, assignment_id=assignment_id, reason=request.POST.get("reason", "")
        )
    except ValidationError as error:
        assignment = selectors.assignment_of(project, request.user, assignment_id)
        if assignment is None or assignment.status != AssignmentStatus.OPEN:
            assignment = services.next_assignment(project=project, user=request.user)
        return _workbench(request, project, assignment, skip_error=" ".join(error.messages), status=400)
    except services.LabelRefused as refused:
        return _next(request, project, refused.message, "error")
    return _next(request, project, "Skipped.", "info")


@login_required
def mine(request, slug):
    project, _role = project_for(request.user, slug)
    labels = [(label, describe_answer(label, project)) for label in selectors.recent_labels(project, request.user)]
    return render(request, "labeling/mine.html", {"project": project, "labels": labels})


@login_required
@require_http_methods(["GET", "POST"])
def edit(request, slug, label_id):
    project, _role = project_for(request.user, slug)
    label = selectors.label_of(project, request.user, label_id)
    if label is None:
        raise Http404("No such label of yours.")
    current = selectors.current_version(label)
    if current is not None and current.pk != label.pk:
        return redirect("labeling:edit", slug=project.slug, label_id=current.pk)
    view = selectors.label_item_view(label)
    dimensions = _dimensions(project)
    form = form_for_label(label, project=project, view=view, dimensions=dimensions,
                          data=request.POST if request.method == "POST" else None)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            judgement = form.judgement()
            # Time on the item adds up over the versions: the first pass plus each edit.
            if judgement.active_ms is None:
                judgement.active_ms = label.active_ms
            else:
                judgement.active_ms += label.active_ms or 0
            try:
                new = services.edit_label(
                    project=project, user=request.user, label_id=label.pk, judgement=judgement,
                    rubric_version_id=project.current_rubric_id, source=LabelSource.UI,
                )
            except ValidationError as error:
                form.add_judgement_errors(error)
                status = 422
            except services.LabelRefused as refused:
                messages.error(request, refused.message)
                return redirect("labeling:mine", slug=project.slug)
            else:
                messages.success(request, f"Saved as version {new.version}; the earlier versions are kept.")
                return redirect("labeling:edit", slug=project.slug, label_id=new.pk)
    history = [
        (version, describe_answer(version, project), seconds(version.active_ms))
        for version in selectors.label_history(label)
    ]
    context = {
        "project": project, "label": label, "view": view, "form": form, "history": history,
        "guide": guide_for(*_rubric(project)),
    }
    return render(request, "labeling/edit.html", context, status=status)
