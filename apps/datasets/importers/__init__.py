"""Parsers for every import format, each in its own module, all producing ``ParsedRow``s.

``read_rows`` turns a file's text into ``(line number, ParsedRow or LineError)`` pairs; the
planner checks the rows against the project and the writer stores them.
"""
from collections.abc import Callable, Iterator

from apps.datasets.models import ImportFormat

from . import csv_table, hh_rlhf, native, prm800k, trl, trl_stepwise, ultrafeedback
from .jsonl import json_lines
from .rows import FileError, LineError, ParsedRow

JSONL_PARSERS: dict[str, Callable[[dict, int], ParsedRow]] = {
    ImportFormat.NATIVE: native.parse_row,
    ImportFormat.TRL_PREFERENCE: trl.parse_row,
    ImportFormat.HH_RLHF: hh_rlhf.parse_row,
    ImportFormat.ULTRAFEEDBACK: ultrafeedback.parse_row,
    ImportFormat.TRL_STEPWISE: trl_stepwise.parse_row,
    ImportFormat.PRM800K: prm800k.parse_row,
}


def read_rows(text: str, fmt: str) -> Iterator[tuple[int, ParsedRow | LineError]]:
    if fmt == ImportFormat.CSV:
        yield from csv_table.read_rows(text)
        return
    parse_row = JSONL_PARSERS.get(fmt)
    if parse_row is None:
        raise FileError(f"unknown format {fmt!r}; supported: {', '.join(ImportFormat.values)}")
    for line, obj in json_lines(text):
        if isinstance(obj, LineError):
            yield line, obj
            continue
        try:
            yield line, parse_row(obj, line)
        except LineError as error:
            yield line, error
