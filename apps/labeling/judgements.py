"""What an annotator submits, checked against the project and its rubric, and turned from the
order the responses were shown in into the item's canonical order.

Plain functions over plain data: no queries here.
"""
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError

from . import step_marks

FLAGS = {
    "unsafe": "Unsafe content",
    "both_unacceptable": "Both unacceptable",
    "cannot_judge": "Cannot judge",
}
MAX_RATIONALE = 5000
MAX_ACTIVE_MS = 24 * 3600 * 1000


@dataclass
class Judgement:
    """A submission in SHOWN order: ``preference`` positive means the response shown first (A) is
    better; ``ranks`` and each ``scores`` list follow the shown order too."""

    preference: int | None = None
    ranks: list[int] | None = None
    step_ratings: list[int | None] | None = None
    scores: dict[str, list[int | None]] = field(default_factory=dict)
    rationale: str = ""
    flags: list[str] = field(default_factory=list)
    active_ms: int | None = None
    step_notes: list[dict | None] | None = None
    final_answer_correct: bool | None = None
    finish_reason: str = ""


@dataclass
class Canonical:
    preference: int | None
    ranks: list[int] | None
    step_ratings: list[int | None] | None
    scores: dict[str, list[int | None]]
    rationale: str
    flags: list[str]
    active_ms: int | None
    step_notes: list[dict | None] | None = None
    final_answer_correct: bool | None = None
    finish_reason: str = ""


@dataclass(frozen=True)
class DimensionRule:
    key: str
    name: str
    scale_min: int
    scale_max: int


def to_canonical(values: list, shown_order: list[int]) -> list:
    """Values given per shown position → values per canonical position."""
    canonical = [None] * len(shown_order)
    for shown_position, canonical_position in enumerate(shown_order):
        canonical[canonical_position] = values[shown_position]
    return canonical


def to_shown(values: list, shown_order: list[int]) -> list:
    """Values per canonical position → values per shown position."""
    return [values[canonical_position] for canonical_position in shown_order]


def preference_to_canonical(preference: int, shown_order: list[int]) -> int:
    """A positive preference means "the first shown is better"; flip it when the first shown is canonical 1."""
    return preference if shown_order[0] == 0 else -preference


def _int(value, what: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValidationError({what: f"{what} must be a whole number."})
    return value


def check(
    judgement: Judgement, *, kind: str, shown_order: list[int], step_count: int, project, dimensions: list[DimensionRule],
) -> Canonical:
    """Validate a submission against the project's settings and rubric; return it in canonical order."""
    errors: dict[str, str] = {}
    n = len(shown_order)
    preference = ranks = step_ratings = None

    if kind == "pair":
        if judgement.preference is None:
            errors["preference"] = "Choose which response is better."
        else:
            value = _int(judgement.preference, "preference")
            if value not in project.preference_values:
                allowed = ", ".join(str(v) for v in project.preference_values)
                errors["preference"] = f"Preference must be one of {allowed} on this project's scale."
            else:
                preference = preference_to_canonical(value, shown_order)
    elif kind == "ranking":
        given = judgement.ranks
        if not isinstance(given, list) or len(given) != n:
            errors["ranks"] = f"Give a rank to each of the {n} responses."
        else:
            values = [_int(v, "ranks") for v in given]
            if any(not 1 <= v <= n for v in values):
                errors["ranks"] = f"Ranks run from 1 (best) to {n}."
            elif not project.allow_rank_ties and sorted(values) != list(range(1, n + 1)):
                errors["ranks"] = "Each response needs its own rank: this project does not allow ties."
            else:
                ranks = to_canonical(values, shown_order)
    elif kind == "steps":
        marks = step_marks.check_steps(
            ratings=judgement.step_ratings, notes=judgement.step_notes,
            final_answer_correct=judgement.final_answer_correct, finish_reason=judgement.finish_reason,
            step_count=step_count, project=project, errors=errors,
        )
    if kind != "steps":
        given = {"step_notes": judgement.step_notes, "final_answer_correct": judgement.final_answer_correct,
                 "finish_reason": judgement.finish_reason}
        for name, value in given.items():
            if value not in (None, ""):
                errors[name] = f"{name} is for step-marking items only."

    scores: dict[str, list[int | None]] = {}
    by_key = {d.key: d for d in dimensions}
    unknown = set(judgement.scores or {}) - set(by_key)
    if unknown:
        errors["scores"] = f"Unknown rubric dimension {sorted(unknown)[0]!r}."
    else:
        for dimension in dimensions:
            values = (judgement.scores or {}).get(dimension.key)
            if not isinstance(values, list) or len(values) != n or any(v is None for v in values):
                errors["scores"] = f"Score “{dimension.name}” for each response."
                break
            values = [_int(v, "scores") for v in values]
            if any(not dimension.scale_min <= v <= dimension.scale_max for v in values):
                errors["scores"] = (
                    f"“{dimension.name}” runs from {dimension.scale_min} to {dimension.scale_max}."
                )
                break
            scores[dimension.key] = to_canonical(values, shown_order)

    rationale = (judgement.rationale or "").strip()
    if project.rationale == "required" and not rationale:
        errors["rationale"] = "This project asks for a rationale."
    elif len(rationale) > MAX_RATIONALE:
        errors["rationale"] = f"Keep the rationale under {MAX_RATIONALE} characters."

    flags = list(dict.fromkeys(judgement.flags or []))
    if any(flag not in FLAGS for flag in flags):
        errors["flags"] = f"Flags are {', '.join(FLAGS)}."

    active_ms = judgement.active_ms
    if active_ms is not None:
        active_ms = _int(active_ms, "active_ms")
        if not 0 <= active_ms <= MAX_ACTIVE_MS:
            errors["active_ms"] = "Active time must be between 0 and 24 hours."

    if errors:
        raise ValidationError(errors)
    if kind == "steps":
        return Canonical(None, None, marks.step_ratings, scores, rationale, flags, active_ms, marks.step_notes,
                         marks.final_answer_correct, marks.finish_reason)
    return Canonical(preference, ranks, step_ratings, scores, rationale, flags, active_ms)
