"""Project pages: list, create and edit, detail, rubric and guidelines editor, members."""
import copy

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from apps.accounts.models import Role
from apps.accounts.selectors import can_create_project, memberships_of, project_for

from . import selectors, services
from .forms import (
    DIMENSION_PREFIX,
    DimensionForm,
    DimensionFormSet,
    MemberAddForm,
    MemberRoleForm,
    ProjectForm,
    RubricForm,
    add_service_errors,
)


@login_required
@require_GET
def project_list(request):
    context = {"projects": selectors.project_list(request.user), "can_create": can_create_project(request.user)}
    return render(request, "projects/list.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def project_create(request):
    if not can_create_project(request.user):
        raise PermissionDenied("You may not create projects.")
    form = ProjectForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            project = services.project_create(user=request.user, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, "Project created. Next, write its guidelines and rubric.")
            return redirect("projects:rubric", slug=project.slug)
    status = 400 if request.method == "POST" else 200
    return render(request, "projects/form.html", {"form": form, "project": None}, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def project_edit(request, slug):
    project, role = project_for(request.user, slug, Role.LEAD)
    # The form edits a copy, so the page header keeps the saved name while the input is invalid.
    form = ProjectForm(request.POST if request.method == "POST" else None, instance=copy.copy(project))
    if request.method == "POST" and form.is_valid():
        try:
            services.project_update(project, **form.cleaned_data)
        except ValidationError as error:
            project.refresh_from_db()
            add_service_errors(form, error)
        else:
            messages.success(request, "Settings saved.")
            return redirect("projects:detail", slug=project.slug)
    status = 400 if request.method == "POST" else 200
    return render(request, "projects/form.html", {"form": form, "project": project, "role": role}, status=status)


@login_required
@require_GET
def project_detail(request, slug):
    project, role = project_for(request.user, slug)
    version, dimensions = selectors.current_rubric_with_dimensions(project)
    context = {
        "project": project,
        "role": role,
        "can_manage": role in services.MANAGER_ROLES,
        "version": version,
        "dimensions": dimensions,
        "counts": selectors.project_counts(project),
        "memberships": memberships_of(project),
    }
    return render(request, "projects/detail.html", context)


def _dimension_formset(data=None, version=None):
    initial = [DimensionForm.initial_for(spec) for spec in selectors.dimension_specs(version)]
    return DimensionFormSet(data, prefix=DIMENSION_PREFIX, initial=initial)


@login_required
@require_http_methods(["GET", "POST"])
def rubric_edit(request, slug):
    project, role = project_for(request.user, slug, Role.LEAD)
    current = services.current_rubric(project)
    data = request.POST if request.method == "POST" else None
    form = RubricForm(data, initial={"guidelines": current.guidelines if current else ""})
    formset = _dimension_formset(data, current)
    if data is not None and form.is_valid() and formset.is_valid():
        try:
            version = services.rubric_update(
                project, user=request.user, guidelines=form.cleaned_data["guidelines"],
                dimensions=formset.specs(), note=form.cleaned_data["note"],
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            if current is not None and version.pk == current.pk:
                messages.info(request, f"Nothing changed; the rubric stays at version {version.number}.")
            else:
                messages.success(request, f"Saved as rubric version {version.number}.")
            return redirect("projects:rubric", slug=project.slug)
    context = {
        "project": project, "role": role, "form": form, "formset": formset, "current": current,
        "versions": selectors.rubric_versions_of(project),
    }
    return render(request, "projects/rubric_edit.html", context, status=400 if data is not None else 200)


@login_required
@require_GET
def rubric_dimension_row(request, slug):
    """One empty dimension row for the editor (htmx), plus the formset's new form count."""
    project, role = project_for(request.user, slug, Role.LEAD)
    try:
        index = int(request.GET.get(f"{DIMENSION_PREFIX}-TOTAL_FORMS", ""))
    except ValueError:
        index = -1
    if not 0 <= index < DimensionFormSet.max_num:
        raise Http404("No such row.")
    form = DimensionFormSet(prefix=DIMENSION_PREFIX).empty_form
    form.prefix = f"{DIMENSION_PREFIX}-{index}"
    context = {"project": project, "dim": form, "index": index, "total": index + 1, "prefix": DIMENSION_PREFIX}
    return render(request, "projects/_dimension_row_added.html", context)


@login_required
@require_GET
def rubric_version_detail(request, slug, number):
    project, role = project_for(request.user, slug)
    version = selectors.rubric_version_get(project, number)
    if version is None:
        raise Http404("No such rubric version.")
    context = {
        "project": project, "role": role, "version": version,
        "dimensions": selectors.rubric_dimensions(version),
        "current": services.current_rubric(project),
        "versions": selectors.rubric_versions_of(project),
    }
    return render(request, "projects/rubric_version.html", context)


def _members_page(request, project, role, add_form=None, status=200):
    memberships = list(memberships_of(project))
    for membership in memberships:
        # A lead sees no controls on an admin; nobody is offered a role they cannot grant.
        membership.editable = role == Role.ADMIN or membership.role != Role.ADMIN
        membership.form = MemberRoleForm(initial={"role": membership.role}, actor_role=role,
                                         prefix=f"m{membership.pk}")
    context = {
        "project": project, "role": role, "memberships": memberships,
        "add_form": add_form or MemberAddForm(actor_role=role),
    }
    return render(request, "projects/members.html", context, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def members(request, slug):
    project, role = project_for(request.user, slug, Role.LEAD)
    if request.method == "GET":
        return _members_page(request, project, role)
    form = MemberAddForm(request.POST, actor_role=role)
    if form.is_valid():
        try:
            membership = services.membership_add(project, actor_role=role, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, f"Added {membership.user.username} as {membership.get_role_display()}.")
            return redirect("projects:members", slug=project.slug)
    return _members_page(request, project, role, add_form=form, status=400)


def _membership_or_404(project, username):
    membership = selectors.membership_get(project, username)
    if membership is None:
        raise Http404("No such member.")
    return membership


@login_required
@require_POST
def member_role(request, slug, username):
    project, role = project_for(request.user, slug, Role.LEAD)
    membership = _membership_or_404(project, username)
    form = MemberRoleForm(request.POST, actor_role=role, prefix=f"m{membership.pk}")
    if not form.is_valid():
        messages.error(request, f"{username}: choose one of the listed roles.")
        return _members_page(request, project, role, status=400)
    try:
        membership = services.membership_change_role(
            project, actor_role=role, membership=membership, role=form.cleaned_data["role"]
        )
    except ValidationError as error:
        messages.error(request, f"{username}: {' '.join(error.messages)}")
        return _members_page(request, project, role, status=400)
    messages.success(request, f"{username} is now {membership.get_role_display()}.")
    return redirect("projects:members", slug=project.slug)


@login_required
@require_POST
def member_remove(request, slug, username):
    project, role = project_for(request.user, slug, Role.LEAD)
    membership = _membership_or_404(project, username)
    try:
        services.membership_delete(project, actor_role=role, membership=membership)
    except ValidationError as error:
        messages.error(request, f"{username}: {' '.join(error.messages)}")
        return _members_page(request, project, role, status=400)
    messages.success(request, f"Removed {username} from the project.")
    if username == request.user.username and not request.user.is_staff:
        return redirect("projects:list")
    return redirect("projects:members", slug=project.slug)

