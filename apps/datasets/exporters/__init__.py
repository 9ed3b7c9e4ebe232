"""Export formats: one module per format, each plain functions from rows to output rows.

| key | module | one row per |
| --- | --- | --- |
| ``labels`` | ``labels.py`` | label, every version (raw labels JSONL) |
| ``trl`` | ``trl.py`` | pair item with a majority or an adjudication (TRL preference ``prompt``/``chosen``/``rejected``) |
| ``ranking_pairs`` | ``ranking_pairs.py`` | pair of a ranking item's responses with a majority (same shape as ``trl``) |
| ``fastchat`` | ``fastchat.py`` | current label of a pair item (FastChat / Chatbot Arena battle) |
| ``step_labels`` | ``steps.py`` | label of a step item, every version (raw step labels JSONL) |
| ``trl_stepwise`` | ``steps.py`` | current label of a step item (TRL stepwise ``prompt``/``completions``/``labels``) |
| ``prm800k`` | ``steps.py`` | current label of a step item (PRM800K JSONL, re-importable) |

The majority rule, tie policy, margin and the Dawid-Skene alternative are in ``majority.py``; options in
``options.py``. The
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
                 "labels or, as an option, by their Dawid-Skene label (the adjudicated label wins where a lead "
                 "recorded one); pairs without a majority are skipped.", ("gold", "margin", "conversational",
                                                                          "aggregate")),
    ExportFormat("ranking_pairs", "Pairs from rankings", "TRL preference rows for every pair of a ranking item's "
                 "responses, by majority of the current labels' ranks (or the adjudicated ranking).",
                 ("gold", "margin", "conversational")),
    ExportFormat("fastchat", "FastChat battles", "Chatbot Arena battle rows, one per current label of a pair item, "
                 "models in the order that annotator saw them.", ("gold",)),
    ExportFormat("step_labels", "Raw step labels", "One row per label of a step item, every version: steps, ratings, "
                 "error notes, first wrong step, final answer, finish reason.", ("current_only",)),
    ExportFormat("trl_stepwise", "TRL stepwise", "prompt / completions / labels per current step label, steps up to "
                 "the first unrated one; neutral (0) steps map to false or true (option).", ("gold", "neutral")),
    ExportFormat("prm800k", "PRM800K", "PRM800K JSONL, one row per current step label; imported rows come back as "
                 "they were; re-imports to the same items and labels.", ("gold",)),
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
