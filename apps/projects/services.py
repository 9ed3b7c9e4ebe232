"""Writes for projects: create and edit, versioned rubric and guidelines, memberships."""
from dataclasses import dataclass, field

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.text import slugify

from apps.accounts.models import Membership, Role, User
from apps.datasets.models import Item
from apps.labeling.models import Label

from .models import (
    ERROR_CATEGORIES_MAX, ERROR_CATEGORY_MAX, Project, default_error_categories,
)
from .models import RubricDimension, RubricVersion, TaskType

PROJECT_FIELDS = (
    "name", "description", "task_type", "ranking_k", "overlap", "gold_rate", "randomize_sides",
    "lease_minutes", "preference_scale", "allow_rank_ties", "rationale", "step_split", "stop_at_first_error",
    "error_categories", "final_answer", "trl_neutral_correct",
)

# Bounds of the numeric settings (the same as the database constraints), for forms and serializers.
SETTING_LIMITS = {
    "ranking_k": (3, 8),
    "overlap": (1, 50),
    "gold_rate": (0.0, 1.0),
    "lease_minutes": (1, 7 * 24 * 60),
}
SCALE_LIMITS = (-10, 10)
# Settings that give existing items or labels their meaning, so they are frozen once those exist.
FROZEN_WITH_ITEMS = ("task_type", "ranking_k")
FROZEN_WITH_LABELS = ("preference_scale",)


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


def clean_error_categories(values) -> list[str]:
    """The step error taxonomy as stored: names stripped, blanks dropped; each one unique (ignoring case),
    at most ``ERROR_CATEGORY_MAX`` characters, at most ``ERROR_CATEGORIES_MAX`` of them. An empty list
    gives the default taxonomy (a wrong step always needs a category to choose from)."""
    if not isinstance(values, (list, tuple)) or any(not isinstance(v, str) for v in values):
        raise ValidationError({"error_categories": "The error categories are a list of names."})
    names = [" ".join(v.split()) for v in values]
    names = [n for n in names if n]
    if not names:
        return default_error_categories()
    problems = []
    if len(names) > ERROR_CATEGORIES_MAX:
        problems.append(f"Keep to {ERROR_CATEGORIES_MAX} error categories at most.")
    seen = set()
    for name in names:
        if len(name) > ERROR_CATEGORY_MAX:
            problems.append(f"“{name[:20]}…” is longer than {ERROR_CATEGORY_MAX} characters.")
        if name.lower() in seen:
            problems.append(f"“{name}” is listed twice.")
        seen.add(name.lower())
    if problems:
        raise ValidationError({"error_categories": problems})
    return names


def _clean_settings(settings: dict) -> dict:
    if "error_categories" in settings:
        settings = {**settings, "error_categories": clean_error_categories(settings["error_categories"])}
    return settings


# Slugs that would collide with fixed URLs such as /projects/new/.
RESERVED_SLUGS = frozenset({"new"})


def _normalise_newlines(text: str) -> str:
    """Browsers send textarea text with CRLF line ends; store LF so an unchanged form changes nothing."""
    return text.replace("\r\n", "\n").replace("\r", "\n")


def _normalise(guidelines: str, dimensions: list[DimensionSpec]) -> tuple[str, list[DimensionSpec]]:
    return _normalise_newlines(guidelines or ""), [
        DimensionSpec(d.key, d.name, _normalise_newlines(d.description or ""), d.scale_min, d.scale_max, d.anchors)
        for d in dimensions
    ]


def _unique_slug(name: str) -> str:
    base = slugify(name)[:70] or "project"
    slug, n = base, 2
    while slug in RESERVED_SLUGS or Project.objects.filter(slug=slug).exists():
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
    guidelines, dimensions = _normalise(guidelines, dimensions or [])
    _validate_dimensions(dimensions)
    settings = _clean_settings(settings)
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
    settings = _clean_settings(settings)
    _check_frozen(project, settings)
    overlap_changed = "overlap" in settings and settings["overlap"] != project.overlap
    for key, value in settings.items():
        setattr(project, key, value)
    project.full_clean()
    project.save()
    if overlap_changed:
        _apply_overlap(project)
    return project


def _apply_overlap(project: Project) -> None:
    """Items carry the overlap so the database can hold them to it; refuse one below labels already given."""
    too_full = Item.objects.filter(project=project, labels_count__gt=project.overlap).count()
    if too_full:
        raise ValidationError({"overlap": (
            f"{too_full} item{'s' if too_full != 1 else ''} already {'have' if too_full != 1 else 'has'} more "
            f"than {project.overlap} label{'s' if project.overlap != 1 else ''}; the overlap cannot go below that."
        )})
    Item.objects.filter(project=project).update(overlap=project.overlap)


def _check_frozen(project: Project, settings: dict) -> None:
    changed = {key for key, value in settings.items() if getattr(project, key) != value}
    if project.task_type != TaskType.RANKING:
        changed.discard("ranking_k")  # K means nothing to the items of other task types
    errors = {}
    if changed & set(FROZEN_WITH_ITEMS) and project.items.exists():
        for key in sorted(changed & set(FROZEN_WITH_ITEMS)):
            errors[key] = "Cannot change once the project has items."
    if changed & set(FROZEN_WITH_LABELS):
        if Label.objects.filter(item__project=project).exists():
            for key in sorted(changed & set(FROZEN_WITH_LABELS)):
                errors[key] = "Cannot change once the project has labels."
    if errors:
        raise ValidationError(errors)


@transaction.atomic
@transaction.atomic
def project_delete(project: Project) -> None:
    """Delete the project with its items, labels, adjudications, rubric versions and model versions, all or nothing.

    Labels protect their rubric version and the label they replaced, adjudications their rubric version, model
    versions their training run: they go first (labels unlinked), then the project and what cascades from it.
    """
    from django.apps import apps  # quality and rewardmodels build on projects: no import at module level

    labels = Label.objects.filter(item__project=project)
    labels.exclude(previous=None).update(previous=None)
    labels.delete()
    apps.get_model("quality", "Adjudication").objects.filter(item__project=project).delete()
    apps.get_model("rewardmodels", "ModelVersion").objects.filter(project=project).delete()
    project.delete()


def current_rubric(project: Project) -> RubricVersion:
    return project.rubric_versions.order_by("-number").first()


@transaction.atomic
def rubric_update(
    project: Project, *, user: User | None, guidelines: str, dimensions: list[DimensionSpec], note: str = ""
) -> RubricVersion:
    """Record a new rubric version when guidelines or dimensions changed; otherwise return the current one.

    Versions are never edited in place, so a label keeps pointing at exactly what its annotator saw.
    """
    guidelines, dimensions = _normalise(guidelines, dimensions)
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


# Membership changes made by a member of the project, with the role rules every page and API applies:
# a lead or admin manages members; only an admin (project admin or staff) grants or revokes the admin
# role, so a lead can neither make an admin nor demote or remove one; and a project that has a lead or
# admin member keeps at least one.

MANAGER_ROLES = (Role.LEAD, Role.ADMIN)


def _require_manager(actor_role: str | None) -> None:
    if actor_role not in MANAGER_ROLES:
        raise PermissionDenied("Only a project lead or admin can change members.")


def _require_admin_for(actor_role: str, *roles: str | None) -> None:
    if Role.ADMIN in roles and actor_role != Role.ADMIN:
        raise PermissionDenied("Only a project admin can grant or revoke the admin role.")


def _keeps_a_manager(project: Project, membership: Membership, new_role: str | None) -> None:
    if membership.role in MANAGER_ROLES and new_role not in MANAGER_ROLES:
        others = Membership.objects.filter(project=project, role__in=MANAGER_ROLES).exclude(pk=membership.pk)
        if not others.exists():
            raise ValidationError({"role": "The project needs at least one lead or admin."})


@transaction.atomic
def membership_add(project: Project, *, actor_role: str | None, username: str, role: str) -> Membership:
    """Add a new member; an existing member is refused (change their role instead)."""
    _require_manager(actor_role)
    if role not in Role.values:
        raise ValidationError({"role": f"Unknown role {role!r}."})
    _require_admin_for(actor_role, role)
    if Membership.objects.filter(project=project, user__username=username).exists():
        raise ValidationError({"username": f"{username} is already a member of this project."})
    return membership_set(project, username=username, role=role)


@transaction.atomic
def membership_change_role(
    project: Project, *, actor_role: str | None, membership: Membership, role: str
) -> Membership:
    _require_manager(actor_role)
    if role not in Role.values:
        raise ValidationError({"role": f"Unknown role {role!r}."})
    Project.objects.select_for_update().filter(pk=project.pk).first()
    membership = Membership.objects.select_for_update().get(pk=membership.pk)
    _require_admin_for(actor_role, role, membership.role)
    if membership.role == role:
        return membership
    _keeps_a_manager(project, membership, role)
    membership.role = role
    membership.save(update_fields=["role"])
    return membership


@transaction.atomic
def membership_delete(project: Project, *, actor_role: str | None, membership: Membership) -> None:
    _require_manager(actor_role)
    _require_admin_for(actor_role, membership.role)
    Project.objects.select_for_update().filter(pk=project.pk).first()
    _keeps_a_manager(project, membership, None)
    membership.delete()
