from django import forms
from django.core.exceptions import ValidationError

from apps.accounts.models import Role

from .models import DEFAULT_ERROR_CATEGORIES, FinalAnswerMode, Project
from .services import PROJECT_FIELDS, SCALE_LIMITS, SETTING_LIMITS, DimensionSpec


def add_service_errors(form: forms.BaseForm, error: ValidationError) -> None:
    """Put a service's ValidationError next to the fields it names (or at the top of the form)."""
    if hasattr(error, "error_dict"):
        for field, messages in error.message_dict.items():
            form.add_error(field if field in form.fields else None, messages)
    else:
        form.add_error(None, error.messages)


class LinesField(forms.CharField):
    """A list of names edited as a textarea, one per line."""

    widget = forms.Textarea(attrs={"rows": 6})

    def prepare_value(self, value):
        return "\n".join(value) if isinstance(value, (list, tuple)) else value

    def to_python(self, value):
        text = super().to_python(value) or ""
        return [line.strip() for line in text.splitlines() if line.strip()]


class ProjectForm(forms.ModelForm):
    error_categories = LinesField(
        required=False, label="Error categories",
        initial="\n".join(DEFAULT_ERROR_CATEGORIES),
        help_text="One per line, in the order of the picker's keys 1, 2, 3, …; a step marked wrong (−1) needs "
                  "one of these. Left empty: the default list.",
    )
    ranking_k = forms.IntegerField(
        label="Responses per ranking item (K)", min_value=SETTING_LIMITS["ranking_k"][0],
        max_value=SETTING_LIMITS["ranking_k"][1], initial=4, help_text="3 to 8; used by ranking projects only.",
    )
    overlap = forms.IntegerField(
        min_value=SETTING_LIMITS["overlap"][0], max_value=SETTING_LIMITS["overlap"][1], initial=3,
        help_text="Labels wanted per item, from different annotators (1 to 50).",
    )
    gold_rate = forms.FloatField(
        min_value=SETTING_LIMITS["gold_rate"][0], max_value=SETTING_LIMITS["gold_rate"][1], initial=0.05,
        widget=forms.NumberInput(attrs={"step": "0.01"}),
        help_text="Share of gold items mixed into each annotator's queue (0 to 1).",
    )
    lease_minutes = forms.IntegerField(
        min_value=SETTING_LIMITS["lease_minutes"][0], max_value=SETTING_LIMITS["lease_minutes"][1], initial=30,
        help_text="How long an annotator holds an item before it returns to the queue (1 minute to 7 days).",
    )

    final_answer = forms.ChoiceField(
        choices=FinalAnswerMode.choices, required=False, label="Ask whether the final answer is correct",
        help_text="Step marking: annotators say whether the solution's final answer is correct.",
    )

    def clean_final_answer(self):
        # Left out (a form posted by a script from before this setting): keep what the project has.
        return self.cleaned_data.get("final_answer") or self.instance.final_answer or FinalAnswerMode.REQUIRED

    class Meta:
        model = Project
        fields = list(PROJECT_FIELDS)
        labels = {
            "randomize_sides": "Randomise the order responses are shown in",
            "allow_rank_ties": "Allow ties in rankings",
            "rationale": "Rationale",
            "step_split": "Step split rule",
            "stop_at_first_error": "Stop step marking at the first error",
            "final_answer": "Ask whether the final answer is correct",
            "trl_neutral_correct": "TRL stepwise export: count neutral (0) steps as correct (true)",
        }
        widgets = {"description": forms.Textarea(attrs={"rows": 3})}


class RubricForm(forms.Form):
    guidelines = forms.CharField(
        required=False, strip=False, widget=forms.Textarea(attrs={"rows": 14}),
        help_text="Markdown. Shown to annotators above every item.",
    )
    note = forms.CharField(
        max_length=200, required=False, label="What changed",
        help_text="Kept with the new version, e.g. “clarified ties”.",
    )


def anchors_to_text(anchors: dict) -> str:
    return "\n".join(f"{point}: {text}" for point, text in sorted((anchors or {}).items(), key=lambda kv: int(kv[0])))


class DimensionForm(forms.Form):
    key = forms.SlugField(max_length=50, help_text="Short id used in exports, e.g. “accuracy”.")
    name = forms.CharField(max_length=100)
    description = forms.CharField(required=False, strip=False, widget=forms.Textarea(attrs={"rows": 2}))
    scale_min = forms.IntegerField(min_value=SCALE_LIMITS[0], max_value=SCALE_LIMITS[1], initial=1, label="Scale from")
    scale_max = forms.IntegerField(min_value=SCALE_LIMITS[0], max_value=SCALE_LIMITS[1], initial=5, label="to")
    anchors = forms.CharField(
        required=False, widget=forms.Textarea(attrs={"rows": 3}), label="Anchor texts",
        help_text="One per line, point then text: “1: Mostly false”.",
    )

    def clean(self):
        data = super().clean()
        low, high = data.get("scale_min"), data.get("scale_max")
        if low is not None and high is not None and low >= high:
            self.add_error("scale_max", "The top of the scale must be above its bottom.")
            return data
        if "anchors" in data:
            data["anchors"] = self._parse_anchors(data["anchors"], low, high)
        return data

    def _parse_anchors(self, text: str, low: int | None, high: int | None) -> dict[str, str]:
        anchors, errors = {}, []
        for number, line in enumerate(text.splitlines(), start=1):
            if not line.strip():
                continue
            point, sep, anchor = line.partition(":")
            try:
                point = int(point.strip())
            except ValueError:
                errors.append(f"Line {number}: start with a scale point and a colon, e.g. “1: Poor”.")
                continue
            if not sep or not anchor.strip():
                errors.append(f"Line {number}: no text after “{point}:”.")
            elif low is not None and high is not None and not low <= point <= high:
                errors.append(f"Line {number}: {point} is not a point of the scale {low} to {high}.")
            elif str(point) in anchors:
                errors.append(f"Line {number}: point {point} has two anchors.")
            else:
                anchors[str(point)] = anchor.strip()
        if errors:
            self.add_error("anchors", errors)
        return anchors

    def to_spec(self) -> DimensionSpec:
        d = self.cleaned_data
        return DimensionSpec(d["key"], d["name"], d["description"], d["scale_min"], d["scale_max"], d["anchors"])

    @staticmethod
    def initial_for(spec: DimensionSpec) -> dict:
        return {
            "key": spec.key, "name": spec.name, "description": spec.description, "scale_min": spec.scale_min,
            "scale_max": spec.scale_max, "anchors": anchors_to_text(spec.anchors),
        }


class BaseDimensionFormSet(forms.BaseFormSet):
    def add_fields(self, form, index):
        super().add_fields(form, index)
        form.fields["ORDER"].label = "Position"
        form.fields["ORDER"].help_text = "Dimensions are shown in this order."
        form.fields["DELETE"].label = "Remove this dimension"

    def clean(self):
        # A POST without the management form (a hand-made request) has no forms to order: the formset's
        # non_form_errors already say so.
        if any(self.errors) or not self.management_form.is_valid():
            return
        seen = set()
        for form in self.ordered_forms:
            key = form.cleaned_data["key"]
            if key in seen:
                form.add_error("key", f"Another dimension already uses the key “{key}”.")
                raise ValidationError("Each rubric dimension needs its own key.")
            seen.add(key)

    def specs(self) -> list[DimensionSpec]:
        return [form.to_spec() for form in self.ordered_forms]


DimensionFormSet = forms.formset_factory(
    DimensionForm, formset=BaseDimensionFormSet, extra=1, can_order=True, can_delete=True,
    max_num=30, validate_max=True,
)
DIMENSION_PREFIX = "dims"


def role_choices(actor_role: str) -> list[tuple[str, str]]:
    """The roles this member may hand out: only an admin grants the admin role."""
    return [(value, label) for value, label in Role.choices if value != Role.ADMIN or actor_role == Role.ADMIN]


class MemberAddForm(forms.Form):
    username = forms.CharField(max_length=150)
    role = forms.ChoiceField(choices=Role.choices, initial=Role.ANNOTATOR)

    def __init__(self, *args, actor_role: str, **kwargs):
        super().__init__(*args, **kwargs)
        # Every role is a valid value (the service refuses what the actor may not grant, with a 403);
        # the select offers only what they may.
        self.fields["role"].widget.choices = role_choices(actor_role)


class MemberRoleForm(forms.Form):
    role = forms.ChoiceField(choices=Role.choices)

    def __init__(self, *args, actor_role: str, **kwargs):
        super().__init__(*args, **kwargs)
        # Every role is a valid value (the service refuses what the actor may not grant, with a 403);
        # the select offers only what they may.
        self.fields["role"].widget.choices = role_choices(actor_role)
