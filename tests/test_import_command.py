"""The import_items management command: summary on success, line errors and a non-zero exit on rejection."""
import json

import pytest
from django.core.management import CommandError, call_command

from apps.datasets.models import ImportBatch, Item


@pytest.fixture
def rows_file(tmp_path):
    path = tmp_path / "rows.jsonl"
    rows = [{"prompt": "p1", "responses": ["a", "b"], "labels": [{"annotator": "v", "preference": -1}]},
            {"prompt": "p2", "responses": ["same", "same"]}]
    path.write_text("\n".join(json.dumps(r) for r in rows))
    return path


def test_success_prints_a_summary(project, lead, rows_file, capsys):
    call_command("import_items", project.slug, str(rows_file), "--user", lead.username)
    out = capsys.readouterr().out
    assert "Imported rows.jsonl (Native JSONL) into helpfulness: 2 rows read, 1 items created, 0 skipped, " \
           "1 labels created, 1 warnings" in out
    assert "warning: line 2: responses 1 and 2 are identical; that pair is skipped" in out
    batch = ImportBatch.objects.get()
    assert (batch.uploaded_by, batch.filename, batch.status) == (lead, "rows.jsonl", "accepted")


def test_reimport_reports_skipped(project, rows_file, capsys):
    call_command("import_items", project.slug, str(rows_file), "--format", "native")
    call_command("import_items", project.slug, str(rows_file))
    assert "0 items created, 1 skipped, 0 labels created" in capsys.readouterr().out


def test_rejected_file_lists_each_bad_line_and_fails(project, tmp_path, capsys):
    path = tmp_path / "bad.jsonl"
    path.write_text('{"prompt": "p", "responses": ["a", "b"]}\n{"prompt": "q"}\n{oops\n')
    with pytest.raises(CommandError, match="bad.jsonl rejected \\(2 errors listed\\); nothing imported"):
        call_command("import_items", project.slug, str(path))
    err = capsys.readouterr().err
    assert "line 2: missing field 'responses'" in err
    assert "line 3: invalid JSON: Expecting property name enclosed in double quotes (column 2)" in err
    assert Item.objects.count() == 0
    assert ImportBatch.objects.get().status == "rejected"


def test_file_level_error_goes_to_stderr(project, tmp_path, capsys):
    path = tmp_path / "empty.jsonl"
    path.write_bytes(b"")
    with pytest.raises(CommandError):
        call_command("import_items", project.slug, str(path))
    assert "file: the file is empty" in capsys.readouterr().err


def test_unknown_project_user_or_file(project, rows_file, tmp_path):
    with pytest.raises(CommandError, match="no project with slug 'nope'"):
        call_command("import_items", "nope", str(rows_file))
    with pytest.raises(CommandError, match="no user named 'ghost'"):
        call_command("import_items", project.slug, str(rows_file), "--user", "ghost")
    with pytest.raises(CommandError, match="cannot read"):
        call_command("import_items", project.slug, str(tmp_path / "missing.jsonl"))
    assert ImportBatch.objects.count() == 0
