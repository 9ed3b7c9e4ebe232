"""Writes for projects: create and edit, versioned rubric and guidelines, memberships."""
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.text import slugify

from apps.accounts.models import Membership, Role, User

from .models import Project, RubricDimension, RubricVersion

PROJECT_FIELDS = (
    "name", "description", "task_type", "ranking_k", "overlap", "gold_rate", "randomize_sides",
    "lease_minutes", "preference_scale", "allow_rank_ties", "rationale", "step_split", "stop_at_first_error",
)


@dataclass
class DimensionSpec:
    key: str
    name: str
    description: str = ""
    scale_min: int = 1
    scale_max: int = 5
    anchors: dict[str, str] = field(default_factory=dict)

    def as_tuple(self):
        anchors = {str(k): v for k, v in sorted((self.anchors or {}).items()) if v}
        return (self.key, self.name, self.description, self.scale_min, self.scale_max, anchors)


def _validate_dimensions(dimensions: list[DimensionSpec]) -> None:
    keys = [d.key for d in dimensions]
    if len(set(keys)) != len(keys):
        raise ValidationError({"dimensions": "Each rubric dimension needs its own key."})
    for d in dimensions:
        if not d.key or slugify(d.key) != d.key.lower() or not d.name.strip():
            raise ValidationError({"dimensions": f"Dimension {d.key!r}: key must be a slug and name is required."})
        if not (-10 <= d.scale_min < d.scale_max <= 10):
            raise ValidationError({"dimensions": f"Dimension {d.key!r}: scale must run from low to high within -10..10."})
        for point in (d.anchors or {}):
            try:
                in_range = d.scale_min <= int(point) <= d.scale_max
            except (TypeError, ValueError):
                in_range = False
            if not in_range:
                raise ValidationError({"dimensions": f"Dimension {d.key!r}: anchor {point!r} is not a scale point."})


def _unique_slug(name: str) -> str:
    base = slugify(name)[:70] or "project"
    slug, n = base, 2
    while Project.objects.filter(slug=slug).exists():
        slug, n = f"{base}-{n}", n + 1
    return slug


def _write_version(project, *, user, guidelines, dimensions, note, number) -> RubricVersion:
    version = RubricVersion.objects.create(
        project=project, number=number, guidelines=guidelines, note=note, created_by=user
    )
    RubricDimension.objects.bulk_create(
        RubricDimension(
            rubric_version=version, position=i, key=d.key, name=d.name, description=d.description,
            scale_min=d.scale_min, scale_max=d.scale_max,
            anchors={str(k): v for k, v in (d.anchors or {}).items() if v},
        )
        for i, d in enumerate(dimensions)
    )
    return version


@transaction.atomic
def project_create(
    *, user: User | None, name: str, guidelines: str = "", dimensions: list[DimensionSpec] | None = None,
    slug: str | None = None, **settings,
) -> Project:
    """A new project, its rubric version 1, and the creator as its lead (staff stay admins by the flag)."""
    unknown = set(settings) - set(PROJECT_FIELDS)
    if unknown:
        raise TypeError(f"unknown project fields: {sorted(unknown)}")
    dimensions = dimensions or []
    _validate_dimensions(dimensions)
    project = Project(name=name, slug=slug or _unique_slug(name), created_by=user, **settings)
    project.full_clean()
    project.save()
    _write_version(project, user=user, guidelines=guidelines, dimensions=dimensions, note="Initial version", number=1)
    if user is not None and not user.is_staff:
        Membership.objects.create(user=user, project=project, role=Role.LEAD)
    return project


@transaction.atomic
def project_update(project: Project, **settings) -> Project:
    unknown = set(settings) - set(PROJECT_FIELDS)
    if unknown:
        raise TypeError(f"unknown project fields: {sorted(unknown)}")
    for key, value in settings.items():
        setattr(project, key, value)
    project.full_clean()
    project.save()
    return project


def current_rubric(project: Project) -> RubricVersion:
    return project.rubric_versions.order_by("-number").first()


@transaction.atomic
def rubric_update(
    project: Project, *, user: User | None, guidelines: str, dimensions: list[DimensionSpec], note: str = ""
) -> RubricVersion:
    """Record a new rubric version when guidelines or dimensions changed; otherwise return the current one.

    Versions are never edited in place, so a label keeps pointing at exactly what its annotator saw.
    """
    _validate_dimensions(dimensions)
    # Lock the project row so two concurrent edits cannot both take the same version number.
    Project.objects.select_for_update().filter(pk=project.pk).first()
    current = current_rubric(project)
    if current is not None:
        same_dims = [DimensionSpec(d.key, d.name, d.description, d.scale_min, d.scale_max, d.anchors).as_tuple()
                     for d in current.dimensions.all()] == [d.as_tuple() for d in dimensions]
        if same_dims and current.guidelines == guidelines:
            return current
    number = (current.number + 1) if current else 1
    return _write_version(project, user=user, guidelines=guidelines, dimensions=dimensions, note=note, number=number)


@transaction.atomic
def membership_set(project: Project, *, username: str, role: str) -> Membership:
    """Add a user to the project by username, or change their role."""
    if role not in Role.values:
        raise ValidationError({"role": f"Unknown role {role!r}."})
    user = User.objects.filter(username=username, is_external=False).first()
    if user is None:
        raise ValidationError({"username": f"No user named {username!r}."})
    membership, _ = Membership.objects.update_or_create(user=user, project=project, defaults={"role": role})
    return membership


def membership_remove(project: Project, *, username: str) -> None:
    Membership.objects.filter(project=project, user__username=username).delete()
