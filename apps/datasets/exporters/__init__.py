"""Export formats: one module per format, each plain functions from rows to output rows.

| key | module | one row per |
| --- | --- | --- |
| ``labels`` | ``labels.py`` | label, every version (raw labels JSONL) |
| ``trl`` | ``trl.py`` | pair item with a majority (TRL preference ``prompt``/``chosen``/``rejected``) |
| ``ranking_pairs`` | ``ranking_pairs.py`` | pair of a ranking item's responses with a majority (same shape as ``trl``) |
| ``fastchat`` | ``fastchat.py`` | current label of a pair item (FastChat / Chatbot Arena battle) |

The majority rule, tie policy and margin are in ``majority.py``; options in ``options.py``. The
service that reads the rows and streams the lines is ``apps/datasets/exports.py``.
"""
from dataclasses import dataclass


@dataclass(frozen=True)
class ExportFormat:
    key: str
    title: str
    summary: str
    options: tuple[str, ...]


FORMATS: dict[str, ExportFormat] = {f.key: f for f in (
    ExportFormat("labels", "Raw labels", "One row per label, every version, with annotator, rubric scores, shown "
                 "order, active time and version history.", ("current_only",)),
    ExportFormat("trl", "TRL preference", "prompt / chosen / rejected per pair item, by majority of the current "
                 "labels; pairs without a majority are skipped.", ("gold", "margin", "conversational")),
    ExportFormat("ranking_pairs", "Pairs from rankings", "TRL preference rows for every pair of a ranking item's "
                 "responses, by majority of the current labels' ranks.", ("gold", "margin", "conversational")),
    ExportFormat("fastchat", "FastChat battles", "Chatbot Arena battle rows, one per current label of a pair item, "
                 "models in the order that annotator saw them.", ("gold",)),
)}


class UnknownFormat(LookupError):
    def __init__(self, key: str):
        self.message = f"Unknown export format {key!r}; the formats are {', '.join(FORMATS)}."
        super().__init__(self.message)


def export_format(key: str) -> ExportFormat:
    try:
        return FORMATS[key]
    except KeyError:
        raise UnknownFormat(key) from None
