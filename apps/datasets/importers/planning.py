"""Turning a parsed row into the items it makes in a project, by the project's task type.

- pairwise: pairs of the row's responses, by the rule in ``pairing.py``;
- ranking: one item with all the row's responses (2 to 8);
- steps: one item per response, its steps from the file or split by the project's
  ``step_split`` (``apps/datasets/steps.py``).

Every label and gold answer is checked against the project (scale, ties, rubric, step counts) and
put in the item's canonical response order: its preference or ranks, and its rubric scores (one per
response, so a pair of responses i and j gets scores ``[i, j]`` and a step item of response i gets
``[i]``). Nothing here touches the database.
"""
from dataclasses import dataclass, field

from apps.datasets.hashing import item_hash, prompt_hash, response_hash
from apps.datasets.models import ImportFormat, ItemKind
from apps.datasets.steps import split_steps
from apps.projects.models import TaskType

from .label_rules import ProjectRules, check_preference, check_ranks, check_scores, check_step_marks
from .pairing import pair_indices, preference_from_ranks
from .rows import LineError, ParsedLabel, ParsedRow

MAX_RANKING_RESPONSES = 8


@dataclass
class PlannedResponse:
    text: str
    model: str
    steps: list[str] | None
    metadata: dict
    content_hash: str


@dataclass
class PlannedLabel:
    annotator: str
    preference: int | None = None
    ranks: list[int] | None = None
    step_ratings: list | None = None
    scores: dict = field(default_factory=dict)
    rationale: str = ""
    flags: list = field(default_factory=list)
    metadata: dict = field(default_factory=dict)
    step_notes: list | None = None
    final_answer_correct: bool | None = None
    finish_reason: str = ""
    active_ms: int | None = None


@dataclass
class PlannedItem:
    line: int
    kind: str
    messages: list[dict]
    prompt_hash: str
    responses: list[PlannedResponse]
    content_hash: str
    external_id: str = ""
    gold_answer: dict | None = None
    reference: dict | None = None
    priority: float = 0.0
    metadata: dict = field(default_factory=dict)
    labels: list[PlannedLabel] = field(default_factory=list)


def _scores_of(source: ParsedLabel, positions: list[int]) -> dict[str, list[int | None]]:
    """The label's rubric scores for the item made of the row's responses at ``positions``, in that order."""
    return {key: [values[p] for p in positions] for key, values in source.scores.items()}


def _label(source: ParsedLabel, positions: list[int], **values) -> PlannedLabel:
    return PlannedLabel(
        annotator=source.annotator, scores=_scores_of(source, positions), rationale=source.rationale,
        flags=source.flags, metadata=source.metadata, active_ms=source.active_ms, **values,
    )


def _gold_answer(source: ParsedLabel, positions: list[int], **values) -> dict:
    answer = {key: value for key, value in values.items() if value is not None}
    if source.scores:
        answer["scores"] = _scores_of(source, positions)
    if source.rationale:
        answer["rationale"] = source.rationale
    return answer


def _judgements(row: ParsedRow) -> list[tuple[str, ParsedLabel]]:
    """The row's gold answer and labels, each with the path that names it in error reasons."""
    found = [("gold", row.gold)] if row.gold is not None else []
    return found + [(f"labels[{i}]", label) for i, label in enumerate(row.labels)]


class RowPlanner:
    def __init__(self, rules: ProjectRules):
        self.rules = rules

    def plan(self, row: ParsedRow) -> tuple[list[PlannedItem], list[str]]:
        """The row's items and the warnings it raised; LineError when it cannot be imported."""
        if row.needs_steps_project and self.rules.task_type != TaskType.STEPS:
            raise LineError(f"{ImportFormat(row.source).label} rows need a step-marking project; "
                            f"this project is {self.rules.task_label}")
        for path, judgement in _judgements(row):
            check_scores(judgement.scores, self.rules, f"{path}.scores")
        prompt = prompt_hash(row.messages)
        if self.rules.task_type == TaskType.STEPS:
            return self._steps(row, prompt), []
        self._no_steps(row)
        responses = [
            PlannedResponse(r.text, r.model, None, r.metadata, response_hash(r.text)) for r in row.responses
        ]
        if len(responses) < 2:
            raise LineError(f"missing field 'responses': a {self.rules.task_label} project needs at least 2 "
                            f"responses per row, got {len(responses)}")
        if self.rules.task_type == TaskType.RANKING:
            return [self._ranking(row, prompt, responses)], []
        return self._pairs(row, prompt, responses)

    def _item(self, row: ParsedRow, kind: str, prompt: str, responses: list[PlannedResponse], positions: list[int],
              external_id: str, gold_answer: dict | None, labels: list[PlannedLabel]) -> PlannedItem:
        return PlannedItem(
            line=row.line,
            kind=kind,
            messages=row.messages,
            prompt_hash=prompt,
            responses=responses,
            content_hash=item_hash(kind, prompt, [r.content_hash for r in responses]),
            external_id=external_id,
            gold_answer=gold_answer,
            reference=self._reference(row, positions),
            priority=row.priority,
            metadata=row.metadata,
            labels=labels,
        )

    @staticmethod
    def _reference(row: ParsedRow, positions: list[int]) -> dict | None:
        reference = dict(row.reference)
        if row.preferred is not None:
            if len(positions) == 1:
                reference["preferred"] = positions[0] == row.preferred
            elif row.preferred in positions:
                reference["preferred_position"] = positions.index(row.preferred)
        per_response = [row.responses[p].reference for p in positions]
        if any(r is not None for r in per_response):
            reference["responses"] = per_response
        return reference or None

    @staticmethod
    def _no_steps(row: ParsedRow) -> None:
        for i, response in enumerate(row.responses):
            if response.steps is not None:
                raise LineError(f"steps data in a non-step project: 'responses[{i}].steps' needs a "
                                "step-marking project")
        for path, judgement in _judgements(row):
            if judgement.steps is not None:
                raise LineError(f"steps data in a non-step project: '{path}.steps' needs a step-marking project")

    # -- pairwise ---------------------------------------------------------------------------------

    def _pairs(self, row, prompt, responses) -> tuple[list[PlannedItem], list[str]]:
        k = len(responses)
        for path, judgement in _judgements(row):
            if judgement.preference is not None:
                if k != 2:
                    raise LineError(f"wrong type: '{path}.preference' fits a row of 2 responses; this row has {k}, "
                                    "give 'ranks'")
                check_preference(judgement.preference, self.rules, f"{path}.preference")
            else:
                check_ranks(judgement.ranks, k, self.rules, f"{path}.ranks")
        pairs = pair_indices(k)
        items, warnings = [], []
        for first, second in pairs:
            if responses[first].content_hash == responses[second].content_hash:
                warnings.append(f"responses {first + 1} and {second + 1} are identical; that pair is skipped")
                continue
            values = {}
            for path, judgement in _judgements(row):
                preference = judgement.preference
                if preference is None:
                    preference = preference_from_ranks(judgement.ranks, first, second)
                    if preference == 0 and not self.rules.has_tie:
                        raise LineError(f"out of scale: '{path}.ranks' ties responses {first + 1} and {second + 1}, "
                                        "but the project's preference scale has no tie")
                values[path] = preference
            positions = [first, second]
            gold = _gold_answer(row.gold, positions, preference=values["gold"]) if row.gold else None
            labels = [_label(label, positions, preference=values[f"labels[{i}]"]) for i, label in enumerate(row.labels)]
            external_id = row.external_id
            if external_id and len(pairs) > 1:
                external_id = f"{external_id}#{first + 1}-{second + 1}"
            items.append(self._item(row, ItemKind.PAIR, prompt, [responses[first], responses[second]],
                                    positions, external_id, gold, labels))
        return items, warnings

    # -- ranking ----------------------------------------------------------------------------------

    def _ranking(self, row, prompt, responses) -> PlannedItem:
        k = len(responses)
        if k > MAX_RANKING_RESPONSES:
            raise LineError(f"too many responses: a ranking item holds at most {MAX_RANKING_RESPONSES}, "
                            f"this row has {k}")
        first_seen = {}
        for i, response in enumerate(responses):
            if response.content_hash in first_seen:
                raise LineError(f"responses {first_seen[response.content_hash] + 1} and {i + 1} are identical; "
                                "a ranking item needs different responses")
            first_seen[response.content_hash] = i
        ranks = {}
        for path, judgement in _judgements(row):
            if judgement.preference is not None:
                if k != 2:
                    raise LineError(f"wrong type: '{path}.preference' fits a row of 2 responses; this row has {k}, "
                                    "give 'ranks'")
                preference = judgement.preference
                ranks[path] = check_ranks([1 if preference >= 0 else 2, 1 if preference <= 0 else 2], 2, self.rules,
                                          f"{path}.preference")
            else:
                ranks[path] = check_ranks(judgement.ranks, k, self.rules, f"{path}.ranks")
        positions = list(range(k))
        gold = _gold_answer(row.gold, positions, ranks=ranks["gold"]) if row.gold else None
        labels = [_label(label, positions, ranks=ranks[f"labels[{i}]"]) for i, label in enumerate(row.labels)]
        return self._item(row, ItemKind.RANKING, prompt, responses, positions, row.external_id, gold, labels)

    # -- steps ------------------------------------------------------------------------------------

    def _steps(self, row: ParsedRow, prompt: str) -> list[PlannedItem]:
        k = len(row.responses)
        marks = {}
        for path, judgement in _judgements(row):
            if judgement.steps is None:
                given = "preference" if judgement.preference is not None else "ranks"
                if judgement.preference is None and judgement.ranks is None:
                    raise LineError(f"missing field '{path}.steps': a step-marking project needs step marks")
                raise LineError(f"wrong type: a step-marking project takes step marks ('{path}.steps'), "
                                f"not '{given}'")
            if any(isinstance(entry, list) for entry in judgement.steps):
                if len(judgement.steps) != k:
                    raise LineError(f"wrong type: '{path}.steps' must hold one list of marks per response ({k}), "
                                    f"got {len(judgement.steps)}")
                marks[path] = judgement.steps
            elif k == 1:
                marks[path] = [judgement.steps]
            else:
                raise LineError(f"wrong type: '{path}.steps' must hold one list of marks (or null) per response "
                                f"for a row of {k} responses")
        items = []
        for r, source in enumerate(row.responses):
            steps = source.steps or split_steps(source.text, self.rules.step_split)
            response = PlannedResponse(source.text, source.model, steps, source.metadata,
                                       response_hash(source.text, steps))
            gold, labels = None, []
            for path, judgement in _judgements(row):
                response_marks = marks[path][r]
                if response_marks is None:
                    continue
                check_step_marks(response_marks, len(steps), f"{path}.steps", r)
                if judgement is row.gold:
                    gold = _gold_answer(judgement, [r], steps=response_marks)
                else:
                    notes = judgement.step_notes if k == 1 and judgement.step_notes is not None else [None] * len(steps)
                    if len(notes) != len(steps):
                        raise LineError(f"wrong type: '{path}.step_notes' has {len(notes)} notes but the solution "
                                        f"has {len(steps)} step{'s' if len(steps) != 1 else ''}")
                    labels.append(_label(judgement, [r], step_ratings=response_marks, step_notes=notes,
                                         final_answer_correct=judgement.final_answer_correct,
                                         finish_reason=judgement.finish_reason))
            external_id = f"{row.external_id}#{r + 1}" if row.external_id and k > 1 else row.external_id
            items.append(self._item(row, ItemKind.STEPS, prompt, [response], [r], external_id, gold, labels))
        return items
