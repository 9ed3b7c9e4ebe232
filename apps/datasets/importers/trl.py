"""TRL preference rows: ``{"prompt", "chosen", "rejected"}`` in its four shapes.

- Explicit prompt: ``prompt``, ``chosen`` and ``rejected`` are strings.
- Implicit prompt: only ``chosen`` and ``rejected``, each holding the prompt too; their common
  beginning (cut back to a word boundary) is the prompt and the rest are the responses.
- Conversational: ``prompt`` is a list of messages; ``chosen`` / ``rejected`` are lists with the
  assistant turn(s). A side with several turns keeps them in ``Response.metadata["messages"]``
  and their contents, joined by blank lines, as its text.
- Implicit conversational: full message lists in ``chosen`` and ``rejected``; the messages they
  share at the start are the prompt.

Optional: ``margin`` (kept in ``Item.reference``), ``id`` (external id), ``gold`` (true: the
chosen side is the expected answer). Other fields holding a string, number or true/false are
kept in ``Item.metadata``.
"""
from apps.datasets.models import ImportFormat

from . import fields
from .rows import LineError, ParsedResponse, ParsedRow
from .sides import chosen_rejected_row

KNOWN_FIELDS = {"prompt", "chosen", "rejected", "margin", "id", "gold"}


def side(value, path: str) -> ParsedResponse:
    """One response: a string, or a list of messages (the assistant turns)."""
    if isinstance(value, str):
        return ParsedResponse(text=fields.text(value, path))
    turns = fields.messages(value, path) if isinstance(value, list) else None
    if turns is None:
        raise fields.wrong_type(path, "a string or a list of messages", value)
    if len(turns) == 1:
        return ParsedResponse(text=turns[0]["content"])
    text = fields.text("\n\n".join(turn["content"] for turn in turns), path)
    return ParsedResponse(text=text, metadata={"messages": turns})


def _word_boundary_prefix(a: str, b: str) -> int:
    n = 0
    for x, y in zip(a, b):
        if x != y:
            break
        n += 1
    mid_word = 0 < n < min(len(a), len(b)) and not (a[n - 1].isspace() or a[n].isspace() or b[n].isspace())
    if mid_word:
        while n > 0 and not a[n - 1].isspace():
            n -= 1
    return n


def _implicit(chosen, rejected) -> tuple[list[dict], ParsedResponse, ParsedResponse]:
    if isinstance(chosen, str) and isinstance(rejected, str):
        fields.text(chosen, "chosen")
        fields.text(rejected, "rejected")
        cut = _word_boundary_prefix(chosen, rejected)
        if not chosen[:cut].strip():
            raise LineError("missing field 'prompt': 'chosen' and 'rejected' share no beginning to use as the prompt")
        messages = [{"role": "user", "content": fields.text(chosen[:cut], "prompt")}]
        return messages, side(chosen[cut:], "chosen"), side(rejected[cut:], "rejected")
    if isinstance(chosen, list) and isinstance(rejected, list):
        chosen_turns, rejected_turns = fields.messages(chosen, "chosen"), fields.messages(rejected, "rejected")
        shared = 0
        for x, y in zip(chosen_turns, rejected_turns):
            if x != y:
                break
            shared += 1
        if shared == 0:
            raise LineError("missing field 'prompt': 'chosen' and 'rejected' share no first message to use as the prompt")
        for path, turns in (("chosen", chosen_turns), ("rejected", rejected_turns)):
            if len(turns) == shared:
                raise LineError(f"empty text in '{path}': it has no turns after the messages both sides share")
        return chosen_turns[:shared], side(chosen[shared:], "chosen"), side(rejected[shared:], "rejected")
    raise fields.wrong_type("rejected", f"the same kind as 'chosen' ({fields.type_name(chosen)})", rejected)


def parse_row(obj: dict, line: int) -> ParsedRow:
    chosen, rejected = fields.required(obj, "chosen"), fields.required(obj, "rejected")
    if obj.get("prompt") is not None:
        messages = fields.messages(obj["prompt"], "prompt")
        chosen_response, rejected_response = side(chosen, "chosen"), side(rejected, "rejected")
    else:
        messages, chosen_response, rejected_response = _implicit(chosen, rejected)
    reference = {}
    if obj.get("margin") is not None:
        reference["margin"] = fields.as_number(obj["margin"], "margin")
    extras = {
        key: value for key, value in obj.items()
        if key not in KNOWN_FIELDS and isinstance(value, (str, int, float, bool))
    }
    return chosen_rejected_row(
        line=line,
        source=ImportFormat.TRL_PREFERENCE,
        messages=messages,
        chosen=chosen_response,
        rejected=rejected_response,
        gold=fields.as_bool(obj["gold"], "gold") if obj.get("gold") is not None else False,
        reference=reference,
        external_id=fields.external_id(obj),
        metadata=extras,
    )
