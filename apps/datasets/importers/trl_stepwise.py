"""TRL stepwise supervision rows: ``{"prompt", "completions": [step, ...], "labels": [bool, ...]}``.

The completions are the steps of one solution (its text is the steps joined by newlines, TRL's
default separator). The labels become one external annotator's step marks: true -> 1,
false -> -1. The annotator is the row's optional ``annotator`` field, else ``trl-stepwise``.
Optional ``id`` is the external id. Needs a step-marking project.
"""
from apps.datasets.models import ImportFormat
from apps.datasets.steps import join_steps

from . import fields
from .rows import LineError, ParsedLabel, ParsedResponse, ParsedRow

DEFAULT_ANNOTATOR = "trl-stepwise"


def parse_row(obj: dict, line: int) -> ParsedRow:
    messages = fields.messages(fields.required(obj, "prompt"), "prompt")
    completions = fields.as_list(fields.required(obj, "completions"), "completions", min_items=1)
    steps = [fields.text(step, f"completions[{i}]") for i, step in enumerate(completions)]
    labels = fields.as_list(fields.required(obj, "labels"), "labels")
    if len(labels) != len(steps):
        raise LineError(f"wrong type: 'labels' must hold one label per completion ({len(steps)}), got {len(labels)}")
    ratings = [1 if fields.as_bool(value, f"labels[{i}]") else -1 for i, value in enumerate(labels)]
    annotator = DEFAULT_ANNOTATOR
    if obj.get("annotator") is not None:
        annotator = fields.annotator_name(obj["annotator"], "annotator")
    return ParsedRow(
        line=line,
        source=ImportFormat.TRL_STEPWISE,
        messages=messages,
        responses=[ParsedResponse(text=fields.text(join_steps(steps), "completions"), steps=steps)],
        external_id=fields.external_id(obj),
        labels=[ParsedLabel(annotator=annotator, steps=ratings)],
        needs_steps_project=True,
    )
