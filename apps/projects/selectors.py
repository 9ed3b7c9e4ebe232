"""Reads for projects: lists with counts, rubric versions ready to show, members."""
from dataclasses import dataclass

from django.db.models import Count, IntegerField, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce

from apps.accounts.models import Membership
from apps.accounts.selectors import memberships_of, projects_with_roles
from apps.datasets.models import Item
from apps.labeling.models import Label

from .models import Project, RubricDimension, RubricVersion
from .services import DimensionSpec, current_rubric


def _count_of(queryset, field: str = "project"):
    counted = queryset.filter(**{field: OuterRef("pk")}).values(field).annotate(n=Count("*")).values("n")
    return Coalesce(Subquery(counted, output_field=IntegerField()), 0)


@dataclass(frozen=True)
class ProjectFilters:
    q: str = ""  # part of the name or slug, any case
    role: str = ""  # the caller's role (a Role value); site staff are admins of every project
    task_type: str = ""  # a TaskType value


def project_list(user, filters: ProjectFilters = ProjectFilters()) -> QuerySet[Project]:
    """The user's projects (every project for staff) with ``my_role``, ``item_count``, ``rubric_version_number``."""
    latest = RubricVersion.objects.filter(project=OuterRef("pk")).order_by("-number").values("number")[:1]
    projects = projects_with_roles(user)
    if filters.q:
        projects = projects.filter(Q(name__icontains=filters.q) | Q(slug__icontains=filters.q))
    if filters.role:
        projects = projects.filter(my_role=filters.role)
    if filters.task_type:
        projects = projects.filter(task_type=filters.task_type)
    return (
        projects.annotate(item_count=_count_of(Item.objects.all()), rubric_version_number=Subquery(latest))
        .order_by("name")
    )


def project_counts(project: Project) -> dict[str, int]:
    items = Item.objects.filter(project=project).aggregate(
        items=Count("id"), gold_items=Count("id", filter=Q(is_gold=True))
    )
    labels = Label.objects.filter(item__project=project, is_current=True).aggregate(
        labels=Count("id"), annotators=Count("annotator", distinct=True)
    )
    return {**items, **labels, "members": Membership.objects.filter(project=project).count()}


def rubric_versions_of(project: Project) -> QuerySet[RubricVersion]:
    return (
        RubricVersion.objects.filter(project=project)
        .select_related("created_by")
        .annotate(dimension_count=Count("dimensions"))
        .order_by("-number")
    )


def rubric_version_get(project: Project, number: int) -> RubricVersion | None:
    return RubricVersion.objects.filter(project=project, number=number).select_related("created_by").first()


def rubric_dimensions(version: RubricVersion | None) -> list[RubricDimension]:
    """The version's dimensions in order, each with ``anchor_list``: ``[(point, anchor text), ...]``."""
    if version is None:
        return []
    dimensions = list(version.dimensions.order_by("position"))
    for dimension in dimensions:
        dimension.anchor_list = [(point, dimension.anchor_for(point)) for point in dimension.points]
    return dimensions


def dimension_specs(version: RubricVersion | None) -> list[DimensionSpec]:
    return [
        DimensionSpec(d.key, d.name, d.description, d.scale_min, d.scale_max, dict(d.anchors or {}))
        for d in rubric_dimensions(version)
    ]


def current_rubric_with_dimensions(project: Project) -> tuple[RubricVersion | None, list[RubricDimension]]:
    version = current_rubric(project)
    return version, rubric_dimensions(version)


@dataclass(frozen=True)
class MemberFilters:
    role: str = ""  # a Role value
    username: str = ""  # part of the username, any case


def member_list(project: Project, filters: MemberFilters = MemberFilters()) -> QuerySet[Membership]:
    """The project's memberships by username, narrowed by ``filters``."""
    members = memberships_of(project)
    if filters.role:
        members = members.filter(role=filters.role)
    if filters.username:
        members = members.filter(user__username__icontains=filters.username)
    return members


def membership_get(project: Project, username: str) -> Membership | None:
    return Membership.objects.filter(project=project, user__username=username).select_related("user").first()
