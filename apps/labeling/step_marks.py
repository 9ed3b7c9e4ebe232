"""Step marking rules: which steps need a rating, the first wrong step, error notes, how a pass ends.

Plain functions over plain data (the project is read for its settings only): no queries here.

- A step is rated 1 (correct and useful), 0 (neutral: correct but not progressing, or ambiguous)
  or -1 (wrong); null is "not rated".
- The first wrong step is the first one rated -1 (0-based index; None when no step is wrong).
- Required steps: every step; in a "stop at first error" project only the steps up to and
  including the first wrong one, and the steps after it are stored null (their notes too). A pass
  that ends as ``bad_problem`` or ``give_up`` needs no step rated.
- A wrong step needs an error category from the project's taxonomy; any rated step may carry a
  comment and a suggested corrected step. Only a wrong step takes a category.
- The final answer question follows the project's ``final_answer`` setting; when required it is
  not asked of a pass that ends as ``bad_problem`` or ``give_up``, nor after the first error in a
  "stop at first error" project (the annotator stopped reading there).
- ``finish_reason`` left empty becomes ``found_error`` when a step is wrong, else
  ``solution_complete``; ``found_error`` needs a wrong step.
"""
from dataclasses import dataclass

from .models import FinishReason

RATINGS = (1, 0, -1)
NOTE_FIELDS = ("category", "comment", "correction")
MAX_NOTE_CHARS = 5000
WITHOUT_STEPS = (FinishReason.BAD_PROBLEM, FinishReason.GIVE_UP)


def first_wrong(ratings: list | None) -> int | None:
    """0-based index of the first step rated -1, or None."""
    return next((i for i, v in enumerate(ratings or []) if v == -1), None)


def required_steps(ratings: list, *, stop_at_first_error: bool) -> int:
    """How many leading steps need a rating: all of them, or up to the first wrong one when marking stops there."""
    wrong = first_wrong(ratings)
    if stop_at_first_error and wrong is not None:
        return wrong + 1
    return len(ratings)


@dataclass
class StepMarks:
    step_ratings: list
    step_notes: list
    final_answer_correct: bool | None
    finish_reason: str


def _is_rating(value) -> bool:
    return value is None or (not isinstance(value, bool) and value in RATINGS)


def _note(value, number: int, errors: dict) -> dict | None:
    """A note as stored: all three keys, strings; None when empty."""
    if value is None:
        return None
    if not isinstance(value, dict) or set(value) - set(NOTE_FIELDS):
        errors["step_notes"] = f"Step {number}: a note holds only {', '.join(NOTE_FIELDS)}."
        return None
    note = {}
    for key in NOTE_FIELDS:
        text = value.get(key)
        if text is None:
            text = ""
        if not isinstance(text, str):
            errors["step_notes"] = f"Step {number}: the note's {key} must be text."
            return None
        text = text.strip()
        if len(text) > MAX_NOTE_CHARS:
            errors["step_notes"] = f"Step {number}: keep the {key} under {MAX_NOTE_CHARS} characters."
        note[key] = text
    return note if any(note.values()) else None


def check_steps(*, ratings, notes, final_answer_correct, finish_reason, step_count: int, project,
                errors: dict) -> StepMarks | None:
    """Validate a step submission against the project; messages go into ``errors`` (field → text)."""
    finish_reason = finish_reason or ""
    if finish_reason not in ("", *FinishReason.values):
        errors["finish_reason"] = f"A finish reason is one of {', '.join(FinishReason.values)}."
        return None
    if not isinstance(ratings, list) or len(ratings) != step_count:
        errors["step_ratings"] = f"Rate each of the {step_count} steps."
        return None
    if not all(_is_rating(v) for v in ratings):
        errors["step_ratings"] = "A step rating is 1 (correct), 0 (neutral) or -1 (wrong)."
        return None
    if notes is None:
        notes = [None] * step_count
    if not isinstance(notes, list) or len(notes) != step_count:
        errors["step_notes"] = f"Give one note (or null) per step: {step_count}."
        return None

    stop = bool(project.stop_at_first_error)
    ratings = list(ratings)
    cleaned = [_note(note, i + 1, errors) for i, note in enumerate(notes)]
    wrong = first_wrong(ratings)
    needed = required_steps(ratings, stop_at_first_error=stop)
    if stop and wrong is not None:
        ratings[needed:] = [None] * (step_count - needed)
        cleaned[needed:] = [None] * (step_count - needed)

    if finish_reason not in WITHOUT_STEPS:
        missing = [i + 1 for i in range(needed) if ratings[i] is None]
        if missing:
            errors["step_ratings"] = (
                "Rate every step" + (" up to the first wrong one." if stop else ".")
                + f" Not rated yet: step {', '.join(map(str, missing[:10]))}."
            )
    if finish_reason == FinishReason.FOUND_ERROR and wrong is None:
        errors["finish_reason"] = "“Found an error” needs a step marked wrong (−1)."

    categories = list(project.error_categories or [])
    for i, note in enumerate(cleaned):
        category = note["category"] if note else ""
        if ratings[i] == -1 and not category:
            errors["step_notes"] = f"Step {i + 1} is marked wrong: choose its error category."
        elif category and ratings[i] != -1:
            errors["step_notes"] = f"Step {i + 1} is not marked wrong: only a wrong step takes an error category."
        elif category and category not in categories:
            errors["step_notes"] = f"Step {i + 1}: “{category}” is not one of this project's error categories."
        if "step_notes" in errors:
            break

    mode = getattr(project, "final_answer", "required")
    if final_answer_correct is not None and not isinstance(final_answer_correct, bool):
        errors["final_answer_correct"] = "Say whether the final answer is correct: true or false."
    elif mode == "off" and final_answer_correct is not None:
        errors["final_answer_correct"] = "This project does not ask whether the final answer is correct."
    elif (mode == "required" and final_answer_correct is None and finish_reason not in WITHOUT_STEPS
          and not (stop and wrong is not None)):
        errors["final_answer_correct"] = "Say whether the final answer is correct."

    if not finish_reason:
        finish_reason = FinishReason.FOUND_ERROR if wrong is not None else FinishReason.SOLUTION_COMPLETE
    return StepMarks(ratings, cleaned, final_answer_correct, str(finish_reason))
