"""Rubric dimensions by version, cached in the process: a version never changes once written."""
from functools import lru_cache

from apps.projects.models import RubricDimension

from .judgements import DimensionRule


@lru_cache(maxsize=512)
def _rules(version_id: int) -> tuple[DimensionRule, ...]:
    return tuple(
        DimensionRule(d.key, d.name, d.scale_min, d.scale_max)
        for d in RubricDimension.objects.filter(rubric_version_id=version_id).order_by("position")
    )


def rubric_rules(version_id: int | None) -> list[DimensionRule]:
    return list(_rules(version_id)) if version_id else []
