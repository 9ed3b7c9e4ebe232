"""The audit trail as a download: CSV or JSON lines, streamed entry by entry."""
import csv
import io
import json
from collections.abc import Iterable, Iterator

from django.http import StreamingHttpResponse
from django.utils import timezone

from .selectors import AuditEntry

FORMATS = {"csv": "text/csv; charset=utf-8", "jsonl": "application/jsonl; charset=utf-8"}
COLUMNS = ["time", "actor", "action", "project", "target_type", "target_id", "ip", "detail", "id"]


def _safe_cell(value: str) -> str:
    # A cell starting with = + - @ would run as a formula in a spreadsheet (CSV injection).
    return "'" + value if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value


def csv_lines(entries: Iterable[AuditEntry]) -> Iterator[str]:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(COLUMNS)
    for entry in entries:
        row = entry.as_dict()
        row["detail"] = json.dumps(row["detail"], ensure_ascii=False, sort_keys=True)
        writer.writerow([_safe_cell(str(row[c] if row[c] is not None else "")) for c in COLUMNS])
        yield buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
    yield buffer.getvalue()


def jsonl_lines(entries: Iterable[AuditEntry]) -> Iterator[str]:
    for entry in entries:
        yield json.dumps(entry.as_dict(), ensure_ascii=False, default=str) + "\n"


def download(entries: Iterable[AuditEntry], fmt: str) -> StreamingHttpResponse:
    lines = csv_lines(entries) if fmt == "csv" else jsonl_lines(entries)
    response = StreamingHttpResponse(lines, content_type=FORMATS[fmt])
    response["Content-Disposition"] = f'attachment; filename="audit-{timezone.now():%Y%m%d-%H%M%S}.{fmt}"'
    response["Cache-Control"] = "no-store"
    return response
