"""Exports as a stream of JSON lines: rows read a chunk at a time, written one line at a time.

Nothing holds the whole project: labels come through a server-side cursor
(``selectors.labels_for_export``), items with their labels a chunk at a time
(``selectors.labelled_items_for_export``), and each format's module turns them into rows lazily.
Formats, options, the majority rule and each format's fields are documented in ``exporters/``.
"""
import json
from collections.abc import Iterator

from apps.core.streaming import HTTP_CHUNK_CHARS, chunked
from apps.projects.models import Project

from . import selectors
from .exporters import ExportFormat
from .exporters.counts import ExportCounts
from .exporters.fastchat import battle_rows
from .exporters.labels import label_rows
from .exporters.options import DAWID_SKENE, ExportOptions
from .exporters.ranking_pairs import ranking_pair_rows
from .exporters.steps import prm800k_rows, step_label_rows, stepwise_rows
from .exporters.trl import pair_rows
from .models import ItemKind

STEP_FORMATS = ("step_labels", "trl_stepwise", "prm800k")
CONTENT_TYPE = "application/jsonl; charset=utf-8"


def _conversational(project: Project, kind: str, options: ExportOptions) -> bool:
    return options.conversational == "always" or selectors.has_conversational_prompt(project, kind=kind)


def export_rows(project: Project, fmt: ExportFormat, options: ExportOptions, counts: ExportCounts) -> Iterator[dict]:
    if fmt.key == "labels":
        return label_rows(selectors.labels_for_export(project, current_only=options.current_only))
    if fmt.key in STEP_FORMATS:
        current_only = options.current_only or fmt.key != "step_labels"
        gold = options.include_gold or fmt.key == "step_labels"
        items = selectors.step_items_for_export(project, include_gold=gold, current_only=current_only)
        if fmt.key == "step_labels":
            return step_label_rows(items)
        if fmt.key == "trl_stepwise":
            return stepwise_rows(items, neutral_correct=options.neutral_correct(project))
        return prm800k_rows(items)
    if fmt.key == "fastchat":
        items = selectors.labelled_items_for_export(project, kind=ItemKind.PAIR, include_gold=options.include_gold)
        return battle_rows(items, counts=counts)
    if fmt.key == "trl":
        dawid_skene = options.aggregate == DAWID_SKENE
        items = selectors.labelled_items_for_export(project, kind=ItemKind.PAIR, include_gold=options.include_gold,
                                                    with_dawid_skene=dawid_skene)
        return pair_rows(items, conversational=_conversational(project, ItemKind.PAIR, options),
                         margin=options.margin, counts=counts, aggregate=options.aggregate)
    items = selectors.labelled_items_for_export(project, kind=ItemKind.RANKING, include_gold=options.include_gold)
    return ranking_pair_rows(items, conversational=_conversational(project, ItemKind.RANKING, options),
                             margin=options.margin, counts=counts)


def export_lines(project: Project, fmt: ExportFormat, options: ExportOptions,
                 counts: ExportCounts | None = None) -> Iterator[str]:
    """One JSON object per line, each ending in a newline; nothing is read before the first line is asked for."""
    counts = counts if counts is not None else ExportCounts()
    for row in export_rows(project, fmt, options, counts):
        counts.rows += 1
        yield json.dumps(row, ensure_ascii=False) + "\n"


def export_chunks(project: Project, fmt: ExportFormat, options: ExportOptions,
                  size: int = HTTP_CHUNK_CHARS) -> Iterator[str]:
    """The lines gathered into chunks of about ``size`` characters, for an HTTP response."""
    return chunked(export_lines(project, fmt, options), size)


def export_filename(project: Project, fmt: ExportFormat) -> str:
    return f"{project.slug}-{fmt.key}.jsonl"
