"""CSV files: a header row, then one row per prompt. UTF-8, with or without a byte-order mark.

Columns (names are matched without regard to case or surrounding spaces):

- ``prompt`` (required); ``system`` (optional system message put before the prompt);
- the responses, in exactly one of three ways: ``response_1`` .. ``response_8`` (cells may be
  left empty at the end of a row, not in between), ``response_a`` and ``response_b``, or
  ``chosen`` and ``rejected`` (read like TRL rows: stored in hash order, the chosen side kept as
  a hidden reference);
- optional ``model_1`` .. ``model_8`` / ``model_a``, ``model_b`` (model names), ``id`` (external
  id), ``priority`` (number), ``gold`` (true/false, yes/no or 1/0; only with chosen/rejected:
  the chosen side is the expected answer);
- any other column is kept, when not empty, in ``Item.metadata`` under its header name.

Line numbers count physical lines, the header being line 1; a row whose quoted cell spans
several lines is reported at the line where it starts.
"""
import csv
import io
import math
import re
from collections.abc import Iterator

from apps.datasets.models import ImportFormat

from . import fields
from .rows import FileError, LineError, ParsedResponse, ParsedRow
from .sides import chosen_rejected_row

MAX_RESPONSES = 8
NUMBERED = re.compile(r"response_(\d+)")
TRUE = {"true", "yes", "y", "1"}
FALSE = {"false", "no", "n", "0", ""}
FIELD_SIZE_LIMIT = 2**31 - 1  # texts are held to IMPORT_MAX_TEXT_CHARS with a clear error instead


def _response_scheme(columns: list[str]) -> tuple[str, list[str], list[str]]:
    """``(scheme, response columns, model columns)`` from the header, or FileError."""
    numbered = sorted((int(m.group(1)), c) for c in columns if (m := NUMBERED.fullmatch(c)))
    schemes = []
    if numbered:
        numbers = [n for n, _ in numbered]
        if numbers != list(range(1, len(numbers) + 1)) or len(numbers) > MAX_RESPONSES:
            raise FileError(f"bad CSV header: response columns must be response_1 .. response_N with N at most "
                            f"{MAX_RESPONSES}, found {', '.join(c for _, c in numbered)}")
        schemes.append(("numbered", [c for _, c in numbered], [f"model_{n}" for n in numbers]))
    if "response_a" in columns or "response_b" in columns:
        schemes.append(("lettered", ["response_a", "response_b"], ["model_a", "model_b"]))
    if "chosen" in columns or "rejected" in columns:
        schemes.append(("chosen", ["chosen", "rejected"], ["model_chosen", "model_rejected"]))
    if len(schemes) != 1:
        found = "none" if not schemes else " and ".join(s[0] for s in schemes)
        raise FileError("bad CSV header: give the responses in one way, as response_1..response_8, "
                        f"response_a/response_b or chosen/rejected (found {found})")
    scheme = schemes[0]
    for column in scheme[1]:
        if column not in columns:
            raise FileError(f"bad CSV header: missing column '{column}'")
    return scheme


def _bool(value: str, column: str) -> bool:
    lowered = value.strip().lower()
    if lowered in TRUE:
        return True
    if lowered in FALSE:
        return False
    raise LineError(f"wrong type: '{column}' must be true or false, got {value!r}")


def _number(value: str, column: str) -> float:
    if not value.strip():
        return 0.0
    try:
        number = float(value)
    except ValueError:
        number = math.nan
    if not math.isfinite(number):
        raise LineError(f"wrong type: '{column}' must be a number, got {value!r}")
    return number


class CsvTable:
    def __init__(self, header: list[str]):
        self.columns = [c.strip().lower() for c in header]
        duplicates = sorted({c for c in self.columns if self.columns.count(c) > 1})
        if duplicates:
            raise FileError(f"bad CSV header: column '{duplicates[0]}' appears twice")
        if "prompt" not in self.columns:
            raise FileError(f"bad CSV header: missing column 'prompt' (found: {', '.join(self.columns) or 'nothing'})")
        self.scheme, self.response_columns, self.model_columns = _response_scheme(self.columns)
        known = {"prompt", "system", "id", "priority", "gold", *self.response_columns, *self.model_columns}
        self.extra_columns = [c for c in self.columns if c not in known and c]

    def parse_row(self, cells: list[str], line: int) -> ParsedRow:
        if len(cells) != len(self.columns):
            raise LineError(f"wrong type: the row has {len(cells)} cells but the header has {len(self.columns)}")
        if any("\x00" in cell for cell in cells):
            raise LineError("invalid character: the row holds a NUL character")
        row = dict(zip(self.columns, cells))
        messages = [{"role": "user", "content": fields.text(row["prompt"], "prompt")}]
        if row.get("system", "").strip():
            messages.insert(0, {"role": "system", "content": fields.text(row["system"], "system")})
        gold = _bool(row.get("gold", ""), "gold")
        metadata = {c: row[c] for c in self.extra_columns if row[c].strip()}
        external_id = fields.external_id(row)
        priority = _number(row.get("priority", ""), "priority")
        responses = self._responses(row)
        if self.scheme == "chosen":
            return chosen_rejected_row(
                line=line, source=ImportFormat.CSV, messages=messages, chosen=responses[0], rejected=responses[1],
                gold=gold, external_id=external_id, metadata=metadata, priority=priority,
            )
        if gold:
            raise LineError("wrong type: 'gold' needs 'chosen' and 'rejected' columns (the chosen side is the "
                            "expected answer); use native JSONL for other gold answers")
        return ParsedRow(
            line=line, source=ImportFormat.CSV, messages=messages, responses=responses,
            external_id=external_id, metadata=metadata, priority=priority,
        )

    def _responses(self, row: dict) -> list[ParsedResponse]:
        filled = [row[c].strip() != "" for c in self.response_columns]
        count = len(self.response_columns) if self.scheme != "numbered" else (
            max((i + 1 for i, f in enumerate(filled) if f), default=0)
        )
        if count == 0:
            raise LineError(f"missing field '{self.response_columns[0]}': the row has no responses")
        responses = []
        for column, model_column in zip(self.response_columns[:count], self.model_columns):
            model = fields.optional_text(row, model_column, limit=fields.MODEL_NAME_MAX)
            responses.append(ParsedResponse(text=fields.text(row[column], column), model=model))
        return responses


def read_rows(text: str) -> Iterator[tuple[int, ParsedRow | LineError]]:
    """``(line number, row or LineError)`` for each non-empty record; FileError for a bad header."""
    csv.field_size_limit(FIELD_SIZE_LIMIT)
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = next(reader)
    except csv.Error as error:
        raise FileError(f"bad CSV header: {error}") from None
    table = CsvTable(header)
    while True:
        start = reader.line_num + 1
        try:
            cells = next(reader)
        except StopIteration:
            return
        except csv.Error as error:
            yield start, LineError(f"invalid CSV: {error}")
            continue
        if not any(cell.strip() for cell in cells):
            continue
        try:
            yield start, table.parse_row(cells, start)
        except LineError as error:
            yield start, error

