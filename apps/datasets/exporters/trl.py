"""TRL preference rows (RewardTrainer, DPOTrainer) from pair items: ``{"prompt", "chosen", "rejected"}``.

One row per pair item whose current labels reach a majority (``majority.py``); a pair without one
(a tie, or votes split evenly) is skipped. An item a lead adjudicated (``quality.Adjudication``) takes
the adjudicated preference instead of the majority: its side wins, with its strength as the margin
(an adjudicated tie is skipped like a tie). With ``aggregate=dawid-skene`` an item without an adjudication
takes its Dawid-Skene label instead of the majority (``majority.py``: same tie policy; items whose labels
changed since it was computed fall back to the majority and are counted). Gold items count like any other
unless the export leaves them out; their votes are the annotators' labels, not the gold answer.

- Plain (explicit prompt): ``prompt`` is the question's text, ``chosen`` and ``rejected`` the
  response texts.
- Conversational: ``prompt`` is the message list (``{"role", "content"}``, system message and
  earlier turns included), ``chosen`` and ``rejected`` are ``[{"role": "assistant", "content": ...}]``.
  A file is all plain or all conversational, never mixed, so that ``datasets`` can load it: it is
  conversational when any prompt of the project's pair items is multi-turn or has a system message
  (or when asked to be).
- ``margin`` (float, when asked): the mean preference strength toward the chosen response
  (``majority.py``), which RewardTrainer subtracts inside its loss.
"""
from collections.abc import Iterable, Iterator

from apps.datasets.selectors import ExportItem

from .counts import ExportCounts
from .majority import FIRST, verdict
from .options import DAWID_SKENE, MAJORITY


def preference_row(messages: list[dict], chosen: str, rejected: str, *, conversational: bool,
                   margin: float | None = None) -> dict:
    if conversational:
        row = {"prompt": [{"role": m["role"], "content": m["content"]} for m in messages],
               "chosen": [{"role": "assistant", "content": chosen}],
               "rejected": [{"role": "assistant", "content": rejected}]}
    else:
        row = {"prompt": messages[-1]["content"], "chosen": chosen, "rejected": rejected}
    if margin is not None:
        row["margin"] = margin
    return row


def _current_dawid_skene(item: ExportItem, voting: list[dict]) -> str | None:
    """The item's Dawid-Skene direction, if it was computed from exactly its current voting labels."""
    ds = item.dawid_skene
    if not ds or sorted(label["id"] for label in voting) != sorted(ds["label_ids"]):
        return None
    return ds["value"]


def pair_rows(items: Iterable[ExportItem], *, conversational: bool, margin: bool,
              counts: ExportCounts, aggregate: str = MAJORITY) -> Iterator[dict]:
    for item in items:
        voting = [label for label in item.labels if label["preference"] is not None]
        votes = [label["preference"] for label in voting]
        if item.adjudication and item.adjudication["preference"] is not None:
            result = verdict([item.adjudication["preference"]])  # the lead's decision replaces the majority
        elif aggregate == DAWID_SKENE:
            direction = _current_dawid_skene(item, voting)
            if direction is None:
                counts.dawid_skene_fallback += 1
            result = verdict(votes, winner_from=direction)
        else:
            result = verdict(votes)
        if result.winner is None:
            counts.no_majority += 1
            continue
        first, second = item.responses
        chosen, rejected = (first, second) if result.winner == FIRST else (second, first)
        yield preference_row(item.messages, chosen.text, rejected.text, conversational=conversational,
                             margin=result.margin if margin else None)
