"""Checks of label values against a project: its preference scale, rank ties, rubric and overlap."""
from dataclasses import dataclass

from apps.projects.models import Project, RubricVersion, TaskType

from .rows import LineError


@dataclass(frozen=True)
class ProjectRules:
    task_type: str
    preference_values: tuple[int, ...]
    allow_rank_ties: bool
    step_split: str
    overlap: int
    dimensions: dict[str, tuple[int, int]]

    @classmethod
    def of(cls, project: Project, rubric: RubricVersion | None) -> "ProjectRules":
        dimensions = {d.key: (d.scale_min, d.scale_max) for d in rubric.dimensions.all()} if rubric else {}
        return cls(
            task_type=project.task_type,
            preference_values=tuple(project.preference_values),
            allow_rank_ties=project.allow_rank_ties,
            step_split=project.step_split,
            overlap=project.overlap,
            dimensions=dimensions,
        )

    @property
    def task_label(self) -> str:
        return TaskType(self.task_type).label.lower()

    @property
    def has_tie(self) -> bool:
        return 0 in self.preference_values


def check_preference(value: int, rules: ProjectRules, path: str) -> int:
    if value not in rules.preference_values:
        allowed = ", ".join(str(v) for v in rules.preference_values)
        raise LineError(f"out of scale: '{path}' is {value}; the project's preference scale allows {allowed}")
    return value


def check_ranks(ranks: list[int], k: int, rules: ProjectRules, path: str) -> list[int]:
    if len(ranks) != k:
        raise LineError(f"wrong type: '{path}' must hold one rank per response ({k}), got {len(ranks)}")
    for i, rank in enumerate(ranks):
        if not 1 <= rank <= k:
            raise LineError(f"out of scale: '{path}[{i}]' is {rank}; ranks run from 1 (best) to {k}")
    if len(set(ranks)) < k:
        if not rules.allow_rank_ties:
            raise LineError(f"out of scale: '{path}' gives two responses the same rank, "
                            "but the project does not allow tied ranks")
        if 1 not in ranks:
            raise LineError(f"out of scale: '{path}' has no rank 1; the best response is rank 1")
    return ranks


def check_scores(scores: dict[str, list[int | None]], rules: ProjectRules, path: str) -> dict[str, list[int | None]]:
    """Rubric scores (key -> one score or None per response): known keys, scores on the dimension's scale."""
    for key, values in scores.items():
        if key not in rules.dimensions:
            known = ", ".join(sorted(rules.dimensions)) or "no dimensions"
            raise LineError(f"unknown rubric key '{key}' in '{path}'; the project's rubric has {known}")
        low, high = rules.dimensions[key]
        for i, score in enumerate(values):
            if score is not None and not low <= score <= high:
                raise LineError(f"out of scale: '{path}.{key}[{i}]' is {score}; the dimension's scale is {low}..{high}")
    return scores


def check_step_marks(marks: list, steps: int, path: str, response: int) -> list:
    if len(marks) != steps:
        raise LineError(f"wrong type: '{path}' has {len(marks)} step marks but response {response + 1} "
                        f"has {steps} step{'s' if steps != 1 else ''}")
    return marks
