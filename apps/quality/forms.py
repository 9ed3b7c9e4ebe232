"""The adjudication form: the labelling form's fields in CANONICAL order (shown order = 1, 2, …), plus a note.

It parses only; whether the judgement fits the item, scale and rubric is decided by
``adjudication.adjudicate``. Field names are those of ``labeling.forms.LabelForm`` (``preference``,
``rank-<i>``, ``step-<i>``, ``score-<key>-<i>``, ``flags``) with ``note`` for the lead's reason.
"""
from dataclasses import dataclass

from django import forms

from apps.labeling.forms import LabelForm

from .adjudication import MAX_NOTE, PREFERENCE_TEXT

PREFERENCE_TITLES = {
    2: "Response 1 is much better", 1: "Response 1 is better", 0: "Neither is better",
    -1: "Response 2 is better", -2: "Response 2 is much better",
}


@dataclass
class PreferenceChoice:
    value: int
    text: str
    title: str
    checked: bool


class AdjudicationForm(LabelForm):
    note = forms.CharField(
        required=False, strip=True, max_length=MAX_NOTE, widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"max_length": f"Keep the note under {MAX_NOTE} characters."},
    )

    def __init__(self, data=None, **kwargs):
        super().__init__(data, **kwargs)
        self.fields.pop("rationale", None)  # the lead's reason is the note
        self.fields.pop("active_ms", None)

    def canonical_preferences(self) -> list[PreferenceChoice]:
        """The project's preference scale in canonical terms (1 = the first canonical response)."""
        current = self.value("preference")
        return [PreferenceChoice(v, PREFERENCE_TEXT[v], PREFERENCE_TITLES[v], current == str(v))
                for v in sorted(self.project.preference_values, reverse=True)]

    def canonical_ranks(self) -> list[tuple[int, str, str]]:
        """(response number, field name, current rank as text) per canonical response."""
        return [(i + 1, f"rank-{i}", self.value(f"rank-{i}")) for i in range(self.count)]

    @property
    def note_value(self) -> str:
        return self.value("note")
