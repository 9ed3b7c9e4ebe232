"""Step exports: one row per label of a step item. Three formats.

``step_labels`` (raw step labels JSONL): one row per label, every version unless ``current_only``.

| field | meaning |
| --- | --- |
| ``label_id``, ``item_id``, ``item_external_id``, ``is_gold`` | the label and the item it judges |
| ``annotator`` | username (``ext-<name>`` for imported labels, e.g. ``ext-prm800k-<labeler>``) |
| ``prompt`` | the question (the prompt's last user turn) |
| ``steps`` | the solution's steps, in order |
| ``step_ratings`` | 1 (correct), 0 (neutral), -1 (wrong) or null (not rated) per step |
| ``step_notes`` | per step: null or ``{"category", "comment", "correction"}`` |
| ``first_wrong_step`` | 0-based index of the first step rated -1; null when none is |
| ``final_answer_correct`` | true, false or null (not asked or not said) |
| ``finish_reason`` | found_error, solution_complete, bad_problem, give_up ("" when not recorded) |
| ``rationale``, ``flags``, ``active_ms``, ``source`` | as in the raw labels export |
| ``is_current``, ``version``, ``previous_id``, ``assignment_id``, ``created_at`` | version history, as there |

``trl_stepwise`` (TRL stepwise supervision): ``{"prompt": str, "completions": [str], "labels": [bool]}``,
one row per current label. ``prompt`` is the question's text; ``completions`` the steps up to the
first unrated one (in "stop at first error" projects: up to and including the first wrong step);
``labels`` one bool per completion: +1 is true, -1 is false, and neutral 0 is false by default (as
TRL's own PRM800K converter does, ``label = rating == 1``) or true with ``neutral=true`` (the
project's "count neutral as correct" setting is the default). A label with no rated first step
makes no row.

``prm800k`` (PRM800K JSONL, openai/prm800k's shape): one row per current label.
A label imported from PRM800K is written back exactly as it came (``Label.metadata["prm800k"]``
plus the item's ``question``), alternatives, human completions and flags included. Any other label
becomes ``{labeler, timestamp, generation: null, is_quality_control_question (the item is gold),
is_initial_screening_question: false, question, label: {steps, total_time, finish_reason}, platform}``:

- ``question``: the item's PRM800K question when it has one, else ``{"problem", "pre_generated_steps"}``;
- ``label.steps``: one per step, ``{"completions": [{"text", "rating", "flagged": null}],
  "human_completion": null, "chosen_completion": 0}``, up to the last rated step; when that step
  is rated -1 its ``chosen_completion`` is null, PRM800K phase 2's mark of where the labeller
  stopped. When the question's pre-generated steps are not the item's steps, every step is written
  (so the path, and with it the item, stays the same on re-import);
- ``total_time``: active time in ms; ``finish_reason``: ours, with ``solution_complete`` written
  as PRM800K's ``solution``;
- ``platform``: ``{"step_notes", "final_answer_correct", "rationale", "flags"}``, our fields that
  PRM800K has no place for; our importer reads them back, other readers ignore the key.

Re-importing a ``prm800k`` export gives the same items (problem and steps) and labels (ratings,
notes, final answer, finish reason, time).
"""
from collections.abc import Iterable, Iterator

from apps.datasets.selectors import StepExportItem

PRM800K_ORDER = ("labeler", "timestamp", "generation", "is_quality_control_question", "is_initial_screening_question",
                 "question", "label")
TO_PRM800K_FINISH = {"found_error": "found_error", "solution_complete": "solution", "bad_problem": "bad_problem",
                     "give_up": "give_up"}


def first_wrong(ratings: list | None) -> int | None:
    return next((i for i, v in enumerate(ratings or []) if v == -1), None)


def step_label_rows(items: Iterable[StepExportItem]) -> Iterator[dict]:
    for item in items:
        for label in item.labels:
            yield {
                "label_id": label["id"],
                "item_id": item.id,
                "item_external_id": item.external_id,
                "is_gold": item.is_gold,
                "annotator": label["annotator__username"],
                "prompt": item.prompt_text,
                "steps": item.steps,
                "step_ratings": label["step_ratings"],
                "step_notes": label["step_notes"],
                "first_wrong_step": first_wrong(label["step_ratings"]),
                "final_answer_correct": label["final_answer_correct"],
                "finish_reason": label["finish_reason"],
                "rationale": label["rationale"],
                "flags": label["flags"],
                "active_ms": label["active_ms"],
                "source": label["source"],
                "is_current": label["is_current"],
                "version": label["version"],
                "previous_id": label["previous_id"],
                "assignment_id": label["assignment_id"],
                "created_at": label["created_at"].isoformat(),
            }


def stepwise_rows(items: Iterable[StepExportItem], *, neutral_correct: bool) -> Iterator[dict]:
    for item in items:
        for label in item.labels:
            ratings = label["step_ratings"] or []
            rated = next((i for i, v in enumerate(ratings) if v is None), len(ratings))
            if rated == 0:
                continue
            yield {
                "prompt": item.prompt_text,
                "completions": item.steps[:rated],
                "labels": [r == 1 or (r == 0 and neutral_correct) for r in ratings[:rated]],
            }


def _ordered(row: dict) -> dict:
    known = {key: row[key] for key in PRM800K_ORDER if key in row}
    return {**known, **{key: value for key, value in row.items() if key not in known}}


def prm800k_row(item: StepExportItem, label: dict) -> dict:
    original = (label["metadata"] or {}).get("prm800k")
    question = item.metadata.get("prm800k_question")
    if label["source"] == "import" and isinstance(original, dict) and question is not None:
        return _ordered({**original, "question": question})
    if question is None:
        question = {"problem": item.prompt_text, "pre_generated_steps": item.steps}
    ratings = list(label["step_ratings"] or [None] * len(item.steps))
    pre = question.get("pre_generated_steps")
    whole = not isinstance(pre, list) or [str(s).strip() for s in pre] != item.steps
    last = max((i for i, v in enumerate(ratings) if v is not None), default=-1)
    count = len(item.steps) if whole or last < 0 else last + 1
    steps = []
    for i in range(count):
        stopped = not whole and i == count - 1 and ratings[i] == -1
        steps.append({"completions": [{"text": item.steps[i], "rating": ratings[i], "flagged": None}],
                      "human_completion": None, "chosen_completion": None if stopped else 0})
    return {
        "labeler": label["annotator__username"],
        "timestamp": label["created_at"].isoformat(),
        "generation": None,
        "is_quality_control_question": item.is_gold,
        "is_initial_screening_question": False,
        "question": question,
        "label": {"steps": steps, "total_time": label["active_ms"],
                  "finish_reason": TO_PRM800K_FINISH.get(label["finish_reason"])},
        "platform": {"step_notes": label["step_notes"], "final_answer_correct": label["final_answer_correct"],
                     "rationale": label["rationale"], "flags": label["flags"]},
    }


def prm800k_rows(items: Iterable[StepExportItem]) -> Iterator[dict]:
    for item in items:
        for label in item.labels:
            yield prm800k_row(item, label)
