"""Native JSONL: the platform's own format, one JSON object per line.

```
{"id": "q-17",
 "prompt": "text"  or  [{"role": "system"|"user"|"assistant", "content": "..."}, ...],
 "responses": ["text", ...]  or  [{"text": "...", "model": "name", "steps": ["step 1", ...]}, ...],
 "gold": {"preference": 1},
 "priority": 0.0,
 "metadata": {...},
 "labels": [{"annotator": "alice", "preference": 1, "scores": {"accuracy": [4, 2]},
             "rationale": "...", "flags": ["..."]}]}
```

Fields:

- ``prompt`` (required): a string, stored as one user message, or a list of chat messages
  (multi-turn conversations are kept as messages; only ``role`` and ``content`` are kept).
- ``responses`` (required): strings, or objects with ``text`` and optional ``model`` and
  ``steps``. A response object with ``steps`` but no ``text`` gets the steps joined by newlines
  as its text. Order matters: it is the order labels refer to.
- ``id`` (optional, string or number): the row's external id. Re-importing skips rows whose id,
  or else whose content, is already in the project. A row that becomes several items gives
  them the ids ``<id>#<i>-<j>`` (pairs of responses i and j, 1-based) or ``<id>#<i>`` (step
  items of response i).
- ``gold`` (optional): makes the row's items gold items; holds the expected answer in the label
  shape below, without ``annotator``.
- ``priority`` (optional number): higher is served first. ``metadata`` (optional object): kept
  as-is on each item.
- ``labels`` (optional): labels that already exist, one object per annotator. Each annotator
  becomes an external, inactive user named ``ext-<annotator>``.

Label shape, always in the file's response order:

- ``preference`` (pairs of 2 responses): -2..2, positive means the FIRST response is better;
  it must be on the project's scale (a binary project allows only -1 and 1).
- ``ranks`` (rankings, or pairs made from a longer row): the rank of each response, 1 = best;
  equal numbers are ties, allowed only where the project allows them.
- ``steps`` (step-marking projects): one of 1, 0, -1 or null per step of the response; for a
  row with several responses, one such list (or null) per response.
- ``scores`` (optional): rubric dimension key -> one score per response, in the file's
  response order (``{"accuracy": [4, 2]}``); ``null`` marks a response left unscored. Scores
  lie within the dimension's scale; keys are those of the project's current rubric only. A row
  with a single response may give the score bare (``{"accuracy": 4}``, stored as ``[4]``). When
  the row becomes several items, each item gets its own responses' scores: a pair made of
  responses i and j gets ``[score i, score j]``, a step item of response i gets ``[score i]``.
- ``rationale`` (optional string), ``flags`` (optional list of strings).

Texts are stored without surrounding whitespace; empty texts and texts over
``IMPORT_MAX_TEXT_CHARS`` are errors. Unknown fields are errors (put extra data under
``metadata``), so a misspelt field is not silently lost.
"""
from apps.datasets.models import ImportFormat
from apps.datasets.steps import join_steps

from . import fields
from .rows import LineError, ParsedLabel, ParsedResponse, ParsedRow

ROW_FIELDS = {"id", "prompt", "responses", "gold", "priority", "metadata", "labels"}
RESPONSE_FIELDS = {"text", "model", "steps"}
LABEL_FIELDS = {"annotator", "preference", "ranks", "steps", "scores", "rationale", "flags"}
STEP_RATINGS = (1, 0, -1, None)


def _unknown(obj: dict, allowed: set[str], where: str) -> None:
    extra = sorted(set(obj) - allowed)
    if extra:
        hint = " (put extra data under 'metadata')" if where == "" else ""
        place = f" in '{where}'" if where else ""
        raise LineError(f"unknown field '{extra[0]}'{place}{hint}; allowed: {', '.join(sorted(allowed))}")


def _response(value, path: str) -> ParsedResponse:
    if isinstance(value, str):
        return ParsedResponse(text=fields.text(value, path))
    fields.as_dict(value, path)
    _unknown(value, RESPONSE_FIELDS, path)
    steps = None
    if value.get("steps") is not None:
        raw = fields.as_list(value["steps"], f"{path}.steps", min_items=1)
        steps = [fields.text(step, f"{path}.steps[{i}]") for i, step in enumerate(raw)]
    if value.get("text") is None and steps is not None:
        text = fields.text(join_steps(steps), f"{path}.text")
    else:
        text = fields.text(fields.required(value, "text", f"{path}.text"), f"{path}.text")
    model = fields.optional_text(value, "model", f"{path}.model", limit=fields.MODEL_NAME_MAX)
    return ParsedResponse(text=text, model=model, steps=steps)


def _step_ratings(value, path: str) -> list:
    fields.as_list(value, path)
    for i, rating in enumerate(value):
        if isinstance(rating, bool) or rating not in STEP_RATINGS:
            raise fields.wrong_type(f"{path}[{i}]", "1, 0, -1 or null", rating)
    return list(value)


def _scores(value, path: str, responses: int) -> list[int | None]:
    """One dimension's scores: a list with one whole number (or null) per response, or, for a row of
    a single response, one bare number."""
    if responses == 1 and not isinstance(value, list):
        return [fields.as_int(value, path)]
    fields.as_list(value, path, what=f"a list of {responses} scores (one per response, null for none)")
    if len(value) != responses:
        raise LineError(f"wrong type: '{path}' must hold one score (or null) per response ({responses}), "
                        f"got {len(value)}")
    return [None if score is None else fields.as_int(score, f"{path}[{i}]") for i, score in enumerate(value)]


def parse_label(value, path: str, *, responses: int, gold: bool = False) -> ParsedLabel:
    """A label object (or a gold answer: the same without ``annotator``) of a row of ``responses``
    responses, checked for shape only."""
    fields.as_dict(value, path)
    _unknown(value, LABEL_FIELDS - {"annotator"} if gold else LABEL_FIELDS, path)
    label = ParsedLabel()
    if not gold:
        label.annotator = fields.annotator_name(fields.required(value, "annotator", f"{path}.annotator"),
                                                f"{path}.annotator")
    if value.get("preference") is not None:
        label.preference = fields.as_int(value["preference"], f"{path}.preference")
    if value.get("ranks") is not None:
        ranks = fields.as_list(value["ranks"], f"{path}.ranks", min_items=2)
        label.ranks = [fields.as_int(rank, f"{path}.ranks[{i}]") for i, rank in enumerate(ranks)]
    if value.get("steps") is not None:
        steps = fields.as_list(value["steps"], f"{path}.steps", min_items=1)
        if any(isinstance(entry, list) for entry in steps):  # one list per response
            label.steps = [
                None if entry is None else _step_ratings(entry, f"{path}.steps[{i}]") for i, entry in enumerate(steps)
            ]
        else:
            label.steps = _step_ratings(steps, f"{path}.steps")
    if label.preference is None and label.ranks is None and label.steps is None:
        raise LineError(f"missing field '{path}.preference' (or 'ranks' / 'steps'): the label holds no judgement")
    if label.preference is not None and label.ranks is not None:
        raise LineError(f"wrong type: '{path}' gives both 'preference' and 'ranks'; give one")
    if value.get("scores") is not None:
        scores = fields.as_dict(value["scores"], f"{path}.scores")
        label.scores = {str(key): _scores(score, f"{path}.scores.{key}", responses) for key, score in scores.items()}
    label.rationale = fields.optional_text(value, "rationale", f"{path}.rationale")
    if value.get("flags") is not None:
        flags = fields.as_list(value["flags"], f"{path}.flags")
        label.flags = [fields.text(flag, f"{path}.flags[{i}]", limit=200) for i, flag in enumerate(flags)]
    return label


def parse_row(obj: dict, line: int) -> ParsedRow:
    _unknown(obj, ROW_FIELDS, "")
    messages = fields.messages(fields.required(obj, "prompt"), "prompt")
    raw_responses = fields.as_list(fields.required(obj, "responses"), "responses", min_items=1)
    responses = [_response(value, f"responses[{i}]") for i, value in enumerate(raw_responses)]
    labels = [parse_label(value, f"labels[{i}]", responses=len(responses)) for i, value in enumerate(
        fields.as_list(obj.get("labels") or [], "labels")
    )]
    seen = set()
    for label in labels:
        if label.annotator in seen:
            raise LineError(f"annotator '{label.annotator}' appears twice in 'labels'")
        seen.add(label.annotator)
    return ParsedRow(
        line=line,
        source=ImportFormat.NATIVE,
        messages=messages,
        responses=responses,
        external_id=fields.external_id(obj),
        gold=parse_label(obj["gold"], "gold", responses=len(responses), gold=True) if obj.get("gold") is not None else None,
        labels=labels,
        metadata=fields.json_object(obj, "metadata"),
        priority=fields.priority(obj),
    )
