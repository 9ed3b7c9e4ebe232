"""Rows that come as a chosen and a rejected response (TRL preference, HH-RLHF, CSV chosen/rejected).

The two responses are put in a canonical order by their content hash, so the chosen side is not
always first (an annotator shown "the first one" must not learn which side the file preferred).
Which side was chosen is kept as a hidden reference (``Item.reference["preferred_position"]``),
never as a label. ``gold`` true makes the chosen side the expected answer of a gold item.
"""
from apps.datasets.hashing import response_hash

from .rows import ParsedLabel, ParsedResponse, ParsedRow


def chosen_rejected_row(
    *, line: int, source: str, messages: list[dict], chosen: ParsedResponse, rejected: ParsedResponse,
    gold: bool = False, reference: dict | None = None, external_id: str = "", metadata: dict | None = None,
    priority: float = 0.0,
) -> ParsedRow:
    if response_hash(rejected.text) < response_hash(chosen.text):
        responses, preferred = [rejected, chosen], 1
    else:
        responses, preferred = [chosen, rejected], 0
    return ParsedRow(
        line=line,
        source=source,
        messages=messages,
        responses=responses,
        external_id=external_id,
        gold=ParsedLabel(preference=1 if preferred == 0 else -1) if gold else None,
        preferred=preferred,
        reference={"source": source, **(reference or {})},
        metadata=metadata or {},
        priority=priority,
    )
