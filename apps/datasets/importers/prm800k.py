"""PRM800K rows (openai/prm800k): one labeller's step ratings of one solution to a MATH problem.

The solution path is built step by step from ``label.steps``:

- ``chosen_completion`` set: that completion's ``text`` and ``rating``;
- else ``human_completion`` set (phase 1, a step the labeller wrote): its text (a string, or an
  object's ``text``) with its ``rating`` when it has one, else 1 (the labeller's own step is
  taken as correct, as TRL's PRM800K converter does);
- else the labeller stopped here (e.g. phase 2 after the first -1): the path ends with this
  step's first completion and its rating, or before the step when it has no completions.

The path becomes one step item (prompt = ``question.problem``); its ratings become a label of the
external annotator ``prm800k-<labeler>``. Several labellers of the same problem and path land on
the same item. Nothing is lost for a round trip: the ``question`` object is kept in
``Item.metadata["prm800k_question"]`` and the rest of the row (``label`` with every alternative
completion, ``labeler``, ``timestamp``, ``generation``, the quality-control and screening flags,
``finish_reason``, ``total_time``) in ``Label.metadata["prm800k"]``. Needs a step-marking project.
"""
from apps.datasets.models import ImportFormat
from apps.datasets.steps import join_steps

from . import fields
from .rows import LineError, ParsedLabel, ParsedResponse, ParsedRow

ANNOTATOR_PREFIX = "prm800k-"
RATINGS = (-1, 0, 1, None)


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
    return ParsedRow(
        line=line,
        source=ImportFormat.PRM800K,
        messages=[{"role": "user", "content": problem}],
        responses=[ParsedResponse(text=fields.text(join_steps(texts), "label.steps"), steps=texts)],
        labels=[ParsedLabel(
            annotator=annotator,
            steps=ratings,
            metadata={"prm800k": {key: value for key, value in obj.items() if key != "question"}},
        )],
        metadata={"prm800k_question": question},
        needs_steps_project=True,
    )
