"""Raw labels: one row per label, every version, in the order stored.

| field | meaning |
| --- | --- |
| ``label_id`` | the label's id |
| ``item_id``, ``item_external_id`` | the item it judges ("" when the item has no external id) |
| ``kind`` | "pair", "ranking" or "steps" |
| ``is_gold`` | whether the item is a gold item |
| ``annotator`` | the annotator's username (``ext-<name>`` for imported labels) |
| ``preference`` | pairs: -2..2, positive means the FIRST canonical response is better; else null |
| ``ranks`` | rankings: the rank of each canonical response, 1 = best, equal = tie; else null |
| ``step_ratings`` | steps: 1, 0, -1 or null per step; else null |
| ``scores`` | rubric dimension key -> one score (or null) per canonical response |
| ``rationale``, ``flags`` | the annotator's text and flags (unsafe, both_unacceptable, cannot_judge) |
| ``shown_order`` | the canonical positions in the order shown (``[1, 0]``: the second was shown first); null for imported labels |
| ``active_ms`` | active time on the item in milliseconds, null when not measured |
| ``rubric_version`` | the number of the rubric version the label was given under |
| ``source`` | "ui", "api" or "import" |
| ``is_current``, ``version``, ``previous_id`` | version history: an edit adds a current row that points at the one it replaced |
| ``assignment_id`` | the assignment the label answered (null for imported labels) |
| ``created_at`` | when the label was stored, ISO 8601 with time zone |

"Canonical" is the item's stored response order (the item pages and API list it as ``position``).
"""
from collections.abc import Iterable, Iterator


def label_rows(labels: Iterable[dict]) -> Iterator[dict]:
    """Rows of ``selectors.labels_for_export`` turned into export rows."""
    for label in labels:
        yield {
            "label_id": label["id"],
            "item_id": label["item_id"],
            "item_external_id": label["item__external_id"],
            "kind": label["item__kind"],
            "is_gold": label["item__is_gold"],
            "annotator": label["annotator__username"],
            "preference": label["preference"],
            "ranks": label["ranks"],
            "step_ratings": label["step_ratings"],
            "scores": label["scores"],
            "rationale": label["rationale"],
            "flags": label["flags"],
            "shown_order": label["shown_order"],
            "active_ms": label["active_ms"],
            "rubric_version": label["rubric_version__number"],
            "source": label["source"],
            "is_current": label["is_current"],
            "version": label["version"],
            "previous_id": label["previous_id"],
            "assignment_id": label["assignment_id"],
            "created_at": label["created_at"].isoformat(),
        }
