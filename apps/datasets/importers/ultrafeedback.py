"""UltraFeedback rows: one ``instruction`` with several ``completions`` from different models.

Each completion becomes a response (its ``model`` kept as the model name). The GPT-4 ratings are
not labels: each completion's ``annotations`` ratings ("1".."5" strings; "N/A" is missing,
stored as null), ``overall_score``, ``fine-grained_score`` and ``principle`` are kept as a hidden
reference in ``Item.reference["responses"]`` (in the item's response order), and the row's
``source``, ``correct_answers`` and ``incorrect_answers`` in ``Item.reference`` too.
"""
from apps.datasets.models import ImportFormat

from . import fields
from .rows import LineError, ParsedResponse, ParsedRow

RATINGS = {"1", "2", "3", "4", "5"}


def _rating(value, path: str) -> int | None:
    if value is None or value == "N/A":
        return None
    if isinstance(value, str) and value.strip() in RATINGS:
        return int(value)
    if isinstance(value, int) and not isinstance(value, bool) and 1 <= value <= 5:
        return value
    raise LineError(f"wrong type: '{path}' must be '1'..'5' or 'N/A', got {value!r}")


def _optional_number(obj: dict, key: str, path: str) -> float | None:
    value = obj.get(key)
    return None if value is None else fields.as_number(value, path)


def _completion(value, path: str) -> ParsedResponse:
    fields.as_dict(value, path)
    text = fields.text(fields.required(value, "response", f"{path}.response"), f"{path}.response")
    model = fields.optional_text(value, "model", f"{path}.model", limit=fields.MODEL_NAME_MAX)
    annotations = fields.as_dict(value.get("annotations") or {}, f"{path}.annotations")
    ratings = {}
    for aspect, annotation in annotations.items():
        where = f"{path}.annotations.{aspect}"
        fields.as_dict(annotation, where)
        ratings[aspect] = _rating(annotation.get("Rating"), f"{where}.Rating")
    principle = value.get("principle")
    return ParsedResponse(
        text=text,
        model=model,
        reference={
            "model": model,
            "principle": principle if isinstance(principle, str) else "",
            "ratings": ratings,
            "overall_score": _optional_number(value, "overall_score", f"{path}.overall_score"),
            "fine_grained_score": _optional_number(value, "fine-grained_score", f"{path}.fine-grained_score"),
        },
    )


def parse_row(obj: dict, line: int) -> ParsedRow:
    instruction = fields.text(fields.required(obj, "instruction"), "instruction")
    completions = fields.as_list(fields.required(obj, "completions"), "completions", min_items=1)
    reference = {"source": ImportFormat.ULTRAFEEDBACK}
    if isinstance(obj.get("source"), str):
        reference["dataset"] = obj["source"]
    for key in ("correct_answers", "incorrect_answers"):
        if obj.get(key):
            reference[key] = fields.as_list(obj[key], key)
    return ParsedRow(
        line=line,
        source=ImportFormat.ULTRAFEEDBACK,
        messages=[{"role": "user", "content": instruction}],
        responses=[_completion(value, f"completions[{i}]") for i, value in enumerate(completions)],
        external_id=fields.external_id(obj),
        reference=reference,
    )
