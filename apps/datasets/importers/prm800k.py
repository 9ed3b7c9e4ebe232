"""PRM800K rows (openai/prm800k): one labeller's step ratings of one solution to a MATH problem.

The solution path is built step by step from ``label.steps``:

- ``chosen_completion`` set: that completion's ``text`` and ``rating``;
- else ``human_completion`` set (phase 1, a step the labeller wrote): its text (a string, or an
  object's ``text``) with its ``rating`` when it has one, else 1 (the labeller's own step is
  taken as correct, as TRL's PRM800K converter does);
- else the labeller stopped here (e.g. phase 2 after the first -1): the path ends with this
  step's first completion and its rating, or before the step when it has no completions.

The item is the solution the labeller was shown: ``question.pre_generated_steps`` when the path is
that solution or a prefix of it (phase 2, where labellers stop at the first error: the steps after
it get null ratings, so every labeller of one solution lands on the same item however far they
read), else the path itself (phase 1, where the labeller picked alternatives or wrote steps). The
prompt is ``question.problem``. Its ratings become a label of the external annotator
``prm800k-<labeler>``, so imported labels count in agreement like any other.

Label fields: ``step_ratings`` from the path; ``finish_reason`` from ``label.finish_reason``
(``solution`` becomes ``solution_complete``; found_error, bad_problem, give_up stay); ``active_ms``
from ``label.total_time`` (milliseconds); ``final_answer_correct`` from the rating of the path's
``# Answer`` step (PRM800K's last step holds the final answer: 1 is true, -1 false, else null).
Our own extension key ``platform`` (written by our PRM800K export, absent from OpenAI's files)
carries ``step_notes``, ``final_answer_correct``, ``rationale`` and ``flags`` back in.

Nothing is lost for a round trip: the ``question`` object is kept in
``Item.metadata["prm800k_question"]`` and the rest of the row (``label`` with every alternative
completion, ``flagged`` marks and human completions, ``labeler``, ``timestamp``, ``generation``, the
quality-control and screening flags, ``finish_reason``, ``total_time``) in
``Label.metadata["prm800k"]``. Needs a step-marking project.
"""
from apps.datasets.models import ImportFormat
from apps.datasets.steps import join_steps

from . import fields
from .rows import LineError, ParsedLabel, ParsedResponse, ParsedRow

ANNOTATOR_PREFIX = "prm800k-"
RATINGS = (-1, 0, 1, None)
# PRM800K's finish reasons and ours (FinishReason values).
FINISH_REASONS = {"found_error": "found_error", "solution": "solution_complete", "bad_problem": "bad_problem",
                  "give_up": "give_up"}
EXTENSION = "platform"
NOTE_FIELDS = ("category", "comment", "correction")
ANSWER_MARK = "# Answer"
MAX_MS = 2**31 - 1


def _rating(value, path: str) -> int | None:
    if isinstance(value, bool) or value not in RATINGS:
        raise fields.wrong_type(path, "-1, 0, 1 or null", value)
    return value


def _completion(completions: list, index: int, path: str) -> tuple[str, int | None]:
    where = f"{path}.completions[{index}]"
    completion = fields.as_dict(completions[index], where)
    text = fields.text(fields.required(completion, "text", f"{where}.text"), f"{where}.text")
    return text, _rating(completion.get("rating"), f"{where}.rating")


def solution_path(steps: list) -> tuple[list[str], list[int | None]]:
    """The texts and ratings of the solution the labeller followed (rules in the module docstring)."""
    texts, ratings = [], []
    for i, step in enumerate(steps):
        path = f"label.steps[{i}]"
        fields.as_dict(step, path)
        completions = fields.as_list(step.get("completions") or [], f"{path}.completions")
        chosen, human = step.get("chosen_completion"), step.get("human_completion")
        if chosen is not None:
            index = fields.as_int(chosen, f"{path}.chosen_completion")
            if not 0 <= index < len(completions):
                raise LineError(f"wrong type: '{path}.chosen_completion' is {index} but the step has "
                                f"{len(completions)} completions")
            text, rating = _completion(completions, index, path)
        elif human is not None:
            if isinstance(human, dict):
                text = fields.text(fields.required(human, "text", f"{path}.human_completion.text"),
                                   f"{path}.human_completion.text")
                rating = 1 if human.get("rating") is None else _rating(human["rating"], f"{path}.human_completion.rating")
            else:
                text, rating = fields.text(human, f"{path}.human_completion"), 1
        elif completions:
            text, rating = _completion(completions, 0, path)
            texts.append(text)
            ratings.append(rating)
            break
        else:
            break
        texts.append(text)
        ratings.append(rating)
    return texts, ratings


def _finish_reason(label: dict) -> str:
    value = label.get("finish_reason")
    if value is None:
        return ""
    if value not in FINISH_REASONS:
        raise LineError(f"wrong type: 'label.finish_reason' must be one of {', '.join(FINISH_REASONS)}, got {value!r}")
    return FINISH_REASONS[value]


def _total_time(label: dict) -> int | None:
    value = label.get("total_time")
    if value is None:
        return None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    value = fields.as_int(value, "label.total_time")
    if value < 0:
        raise LineError(f"out of scale: 'label.total_time' is {value}; a time in milliseconds is not negative")
    return value if value <= MAX_MS else None


def _item_steps(question: dict, texts: list[str]) -> list[str]:
    """The pre-generated solution when the path is it or a prefix of it, else the path."""
    pre = question.get("pre_generated_steps")
    if not isinstance(pre, list) or not pre or not all(isinstance(step, str) and step.strip() for step in pre):
        return texts
    pre = [step.strip() for step in pre]
    if len(texts) > len(pre) or pre[:len(texts)] != texts:
        return texts
    return [fields.text(step, f"question.pre_generated_steps[{i}]") for i, step in enumerate(pre)]


def _answer_verdict(texts: list[str], ratings: list) -> bool | None:
    if texts and ANSWER_MARK in texts[-1] and ratings[-1] in (1, -1):
        return ratings[-1] == 1
    return None


def _notes(value, count: int) -> list:
    path = f"{EXTENSION}.step_notes"
    fields.as_list(value, path)
    if len(value) != count:
        raise LineError(f"wrong type: '{path}' must hold one note (or null) per step ({count}), got {len(value)}")
    notes = []
    for i, note in enumerate(value):
        if note is None:
            notes.append(None)
            continue
        fields.as_dict(note, f"{path}[{i}]")
        unknown = sorted(set(note) - set(NOTE_FIELDS))
        if unknown:
            raise LineError(f"unknown field '{unknown[0]}' in '{path}[{i}]'; allowed: {', '.join(NOTE_FIELDS)}")
        cleaned = {}
        for key in NOTE_FIELDS:
            text = note.get(key) or ""
            if not isinstance(text, str):
                raise fields.wrong_type(f"{path}[{i}].{key}", "a string", text)
            cleaned[key] = text.strip()
        notes.append(cleaned if any(cleaned.values()) else None)
    return notes


def _extension(obj: dict, count: int) -> dict:
    """Our own fields, from the ``platform`` object our export writes."""
    value = obj.get(EXTENSION)
    if value is None:
        return {}
    fields.as_dict(value, EXTENSION)
    found = {}
    if value.get("step_notes") is not None:
        found["step_notes"] = _notes(value["step_notes"], count)
    if "final_answer_correct" in value:  # null too: the annotator did not say
        verdict = value["final_answer_correct"]
        found["final_answer_correct"] = None if verdict is None else fields.as_bool(
            verdict, f"{EXTENSION}.final_answer_correct")
    found["rationale"] = fields.optional_text(value, "rationale", f"{EXTENSION}.rationale")
    flags = fields.as_list(value.get("flags") or [], f"{EXTENSION}.flags")
    found["flags"] = [fields.text(flag, f"{EXTENSION}.flags[{i}]", limit=50) for i, flag in enumerate(flags)]
    return found


def parse_row(obj: dict, line: int) -> ParsedRow:
    question = fields.as_dict(fields.required(obj, "question"), "question")
    problem = fields.text(fields.required(question, "problem", "question.problem"), "question.problem")
    label = fields.as_dict(fields.required(obj, "label"), "label")
    steps = fields.as_list(fields.required(label, "steps", "label.steps"), "label.steps", min_items=1)
    labeler = fields.text(fields.required(obj, "labeler"), "labeler")
    annotator = fields.annotator_name(ANNOTATOR_PREFIX + labeler, "labeler")
    texts, ratings = solution_path(steps)
    if not texts:
        raise LineError("empty text in 'label.steps': the first step has no chosen, human or rated completion")
    item_steps = _item_steps(question, texts)
    ratings = ratings + [None] * (len(item_steps) - len(ratings))
    extension = _extension(obj, len(item_steps))
    return ParsedRow(
        line=line,
        source=ImportFormat.PRM800K,
        messages=[{"role": "user", "content": problem}],
        responses=[ParsedResponse(text=fields.text(join_steps(item_steps), "label.steps"), steps=item_steps)],
        labels=[ParsedLabel(
            annotator=annotator,
            steps=ratings,
            metadata={"prm800k": {key: value for key, value in obj.items() if key != "question"}},
            step_notes=extension.get("step_notes"),
            final_answer_correct=extension.get("final_answer_correct", _answer_verdict(texts, ratings[:len(texts)])),
            finish_reason=_finish_reason(label),
            active_ms=_total_time(label),
            rationale=extension.get("rationale", ""),
            flags=extension.get("flags", []),
        )],
        metadata={"prm800k_question": question},
        needs_steps_project=True,
    )
