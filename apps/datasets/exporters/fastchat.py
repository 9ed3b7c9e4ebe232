"""FastChat / Chatbot Arena battles: one row per current label of a pair item.

``{"question_id", "model_a", "model_b", "winner", "judge", "conversation_a", "conversation_b",
"turn", "anony", "tstamp"}``

- ``model_a`` / ``model_b``: the responses' model names in the order THIS label's annotator saw
  them (its shown order; imported labels, which have none, use the canonical order), so position
  bias can be measured; "unknown" for a response without a model name.
- ``winner``: "model_a" or "model_b" for the side preferred as shown, whatever the strength;
  "tie", or "tie (bothbad)" when the label is a tie flagged ``both_unacceptable``.
- ``judge``: the annotator's username. ``conversation_a`` / ``conversation_b``: the prompt's
  messages followed by ``{"role": "assistant", "content": <that response>}``. ``turn``: the
  number of user turns. ``anony``: true (annotators never see model names). ``tstamp``: when the
  label was stored, in Unix seconds. ``question_id``: the item's external id, or its id as a string.

Superseded label versions are not battles and are left out (the raw labels export has them).
"""
from collections.abc import Iterable, Iterator

from apps.datasets.selectors import ExportItem, ExportResponse

from .counts import ExportCounts

UNKNOWN_MODEL = "unknown"
BOTH_BAD_FLAG = "both_unacceptable"


def _conversation(messages: list[dict], response: ExportResponse) -> list[dict]:
    return [{"role": m["role"], "content": m["content"]} for m in messages] + [
        {"role": "assistant", "content": response.text}
    ]


def _winner(shown_preference: int, flags: list[str]) -> str:
    if shown_preference > 0:
        return "model_a"
    if shown_preference < 0:
        return "model_b"
    return "tie (bothbad)" if BOTH_BAD_FLAG in (flags or []) else "tie"


def battle_rows(items: Iterable[ExportItem], *, counts: ExportCounts) -> Iterator[dict]:
    for item in items:
        turn = sum(1 for m in item.messages if m["role"] == "user")
        for label in item.labels:
            if label["preference"] is None:
                continue
            order = label["shown_order"] or [0, 1]
            a, b = item.responses[order[0]], item.responses[order[1]]
            shown_preference = label["preference"] if order[0] == 0 else -label["preference"]
            yield {
                "question_id": item.question_id,
                "model_a": a.model or UNKNOWN_MODEL,
                "model_b": b.model or UNKNOWN_MODEL,
                "winner": _winner(shown_preference, label["flags"]),
                "judge": label["annotator__username"],
                "conversation_a": _conversation(item.messages, a),
                "conversation_b": _conversation(item.messages, b),
                "turn": turn,
                "anony": True,
                "tstamp": round(label["created_at"].timestamp(), 3),
            }
