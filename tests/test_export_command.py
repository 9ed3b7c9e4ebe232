"""``manage.py export_labels``: JSON lines to standard output or a file, a summary on standard error."""
import json
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from export_fixtures import import_rows

from apps.quality.heavy import refresh_snapshot

ROWS = [
    {"id": "a", "prompt": "p", "responses": ["x", "y"],
     "labels": [{"annotator": "v1", "preference": 1}, {"annotator": "v2", "preference": 1}]},
    {"id": "b", "prompt": "q", "responses": ["u", "w"],
     "labels": [{"annotator": "v1", "preference": 1}, {"annotator": "v2", "preference": -1}]},
]


def run(*args):
    out, err = StringIO(), StringIO()
    call_command("export_labels", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_writes_to_standard_output(project):
    import_rows(project, ROWS)
    out, err = run(project.slug, "--format", "trl", "--margin")
    assert out == '{"prompt": "p", "chosen": "x", "rejected": "y", "margin": 1.0}\n'
    assert err == f"Exported 1 trl rows of {project.slug} to standard output, 1 pairs without a majority skipped\n"


def test_writes_a_file(project, tmp_path):
    import_rows(project, ROWS)
    target = tmp_path / "labels.jsonl"
    out, err = run(project.slug, "--format", "labels", "--output", str(target))
    rows = [json.loads(line) for line in target.read_text(encoding="utf-8").splitlines()]
    assert [(r["item_external_id"], r["annotator"], r["preference"]) for r in rows] == [
        ("a", "ext-v1", 1), ("a", "ext-v2", 1), ("b", "ext-v1", 1), ("b", "ext-v2", -1),
    ]
    assert out == "" and err == f"Exported 4 labels rows of {project.slug} to {target}\n"
    assert not (tmp_path / "labels.jsonl.part").exists()


def test_options_reach_the_export(project):
    import_rows(project, ROWS + [{"id": "g", "prompt": "r", "responses": ["s", "t"], "gold": {"preference": 1},
                                  "labels": [{"annotator": "v1", "preference": -1}]}])
    out, _ = run(project.slug, "--format", "fastchat", "--gold", "exclude")
    assert sorted({json.loads(line)["question_id"] for line in out.splitlines()}) == ["a", "b"]
    out, _ = run(project.slug, "--format", "trl", "--conversational", "always")
    assert json.loads(out.splitlines()[0])["prompt"] == [{"role": "user", "content": "p"}]


def test_aggregate_by_dawid_skene(project):
    import_rows(project, ROWS)
    out, err = run(project.slug, "--format", "trl", "--aggregate", "dawid-skene")
    assert out == '{"prompt": "p", "chosen": "x", "rejected": "y"}\n'  # no Dawid-Skene labels yet: the majority
    assert err == (f"Exported 1 trl rows of {project.slug} to standard output, 1 pairs without a majority skipped, "
                   "2 pairs by majority (no Dawid-Skene label for their current labels yet)\n")
    refresh_snapshot(project)
    out, err = run(project.slug, "--format", "trl", "--aggregate", "dawid-skene")
    assert len(out.splitlines()) == 2  # Dawid-Skene decides "b", which has no majority
    assert err == f"Exported 2 trl rows of {project.slug} to standard output\n"
    with pytest.raises(CommandError, match="invalid choice: 'mean'"):
        run(project.slug, "--format", "trl", "--aggregate", "mean")


def test_unknown_project_and_format_are_errors(project, tmp_path):
    with pytest.raises(CommandError, match="no project with slug 'nope'"):
        run("nope", "--format", "trl")
    with pytest.raises(CommandError, match="invalid choice: 'xml'"):
        run(project.slug, "--format", "xml")
    with pytest.raises(CommandError, match="cannot write"):
        run(project.slug, "--format", "labels", "--output", str(tmp_path / "missing" / "out.jsonl"))
