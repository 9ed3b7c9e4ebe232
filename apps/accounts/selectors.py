"""Who may see and do what: every page and API view asks here."""
from django.core.exceptions import PermissionDenied
from django.db.models import CharField, OuterRef, QuerySet, Subquery, Value
from django.http import Http404

from apps.projects.models import Project, RubricVersion

from .models import ROLE_RANK, ApiToken, Membership, Role


def role_for(user, project: Project) -> str | None:
    """The user's role in the project: site staff are admins everywhere; None means no access."""
    if not user or not user.is_authenticated or not user.is_active:
        return None
    if user.is_staff:
        return Role.ADMIN
    return Membership.objects.filter(user=user, project=project).values_list("role", flat=True).first()


def has_role(role: str | None, min_role: str) -> bool:
    return role is not None and ROLE_RANK[role] >= ROLE_RANK[min_role]


def projects_for(user) -> QuerySet[Project]:
    if not user or not user.is_authenticated or not user.is_active:
        return Project.objects.none()
    if user.is_staff:
        return Project.objects.all()
    return Project.objects.filter(memberships__user=user).distinct()


PROJECT_FOR_SQL = (
    f"SELECT p.*, (SELECT m.role FROM {Membership._meta.db_table} m WHERE m.project_id = p.id AND m.user_id = %s "
    f"LIMIT 1) AS member_role, (SELECT r.id FROM {RubricVersion._meta.db_table} r WHERE r.project_id = p.id "
    f"ORDER BY r.number DESC LIMIT 1) AS current_rubric_id FROM {Project._meta.db_table} p WHERE p.slug = %s LIMIT 1"
)


def project_for(user, slug: str, min_role: str = Role.ANNOTATOR) -> tuple[Project, str]:
    """The project and the user's role in it, in one query.

    The project comes with ``current_rubric_id`` (its latest rubric version) annotated.

    Raises Http404 when the project does not exist or the user has no role there (so its existence
    does not leak), and PermissionDenied when the role is below ``min_role``.
    """
    project = None
    if user and user.is_authenticated and user.is_active:
        # One query: the project with the caller's membership role and its latest rubric version beside it.
        # Hand-written: every page and API call runs it, and compiling the ORM's two subqueries cost more
        # than the query.
        project = next(iter(Project.objects.raw(PROJECT_FOR_SQL, [user.pk, slug])), None)
    role = None
    if project is not None:
        role = Role.ADMIN if user.is_staff else project.member_role
    if project is None or role is None:
        raise Http404("No such project.")
    if not has_role(role, min_role):
        raise PermissionDenied("Your role in this project does not allow this.")
    return project, role


def memberships_of(project: Project) -> QuerySet[Membership]:
    return Membership.objects.filter(project=project).select_related("user").order_by("user__username")


def tokens_of(user) -> QuerySet[ApiToken]:
    return ApiToken.objects.filter(user=user).order_by("-created_at")


def memberships_for_user(user) -> QuerySet[Membership]:
    return Membership.objects.filter(user=user).select_related("project").order_by("project__name")


def projects_with_roles(user) -> QuerySet[Project]:
    """The user's projects, each annotated with ``my_role`` (staff: admin of every project)."""
    projects = projects_for(user)
    if not user or not user.is_authenticated:
        return projects.annotate(my_role=Value(None, output_field=CharField()))
    if user.is_staff:
        return projects.annotate(my_role=Value(Role.ADMIN.value, output_field=CharField()))
    role = Membership.objects.filter(project=OuterRef("pk"), user=user).values("role")[:1]
    return projects.annotate(my_role=Subquery(role))


def can_create_project(user) -> bool:
    """Site staff, anyone who leads or administers a project, and holders of ``projects.add_project``."""
    if not user or not user.is_authenticated or not user.is_active or user.is_external:
        return False
    if user.is_staff or user.has_perm("projects.add_project"):
        return True
    return Membership.objects.filter(user=user, role__in=[Role.LEAD, Role.ADMIN]).exists()
