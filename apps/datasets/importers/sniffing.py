"""Telling a file's format from its name and first row, when the uploader did not say.

- a ``.csv`` file name, or a first line that looks like a CSV header with a ``prompt`` column: CSV;
- otherwise the first JSON object's fields decide:
  ``question`` + ``label`` -> PRM800K; ``prompt`` + ``completions`` + ``labels`` -> TRL stepwise;
  ``instruction`` + ``completions`` -> UltraFeedback; ``chosen`` + ``rejected`` holding
  ``"\\n\\nHuman:"`` -> HH-RLHF; ``chosen`` + ``rejected`` -> TRL preference; ``responses`` -> native;
- anything else is an "unknown format" error naming the fields it saw.
"""
import csv

from apps.datasets.models import ImportFormat

from .jsonl import parse_line
from .rows import FileError, LineError

HH_MARKER = "\n\nHuman:"


def _first_line(text: str) -> str:
    for line in text.split("\n"):
        if line.strip():
            return line.strip()
    raise FileError("the file is empty")


def _looks_like_csv_header(line: str) -> bool:
    try:
        cells = next(csv.reader([line]))
    except csv.Error:
        return False
    columns = {cell.strip().lower() for cell in cells}
    return len(cells) >= 2 and "prompt" in columns


def format_of_row(obj: dict) -> str | None:
    keys = set(obj)
    if {"question", "label"} <= keys:
        return ImportFormat.PRM800K
    if {"prompt", "completions", "labels"} <= keys:
        return ImportFormat.TRL_STEPWISE
    if {"instruction", "completions"} <= keys:
        return ImportFormat.ULTRAFEEDBACK
    if {"chosen", "rejected"} <= keys:
        sides = (obj["chosen"], obj["rejected"])
        if any(isinstance(side, str) and HH_MARKER in side for side in sides):
            return ImportFormat.HH_RLHF
        return ImportFormat.TRL_PREFERENCE
    if "responses" in keys:
        return ImportFormat.NATIVE
    return None


def sniff(text: str, filename: str) -> str:
    if filename.lower().endswith(".csv"):
        return ImportFormat.CSV
    first = _first_line(text)
    if not first.startswith("{"):
        if _looks_like_csv_header(first):
            return ImportFormat.CSV
        raise FileError("unknown format: the first line is neither a JSON object nor a CSV header with a "
                        "'prompt' column")
    try:
        obj = parse_line(first)
    except LineError as error:
        raise FileError(f"unknown format: the first line is not a JSON object ({error.reason})") from None
    fmt = format_of_row(obj)
    if fmt is None:
        seen = ", ".join(sorted(obj)) or "none"
        raise FileError(f"unknown format: the first row's fields ({seen}) match no supported format; "
                        "expected e.g. 'responses' (native), 'chosen'/'rejected' (TRL, HH-RLHF), "
                        "'instruction'/'completions' (UltraFeedback), 'prompt'/'completions'/'labels' "
                        "(TRL stepwise) or 'question'/'label' (PRM800K)")
    return fmt
