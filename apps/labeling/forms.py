"""The labelling form: what the workbench posts, parsed into a Judgement in SHOWN order.

The form only parses (numbers, known choices); whether the judgement is complete and fits the
project is decided by the services (``judgements.check``). Field names:

- ``preference``: shown terms, positive = the response shown first (A) is better;
- ``rank-<i>``: rank of the i-th shown response (1 = best);
- ``step-<i>``: 1, 0 or -1 for step i; ``note-<i>-category``, ``note-<i>-comment``,
  ``note-<i>-correction``: its error category (wrong steps), comment and suggested corrected step;
  ``final_answer_correct`` ("yes"/"no"), ``finish_reason``;
- ``score-<dimension key>-<i>``: the score of the i-th shown response;
- ``rationale``, ``flags`` (repeated), ``active_ms``.

The form also lays out the controls for the templates (which choice is checked, which digit picks
it), from the posted data when bound, else from the values of a stored label (``shown_values``).
"""
from dataclasses import dataclass, field
from itertools import pairwise

from django import forms
from django.core.exceptions import ValidationError

from apps.projects.models import RubricDimension

from .judgements import FLAGS, Judgement
from .models import FinishReason, Label
from .selectors import LETTERS, ItemView, shown_values
from .step_marks import first_wrong

PREFERENCE_OPTIONS = {
    "binary": [(1, "A", "A is better"), (-1, "B", "B is better")],
    "tie": [(1, "A", "A is better"), (0, "Tie", "Neither is better"), (-1, "B", "B is better")],
    "five": [
        (2, "A ≫ B", "A is much better"), (1, "A > B", "A is better"), (0, "Tie", "Neither is better"),
        (-1, "B > A", "B is better"), (-2, "B ≫ A", "B is much better"),
    ],
}
STEP_OPTIONS = [(1, "Correct", "+1"), (0, "Neutral", "0"), (-1, "Wrong", "−1")]


def parse_id(value) -> int | None:
    """A posted primary key, or None when it is missing or not a positive whole number."""
    try:
        number = int(str(value).strip())
    except (TypeError, ValueError):
        return None
    return number if 0 < number < 2**63 else None


def digit_keys(points: list[int]) -> list[str]:
    """The key that picks each scale point: the digit itself on a 0–9 scale, else its position (1 = lowest)."""
    if points and points[0] >= 0 and points[-1] <= 9:
        return [str(p) for p in points]
    return [str(i + 1) if i < 9 else "" for i in range(len(points))]


@dataclass
class Option:
    value: int
    label: str
    key: str
    checked: bool
    title: str = ""


@dataclass
class FlagOption:
    key: str
    label: str
    checked: bool


@dataclass
class ScoreCell:
    name: str
    letter: str
    options: list[Option]
    missing: bool


@dataclass
class ScoreRow:
    dimension: RubricDimension
    cells: list[ScoreCell]
    anchors: list[tuple[int, str, str]] = field(default_factory=list)  # (point, key, anchor text)


@dataclass
class RankRow:
    index: int
    letter: str
    name: str
    rank: int
    tied: bool


@dataclass
class StepRow:
    index: int
    number: int
    text: str
    name: str
    options: list[Option]
    categories: list[Option] = field(default_factory=list)
    comment: str = ""
    correction: str = ""
    rated: int | None = None

    @property
    def wrong(self) -> bool:
        return self.rated == -1

    @property
    def has_note(self) -> bool:
        return bool(self.comment or self.correction)


FINAL_ANSWER_CHOICES = [("yes", "Correct", "Y"), ("no", "Not correct", "N")]


class LabelForm(forms.Form):
    rationale = forms.CharField(required=False, strip=True)
    flags = forms.MultipleChoiceField(
        choices=list(FLAGS.items()), required=False,
        error_messages={"invalid_choice": "Flag “%(value)s” is not one of the choices."},
    )
    active_ms = forms.IntegerField(
        required=False, min_value=0,
        error_messages={"invalid": "Active time must be a whole number of milliseconds.",
                        "min_value": "Active time cannot be negative."},
    )

    def __init__(self, data=None, *, project, view: ItemView, dimensions: list[RubricDimension], initial_values=None):
        super().__init__(data)
        self.project, self.view, self.dimensions = project, view, dimensions
        self.kind = view.item.kind
        self.count = len(view.responses)
        self.values = self._field_values(initial_values or {}) if data is None else data
        self.judgement_errors: dict[str, list[str]] = {}
        if project.rationale == "off":
            del self.fields["rationale"]
        if self.kind == "pair":
            choices = [(value, label) for value, label, _ in PREFERENCE_OPTIONS[project.preference_scale]]
            self.fields["preference"] = self._choice("Preference", choices)
        elif self.kind == "ranking":
            for i, shown in enumerate(view.responses):
                self.fields[f"rank-{i}"] = self._choice(
                    f"Rank of {shown.letter}", [(r, str(r)) for r in range(1, self.count + 1)]
                )
        elif self.kind == "steps":
            categories = [(c, c) for c in project.error_categories or []]
            for i in range(len(view.steps)):
                self.fields[f"step-{i}"] = self._choice(f"Step {i + 1}", [(v, n) for v, n, _ in STEP_OPTIONS])
                self.fields[f"note-{i}-category"] = forms.ChoiceField(
                    label=f"Error category of step {i + 1}", choices=[("", "—"), *categories], required=False,
                    error_messages={"invalid_choice": f"Step {i + 1}: “%(value)s” is not one of the error categories."},
                )
                self.fields[f"note-{i}-comment"] = forms.CharField(required=False, strip=True)
                self.fields[f"note-{i}-correction"] = forms.CharField(required=False, strip=True)
            self.fields["final_answer_correct"] = forms.TypedChoiceField(
                choices=[("", "—"), ("yes", "Correct"), ("no", "Not correct")], required=False,
                coerce=lambda value: value == "yes", empty_value=None,
                error_messages={"invalid_choice": "The final answer is “yes” (correct) or “no”."},
            )
            self.fields["finish_reason"] = forms.ChoiceField(
                choices=[("", "—"), *FinishReason.choices], required=False,
                error_messages={"invalid_choice": "“%(value)s” is not a finish reason."},
            )
        for dimension in dimensions:
            for i, shown in enumerate(view.responses):
                self.fields[f"score-{dimension.key}-{i}"] = self._choice(
                    self._score_label(dimension, shown.letter), [(p, str(p)) for p in dimension.points]
                )

    @staticmethod
    def _choice(label: str, choices) -> forms.TypedChoiceField:
        return forms.TypedChoiceField(
            label=label, choices=[("", "—"), *choices], coerce=int, required=False, empty_value=None,
            error_messages={"invalid_choice": f"{label}: “%(value)s” is not one of the choices."},
        )

    def _score_label(self, dimension, letter: str) -> str:
        return dimension.name if self.count == 1 else f"{dimension.name}, response {letter}"

    def _field_values(self, values: dict) -> dict:
        """A stored label's values (shown order) → this form's field names → strings."""
        out: dict = {"rationale": values.get("rationale") or "", "flags": list(values.get("flags") or [])}
        if values.get("preference") is not None:
            out["preference"] = str(values["preference"])
        for prefix, listed in (("rank", values.get("ranks")), ("step", values.get("step_ratings"))):
            for i, value in enumerate(listed or []):
                out[f"{prefix}-{i}"] = "" if value is None else str(value)
        for i, note in enumerate(values.get("step_notes") or []):
            for key, text in (note or {}).items():
                out[f"note-{i}-{key}"] = text or ""
        if values.get("final_answer_correct") is not None:
            out["final_answer_correct"] = "yes" if values["final_answer_correct"] else "no"
        # Found an error / solution complete follow from the marks: an edit derives them again unless chosen.
        if values.get("finish_reason") in (FinishReason.BAD_PROBLEM, FinishReason.GIVE_UP):
            out["finish_reason"] = values["finish_reason"]
        for key, listed in (values.get("scores") or {}).items():
            for i, value in enumerate(listed or []):
                out[f"score-{key}-{i}"] = "" if value is None else str(value)
        return out

    def value(self, name: str) -> str:
        value = self.values.get(name, "")
        return "" if value is None else str(value)

    # ---- parsing ----
    def judgement(self) -> Judgement:
        """The cleaned input as a Judgement in shown order (call after ``is_valid``)."""
        data = self.cleaned_data
        ranks = None
        if self.kind == "ranking":
            ranks = [data.get(f"rank-{i}") for i in range(self.count)]
            ranks = None if any(r is None for r in ranks) else ranks
        step_ratings = step_notes = None
        if self.kind == "steps":
            count = len(self.view.steps)
            step_ratings = [data.get(f"step-{i}") for i in range(count)]
            step_notes = [
                {key: data.get(f"note-{i}-{key}") or "" for key in ("category", "comment", "correction")}
                for i in range(count)
            ]
            step_notes = [note if any(note.values()) else None for note in step_notes]
        return Judgement(
            step_notes=step_notes,
            final_answer_correct=data.get("final_answer_correct") if self.kind == "steps" else None,
            finish_reason=(data.get("finish_reason") or "") if self.kind == "steps" else "",
            preference=data.get("preference") if self.kind == "pair" else None,
            ranks=ranks,
            step_ratings=step_ratings,
            scores={d.key: [data.get(f"score-{d.key}-{i}") for i in range(self.count)] for d in self.dimensions},
            rationale=data.get("rationale") or "",
            flags=list(data.get("flags") or []),
            active_ms=data.get("active_ms"),
        )

    def add_judgement_errors(self, error: ValidationError) -> None:
        self.judgement_errors = error.message_dict if hasattr(error, "error_dict") else {"__all__": error.messages}

    @property
    def problems(self) -> list[str]:
        """Every message for the annotator, parse errors first."""
        messages = [m for errors in self.errors.values() for m in errors] if self.is_bound else []
        return messages + [m for errors in self.judgement_errors.values() for m in errors]

    def has_problem(self, key: str) -> bool:
        return key in self.judgement_errors or (self.is_bound and any(k.startswith(key) for k in self.errors))

    # ---- layout for the templates ----
    def preference_options(self) -> list[Option]:
        current = self.value("preference")
        return [
            Option(value, label, str(i + 1), current == str(value), title)
            for i, (value, label, title) in enumerate(PREFERENCE_OPTIONS[self.project.preference_scale])
        ]

    def score_rows(self) -> list[ScoreRow]:
        flag_missing = self.has_problem("scores")
        rows = []
        for dimension in self.dimensions:
            keys = digit_keys(dimension.points)
            cells = []
            for i, shown in enumerate(self.view.responses):
                name = f"score-{dimension.key}-{i}"
                current = self.value(name)
                options = [
                    Option(p, str(p), k, current == str(p), dimension.anchor_for(p))
                    for p, k in zip(dimension.points, keys)
                ]
                cells.append(ScoreCell(name, shown.letter, options, flag_missing and current == ""))
            anchors = [(p, k, dimension.anchor_for(p)) for p, k in zip(dimension.points, keys) if dimension.anchor_for(p)]
            rows.append(ScoreRow(dimension, cells, anchors))
        return rows

    def rank_rows(self) -> list[RankRow]:
        """The responses, best first, as the annotator ordered them (shown order until they do)."""
        rows = []
        for i, shown in enumerate(self.view.responses):
            try:
                rank = int(self.value(f"rank-{i}"))
            except ValueError:
                rank = i + 1
            rows.append(RankRow(i, shown.letter, f"rank-{i}", rank, False))
        rows.sort(key=lambda row: (row.rank, row.index))
        for before, row in pairwise(rows):
            row.tied = self.project.allow_rank_ties and row.rank == before.rank
        return rows

    def rank_choices(self) -> list[int]:
        return list(range(1, self.count + 1))

    def step_rows(self) -> list[StepRow]:
        rows = []
        for i, text in enumerate(self.view.steps):
            current = self.value(f"step-{i}")
            options = [
                Option(value, label, str(k + 1), current == str(value), sign)
                for k, (value, label, sign) in enumerate(STEP_OPTIONS)
            ]
            category = self.value(f"note-{i}-category")
            categories = [
                Option(name, name, str(k + 1) if k < 9 else "", category == name)
                for k, name in enumerate(self.project.error_categories or [])
            ]
            rated = int(current) if current in ("1", "0", "-1") else None
            rows.append(StepRow(i, i + 1, text, f"step-{i}", options, categories, self.value(f"note-{i}-comment"),
                                self.value(f"note-{i}-correction"), rated))
        return rows

    def first_wrong_step(self) -> int | None:
        """1-based number of the first step rated wrong in the form's values, or None."""
        index = first_wrong([row.rated for row in self.step_rows()])
        return None if index is None else index + 1

    def final_answer_options(self) -> list[Option]:
        current = self.value("final_answer_correct")
        return [Option(value, label, key, current == value) for value, label, key in FINAL_ANSWER_CHOICES]

    def finish_reason_options(self) -> list[Option]:
        current = self.value("finish_reason")
        return [Option(value, label, "", current == value) for value, label in FinishReason.choices]

    def flag_options(self) -> list[FlagOption]:
        chosen = self.values.getlist("flags") if hasattr(self.values, "getlist") else self.values.get("flags", [])
        labels = dict(FLAGS)
        if self.kind == "ranking":
            labels["both_unacceptable"] = "None acceptable"
        elif self.kind == "steps":
            del labels["both_unacceptable"]  # one solution: nothing to compare
        return [FlagOption(key, label, key in chosen) for key, label in labels.items()]

    @property
    def rationale_value(self) -> str:
        return self.value("rationale")

    @property
    def active_ms_value(self) -> str:
        """Echoed back on a re-render so the page's timer goes on from there; empty on a fresh form."""
        return self.value("active_ms") if self.is_bound else ""


@dataclass
class Guide:
    """The guidelines panel: the rubric version and each dimension with its anchored points."""

    version: object
    dimensions: list[tuple[RubricDimension, list[tuple[int, str]]]]


def guide_for(version, dimensions: list[RubricDimension]) -> Guide:
    return Guide(version, [(d, [(p, d.anchor_for(p)) for p in d.points if d.anchor_for(p)]) for d in dimensions])


def form_for_label(label: Label, *, project, view: ItemView, dimensions, data=None) -> LabelForm:
    """The form to edit a stored label, prefilled in the order its annotator saw."""
    return LabelForm(data, project=project, view=view, dimensions=dimensions, initial_values=shown_values(label))


def describe_answer(label: Label, project) -> str:
    """A stored label's answer in the terms its annotator saw: "A > B", "C > A = B", "steps ✓ ✓ ✗"."""
    values = shown_values(label)
    if values["preference"] is not None:
        labels = {value: text for value, text, _ in PREFERENCE_OPTIONS["five"]}
        return labels.get(values["preference"], str(values["preference"]))
    if values["ranks"]:
        order = sorted(range(len(values["ranks"])), key=lambda i: (values["ranks"][i], i))
        text = LETTERS[order[0]]
        for before, after in pairwise(order):
            text += (" = " if values["ranks"][after] == values["ranks"][before] else " > ") + LETTERS[after]
        return text
    if values["step_ratings"] is not None:
        marks = {1: "✓", 0: "○", -1: "✗", None: "·"}
        text = "steps " + " ".join(marks.get(v, "?") for v in values["step_ratings"])
        wrong = first_wrong(values["step_ratings"])
        if wrong is not None:
            text += f" · first wrong: step {wrong + 1}"
        if values.get("final_answer_correct") is not None:
            text += " · answer " + ("correct" if values["final_answer_correct"] else "wrong")
        return text
    return "—"


def seconds(active_ms: int | None) -> str:
    """Active time for people: "0.4 s", "12 s", "3 min 5 s"; "—" when not measured."""
    if active_ms is None:
        return "—"
    if active_ms < 10_000:
        return f"{active_ms / 1000:.1f} s"
    total = round(active_ms / 1000)
    return f"{total} s" if total < 60 else f"{total // 60} min {total % 60} s"
