"""Anthropic HH-RLHF rows: ``{"chosen": transcript, "rejected": transcript}``.

A transcript is split on its ``"\\n\\nHuman: "`` and ``"\\n\\nAssistant: "`` markers into user
and assistant messages. Both transcripts must end with an assistant turn and agree on every
message before it: those shared messages are the prompt (multi-turn is kept as messages), the
two last assistant turns are the responses. As with TRL rows, the two responses are stored in
hash order and the chosen side is only a hidden reference; optional ``id`` and ``gold`` (true:
the chosen side is the expected answer) work as in TRL rows.
"""
import re

from apps.datasets.models import ImportFormat

from . import fields
from .rows import LineError, ParsedResponse, ParsedRow
from .sides import chosen_rejected_row

TURN = re.compile(r"\n\n(Human|Assistant):[ ]?")
ROLE = {"Human": "user", "Assistant": "assistant"}


def transcript(value, path: str) -> list[dict]:
    if not isinstance(value, str):
        raise fields.wrong_type(path, "a string", value)
    if value.lstrip().startswith(("Human:", "Assistant:")):
        value = "\n\n" + value.lstrip()
    parts = TURN.split(value)
    if parts[0].strip() or len(parts) < 3:
        raise LineError(f"wrong type: '{path}' must be a transcript starting with '\\n\\nHuman: '")
    messages = []
    for turn, (speaker, content) in enumerate(zip(parts[1::2], parts[2::2])):
        messages.append({"role": ROLE[speaker], "content": fields.text(content, f"{path} (turn {turn + 1})")})
    if messages[-1]["role"] != "assistant":
        raise LineError(f"wrong type: '{path}' must end with an '\\n\\nAssistant: ' turn")
    return messages


def parse_row(obj: dict, line: int) -> ParsedRow:
    chosen = transcript(fields.required(obj, "chosen"), "chosen")
    rejected = transcript(fields.required(obj, "rejected"), "rejected")
    if chosen[:-1] != rejected[:-1]:
        raise LineError("'chosen' and 'rejected' differ before their last assistant turn; "
                        "an HH-RLHF pair shares everything up to it")
    if len(chosen) < 2:
        raise LineError("missing field 'prompt': the transcripts have no turn before the last assistant turn")
    return chosen_rejected_row(
        line=line,
        source=ImportFormat.HH_RLHF,
        messages=chosen[:-1],
        chosen=ParsedResponse(text=chosen[-1]["content"]),
        rejected=ParsedResponse(text=rejected[-1]["content"]),
        gold=fields.as_bool(obj["gold"], "gold") if obj.get("gold") is not None else False,
        external_id=fields.external_id(obj),
    )
