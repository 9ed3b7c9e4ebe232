"""Writes the demo into the database: users, the two projects, memberships and items.

Idempotent: users and projects that exist are left as they are (a changed password stays
changed), memberships are set to their demo roles, and a project's demo file is imported only
when that exact file has not been imported into it before.
"""
import hashlib
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction

from apps.accounts.models import User
from apps.datasets.models import ImportBatch
from apps.datasets.services import import_file
from apps.projects.models import Project
from apps.projects.services import DimensionSpec, membership_set, project_create

from .projects import PROJECT_OWNER, PROJECTS, USERS
from .rows import DEMO_SEED, pairwise_rows, rows_to_jsonl, step_rows


@dataclass(frozen=True)
class SeededProject:
    project: Project
    created: bool
    imported: ImportBatch | None  # None when this file was already imported
    items: int
    gold_items: int


@dataclass(frozen=True)
class SeedReport:
    users_created: list[str]
    projects: list[SeededProject]


def _ensure_user(username: str, password: str, staff: bool) -> tuple[User, bool]:
    user = User.objects.filter(username=username).first()
    if user is not None:
        return user, False
    return User.objects.create_user(username=username, password=password, is_staff=staff, is_superuser=staff), True


def _ensure_project(spec: dict, owner: User) -> tuple[Project, bool]:
    project = Project.objects.filter(slug=spec["slug"]).first()
    if project is not None:
        return project, False
    dimensions = [DimensionSpec(**dimension) for dimension in spec["rubric"]]
    project = project_create(
        user=owner, name=spec["name"], slug=spec["slug"], description=spec["description"],
        guidelines=spec["guidelines"], dimensions=dimensions, **spec["settings"],
    )
    return project, True


def _ensure_items(project: Project, *, owner: User, filename: str, data: bytes) -> ImportBatch | None:
    digest = hashlib.sha256(data).hexdigest()
    if project.imports.filter(file_sha256=digest, status=ImportBatch.Status.ACCEPTED).exists():
        return None
    batch = import_file(project=project, user=owner, data=data, filename=filename, fmt="native")
    if batch.status != ImportBatch.Status.ACCEPTED:
        problems = "; ".join(f"line {e.get('line')}: {e.get('reason')}" for e in batch.errors[:5])
        raise ValidationError(f"The demo file for {project.slug} was rejected: {problems}")
    return batch


@transaction.atomic
def seed_demo(*, seed: int = DEMO_SEED) -> SeedReport:
    created_users = []
    for demo_user in USERS:
        _, created = _ensure_user(demo_user.username, demo_user.password, demo_user.staff)
        if created:
            created_users.append(demo_user.username)
    owner = User.objects.get(username=PROJECT_OWNER)
    rows = {"pairwise": pairwise_rows(seed), "steps": step_rows(seed)}
    seeded = []
    for key, spec in PROJECTS.items():
        project, created = _ensure_project(spec, owner)
        for demo_user in USERS:
            membership_set(project, username=demo_user.username, role=demo_user.role)
        batch = _ensure_items(project, owner=owner, filename=spec["filename"], data=rows_to_jsonl(rows[key]))
        items = project.items.all()
        seeded.append(SeededProject(project, created, batch, items.count(), items.filter(is_gold=True).count()))
    return SeedReport(created_users, seeded)
