"""What the labelling API reads and writes.

Everything an annotator sends or gets back is in the order the responses were SHOWN to them
(A, B, …): a preference of 1 means "A is better", ``scores`` lists run A, B, …, and a label read
back is turned into that same order, so what the API returns can be sent back as an edit. The
canonical order, gold status, hidden references and model names never reach the annotator.
"""
from django.utils import timezone
from rest_framework import serializers

from apps.accounts.serializers import FilterTextField, StrictSerializer
from apps.datasets.serializers import MessageSerializer

from . import judgements, selectors, step_marks
from .models import AssignmentStatus, FinishReason


class ShownResponseSerializer(serializers.Serializer):
    letter = serializers.CharField(help_text="A, B, … in the order shown.")
    text = serializers.CharField(source="response.text")
    steps = serializers.ListField(
        child=serializers.CharField(), source="response.steps", allow_null=True,
        help_text="The solution's steps (step-marking items only).",
    )


class ShownItemSerializer(serializers.Serializer):
    """An item as the annotator sees it; its responses in their shown order."""

    id = serializers.IntegerField(source="item.id")
    kind = serializers.CharField(source="item.kind")
    prompt = MessageSerializer(source="prompt.messages", many=True)
    responses = ShownResponseSerializer(many=True)


class StepRulesSerializer(serializers.Serializer):
    error_categories = serializers.ListField(
        child=serializers.CharField(), help_text="The error taxonomy: a step rated -1 needs one of these."
    )
    stop_at_first_error = serializers.BooleanField(
        help_text="Steps after the first -1 need no rating and are stored null."
    )
    final_answer = serializers.CharField(help_text="Whether final_answer_correct is off, optional or required.")


class AssignmentSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="assignment.pk")
    expires_at = serializers.DateTimeField(source="assignment.expires_at", help_text="When the lease runs out.")
    rubric_version = serializers.IntegerField(
        allow_null=True, help_text="Number of the rubric version to score against (GET …/rubric/versions/{number}/)."
    )
    item = ShownItemSerializer()
    step_rules = StepRulesSerializer(source="project", help_text="How step items are marked in this project.")


class StepNoteSerializer(StrictSerializer):
    """What an annotator says about one step besides its rating."""

    category = serializers.CharField(
        required=False, allow_blank=True, max_length=200,
        help_text="Error category from the project's taxonomy (GET the assignment: `error_categories`); a step "
                  "rated -1 needs one, other steps take none.",
    )
    comment = serializers.CharField(required=False, allow_blank=True, max_length=step_marks.MAX_NOTE_CHARS)
    correction = serializers.CharField(
        required=False, allow_blank=True, max_length=step_marks.MAX_NOTE_CHARS, help_text="A suggested corrected step.",
    )


class StepNoteOutputSerializer(serializers.Serializer):
    category = serializers.CharField(allow_blank=True)
    comment = serializers.CharField(allow_blank=True)
    correction = serializers.CharField(allow_blank=True)


class JudgementInputSerializer(StrictSerializer):
    """A label in shown order. Which fields are required depends on the item's kind and the rubric."""

    preference = serializers.IntegerField(
        required=False, allow_null=True, min_value=-2, max_value=2,
        help_text="Pairs: positive means A (shown first) is better; 2 much better, 1 better, 0 tie "
                  "(on the project's scale).",
    )
    ranks = serializers.ListField(
        child=serializers.IntegerField(min_value=1, max_value=8), required=False, allow_null=True, max_length=8,
        help_text="Rankings: the rank of each shown response, 1 = best.",
    )
    step_ratings = serializers.ListField(
        child=serializers.IntegerField(allow_null=True, min_value=-1, max_value=1), required=False, allow_null=True,
        max_length=10_000,
        help_text="Step items: 1 (correct), 0 (neutral), -1 (wrong) or null per step.",
    )
    scores = serializers.DictField(
        child=serializers.ListField(child=serializers.IntegerField(allow_null=True), max_length=8),
        required=False, help_text="Rubric dimension key → one score per shown response.",
    )
    step_notes = serializers.ListField(
        child=StepNoteSerializer(allow_null=True), required=False, allow_null=True, max_length=10_000,
        help_text="Step items: one entry per step, null or {category, comment, correction}.",
    )
    final_answer_correct = serializers.BooleanField(
        required=False, allow_null=True,
        help_text="Step items: whether the solution's final answer is correct (asked per the project's "
                  "`final_answer` setting).",
    )
    finish_reason = serializers.ChoiceField(
        choices=FinishReason.choices, required=False, allow_blank=True,
        help_text="Step items: how the pass ended. Left out: found_error when a step is rated -1, else "
                  "solution_complete. bad_problem and give_up need no step rated.",
    )
    rationale = serializers.CharField(
        required=False, allow_blank=True, max_length=judgements.MAX_RATIONALE, trim_whitespace=False,
    )
    flags = serializers.ListField(
        child=serializers.ChoiceField(choices=list(judgements.FLAGS.items())), required=False, max_length=10,
    )
    active_ms = serializers.IntegerField(
        required=False, allow_null=True, min_value=0, max_value=judgements.MAX_ACTIVE_MS,
        help_text="Active time on the item in milliseconds.",
    )

    def judgement(self) -> judgements.Judgement:
        data = dict(self.validated_data)
        if data.get("finish_reason") is None:
            data.pop("finish_reason", None)
        return judgements.Judgement(**data)


class SkipInputSerializer(StrictSerializer):
    reason = serializers.CharField(max_length=200, allow_blank=True, trim_whitespace=True)


class SkippedSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    status = serializers.ChoiceField(choices=AssignmentStatus.choices)
    skip_reason = serializers.CharField()
    finished_at = serializers.DateTimeField()


class LabelSerializer(serializers.Serializer):
    """One of the caller's labels, in the order its responses were shown to them."""

    id = serializers.IntegerField()
    item = serializers.IntegerField()
    assignment = serializers.IntegerField(allow_null=True)
    version = serializers.IntegerField(help_text="1 for the first submit; each edit adds a new version.")
    is_current = serializers.BooleanField()
    rubric_version = serializers.IntegerField(allow_null=True, help_text="Rubric version number.")
    preference = serializers.IntegerField(allow_null=True)
    ranks = serializers.ListField(child=serializers.IntegerField(), allow_null=True)
    step_ratings = serializers.ListField(child=serializers.IntegerField(allow_null=True), allow_null=True)
    step_notes = serializers.ListField(child=StepNoteOutputSerializer(allow_null=True), allow_null=True)
    first_wrong_step = serializers.IntegerField(
        allow_null=True, help_text="Step items: 0-based index of the first step rated -1; null when none is."
    )
    final_answer_correct = serializers.BooleanField(allow_null=True)
    finish_reason = serializers.CharField(allow_blank=True, help_text="Step items: " + ", ".join(FinishReason.values))
    scores = serializers.DictField(child=serializers.ListField(child=serializers.IntegerField(allow_null=True)))
    rationale = serializers.CharField(allow_blank=True)
    flags = serializers.ListField(child=serializers.CharField())
    active_ms = serializers.IntegerField(allow_null=True)
    created_at = serializers.DateTimeField()

    def label_data(self, label) -> dict:
        return {
            **selectors.shown_values(label),
            "first_wrong_step": label.first_wrong_step,
            "id": label.pk, "item": label.item_id, "assignment": label.assignment_id, "version": label.version,
            "is_current": label.is_current, "rubric_version": selectors.rubric_number(label.rubric_version_id),
            "active_ms": label.active_ms, "created_at": label.created_at,
        }

    def to_representation(self, label):
        return super().to_representation(self.label_data(label))


class LabelListSerializer(LabelSerializer):
    prompt = serializers.CharField(help_text="The question answered (the prompt's last user turn), shortened.")

    def label_data(self, label) -> dict:
        return {**super().label_data(label), "prompt": label.item.prompt.text[:200]}


class LabelDetailSerializer(LabelSerializer):
    shown_item = ShownItemSerializer(help_text="The item as it was shown when labelled.")
    history = LabelSerializer(many=True, help_text="The versions this one replaced, newest first.")

    def label_data(self, label) -> dict:
        return {
            **super().label_data(label),
            "shown_item": selectors.label_item_view(label),
            "history": selectors.label_history(label)[1:],
        }


# --- leads' and admins' views over the whole project: assignments (leases) and labels ------------------------

MAX_ID = 2**63 - 1
ASSIGNMENT_FILTER_STATUSES = [*AssignmentStatus.values, *selectors.LEASE_STATES]


class AssignmentQuerySerializer(serializers.Serializer):
    """Filters of the project's assignment list (query parameters)."""

    status = serializers.ChoiceField(
        choices=ASSIGNMENT_FILTER_STATUSES, required=False,
        help_text="A stored status, or live (open, lease still running) / lapsed (open, lease run out).",
    )
    annotator = FilterTextField(required=False, allow_blank=True, max_length=150, help_text="A username.")
    item = serializers.IntegerField(required=False, min_value=1, max_value=MAX_ID, help_text="An item id.")

    def filters(self) -> selectors.AssignmentFilters:
        data = self.validated_data
        return selectors.AssignmentFilters(status=data.get("status", ""), annotator=data.get("annotator", ""),
                                           item_id=data.get("item"))


class LeadAssignmentSerializer(serializers.Serializer):
    """An assignment as leads see it: who holds which item, and the lease."""

    id = serializers.IntegerField()
    item = serializers.IntegerField(source="item_id")
    annotator = serializers.CharField(source="annotator.username")
    status = serializers.ChoiceField(choices=AssignmentStatus.choices)
    lease_live = serializers.SerializerMethodField(
        help_text="Open with its lease still running: it holds one of the item's label slots."
    )
    created_at = serializers.DateTimeField()
    expires_at = serializers.DateTimeField(help_text="When the lease runs (or ran) out.")
    finished_at = serializers.DateTimeField(allow_null=True)
    skip_reason = serializers.CharField(allow_blank=True)
    label = serializers.SerializerMethodField(help_text="Id of the label submitted for it, if any.")

    def get_lease_live(self, assignment) -> bool:
        return assignment.status == AssignmentStatus.OPEN and assignment.expires_at > timezone.now()

    def get_label(self, assignment) -> int | None:
        label = getattr(assignment, "label", None)  # the reverse one-to-one raises an AttributeError when absent
        return label.pk if label is not None else None


class LabelQuerySerializer(serializers.Serializer):
    """Filters of the project's label list (query parameters)."""

    annotator = FilterTextField(required=False, allow_blank=True, max_length=150, help_text="A username.")
    item = serializers.IntegerField(required=False, min_value=1, max_value=MAX_ID, help_text="An item id.")
    versions = serializers.ChoiceField(
        choices=[("current", "current labels only"), ("all", "also the versions edits replaced")],
        required=False, default="current",
    )
    created_after = serializers.DateTimeField(required=False, help_text="Created at or after (ISO 8601).")
    created_before = serializers.DateTimeField(required=False, help_text="Created before (ISO 8601).")

    def filters(self) -> selectors.LabelFilters:
        data = self.validated_data
        return selectors.LabelFilters(
            annotator=data.get("annotator", ""), item_id=data.get("item"), all_versions=data["versions"] == "all",
            created_after=data.get("created_after"), created_before=data.get("created_before"),
        )


class MyLabelQuerySerializer(LabelQuerySerializer):
    """Filters of the caller's own label list (query parameters): those of the project's label list but the
    annotator, who is always the caller."""

    annotator = None


class ProjectLabelSerializer(serializers.Serializer):
    """A label as stored: values in the item's CANONICAL response order (not the order its annotator saw)."""

    id = serializers.IntegerField()
    item = serializers.IntegerField(source="item_id")
    annotator = serializers.CharField(source="annotator.username")
    assignment = serializers.IntegerField(source="assignment_id", allow_null=True)
    version = serializers.IntegerField()
    is_current = serializers.BooleanField()
    previous = serializers.IntegerField(source="previous_id", allow_null=True,
                                        help_text="The version this one replaced.")
    rubric_version = serializers.IntegerField(source="rubric_version.number", allow_null=True, default=None)
    preference = serializers.IntegerField(allow_null=True)
    ranks = serializers.ListField(child=serializers.IntegerField(), allow_null=True)
    step_ratings = serializers.ListField(child=serializers.IntegerField(allow_null=True), allow_null=True)
    step_notes = serializers.ListField(child=StepNoteOutputSerializer(allow_null=True), allow_null=True)
    final_answer_correct = serializers.BooleanField(allow_null=True)
    finish_reason = serializers.CharField(allow_blank=True)
    scores = serializers.DictField(child=serializers.ListField(child=serializers.IntegerField(allow_null=True)))
    rationale = serializers.CharField(allow_blank=True)
    flags = serializers.ListField(child=serializers.CharField())
    source = serializers.CharField()
    active_ms = serializers.IntegerField(allow_null=True)
    created_at = serializers.DateTimeField()
