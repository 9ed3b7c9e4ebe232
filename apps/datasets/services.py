"""Writes for datasets: importing a file of prompts, responses and labels into a project.

``import_file`` reads the whole file, checks every row and either imports all of it in one
transaction or nothing. Either way it records an ImportBatch: the audit record with the counts
and, for a rejected file, every bad line and why.
"""
import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.conf import settings
from django.db import DataError, IntegrityError, transaction

from apps.accounts.models import User
from apps.accounts.services import ExternalNameTaken
from apps.projects.models import Project
from apps.projects.services import current_rubric

from .importers import read_rows
from .importers.jsonl import decode
from .importers.label_rules import ProjectRules
from .importers.planning import PlannedItem, RowPlanner
from .importers.resolution import resolve
from .importers.rows import FileError, LineError
from .importers.sniffing import sniff
from .importers.writing import write_import
from .models import ImportBatch, ImportFormat

REPORT_LIMIT = 1000  # errors (and warnings) listed per batch; the rest are counted in a last entry


@dataclass
class _Report:
    errors: list[tuple[int | None, str]] = field(default_factory=list)
    warnings: list[tuple[int | None, str]] = field(default_factory=list)

    @staticmethod
    def _entries(found: list[tuple[int | None, str]], what: str) -> list[dict]:
        unique = list(dict.fromkeys(found))
        unique.sort(key=lambda entry: -1 if entry[0] is None else entry[0])
        entries = [{"line": line, "reason": reason} for line, reason in unique[:REPORT_LIMIT]]
        if len(unique) > REPORT_LIMIT:
            entries.append({"line": None, "reason": f"... and {len(unique) - REPORT_LIMIT} more {what} not listed"})
        return entries

    def apply(self, batch: ImportBatch) -> None:
        batch.errors = self._entries(self.errors, "errors")
        batch.warnings = self._entries(self.warnings, "warnings")


def _plan(project: Project, batch: ImportBatch, data: bytes, fmt: str | None, report: _Report,
          rules: ProjectRules) -> list[PlannedItem]:
    """Reads and checks every row; fills ``batch.format`` and ``batch.rows_read``. FileError for the whole file."""
    if len(data) > settings.IMPORT_MAX_BYTES:
        raise FileError(f"file too large: {len(data)} bytes (limit {settings.IMPORT_MAX_BYTES})")
    if fmt is not None and fmt not in ImportFormat.values:
        raise FileError(f"unknown format '{fmt}'; supported: {', '.join(ImportFormat.values)}")
    text = decode(data)
    batch.format = fmt or sniff(text, batch.filename)
    planner = RowPlanner(rules)
    planned = []
    for line, row in read_rows(text, batch.format):
        batch.rows_read += 1
        if isinstance(row, LineError):
            report.errors.append((line, row.reason))
            continue
        try:
            items, warnings = planner.plan(row)
        except LineError as error:
            report.errors.append((line, error.reason))
            continue
        planned.extend(items)
        report.warnings.extend((line, warning) for warning in warnings)
    if batch.rows_read == 0:
        raise FileError("the file has no rows")
    return planned


def _rejected(batch: ImportBatch, report: _Report) -> ImportBatch:
    batch.pk = None
    batch._state.adding = True
    batch.status = ImportBatch.Status.REJECTED
    batch.items_created = batch.items_skipped = batch.labels_created = 0
    report.apply(batch)
    batch.save()
    return batch


class _Rollback(Exception):
    """Leaves the import's transaction without writing anything."""

    def __init__(self, report: _Report):
        super().__init__("import rejected")
        self.report = report


def import_file(*, project: Project, user: User | None, data: bytes, filename: str, fmt: str | None = None) -> ImportBatch:
    """Imports a file in the given format (an ImportFormat value), or the one sniffed when ``fmt`` is None.

    Returns the saved ImportBatch: ``accepted`` with the counts, or ``rejected`` with
    ``errors = [{"line": n, "reason": ...}]`` (line None for the whole file) and nothing imported.
    """
    batch = ImportBatch(
        project=project, uploaded_by=user if user is not None and user.pk else None, filename=filename[:255],
        format=fmt if fmt in ImportFormat.values else "", file_sha256=hashlib.sha256(data).hexdigest(),
    )
    report = _Report()
    rules = ProjectRules.of(project, current_rubric(project))
    try:
        planned = _plan(project, batch, data, fmt, report, rules)
    except FileError as error:
        report.errors.append((None, error.reason))
        return _rejected(batch, report)
    if report.errors:
        # Report what the project's data would also refuse (ids, overlap, names) in the same pass.
        report.errors.extend(resolve(project, planned, rules).errors)
        return _rejected(batch, report)
    try:
        with transaction.atomic():
            # One import at a time per project, so two uploads cannot both add the same item or label.
            Project.objects.select_for_update().filter(pk=project.pk).first()
            resolution = resolve(project, planned, rules)
            report.errors.extend(resolution.errors)
            report.warnings.extend(resolution.warnings)
            if report.errors:
                raise _Rollback(report)
            batch.status = ImportBatch.Status.ACCEPTED
            batch.items_created = len(resolution.new_slots)
            batch.items_skipped = resolution.items_skipped
            batch.labels_created = resolution.label_count
            report.apply(batch)
            batch.save()
            write_import(project=project, batch=batch, slots=resolution.slots, rubric=current_rubric(project))
    except _Rollback as rollback:
        return _rejected(batch, rollback.report)
    except ExternalNameTaken as error:
        report.errors.append((None, f"an annotator in the file has the username of a registered user ({error})"))
        return _rejected(batch, report)
    except IntegrityError as error:
        reason = f"the file conflicts with data stored at the same time; try again ({str(error).splitlines()[0]})"
        report.errors.append((None, reason))
        return _rejected(batch, report)
    except DataError as error:
        report.errors.append((None, f"the database refused a value in the file ({str(error).splitlines()[0]})"))
        return _rejected(batch, report)
    return batch


def native_jsonl(rows: Iterable[dict]) -> bytes:
    """Native JSONL bytes for rows given as dicts (see ``importers/native.py`` for the fields)."""
    return b"\n".join(json.dumps(row, ensure_ascii=False).encode("utf-8") for row in rows)


def import_native_rows(*, project: Project, user: User | None, rows: Iterable[dict],
                       filename: str = "rows.jsonl") -> ImportBatch:
    """Imports native rows built in code (the demo seed, scripts): the same checks as an uploaded file."""
    return import_file(project=project, user=user, data=native_jsonl(rows), filename=filename,
                       fmt=ImportFormat.NATIVE)
