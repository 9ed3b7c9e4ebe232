"""Bad files: every kind of error is named with its line, and a rejected file imports nothing."""
import json

import pytest

from apps.accounts.models import User
from apps.datasets.importers import resolution
from apps.datasets.models import ImportBatch, Item, Prompt, Response
from apps.datasets.services import REPORT_LIMIT, import_file
from apps.labeling.models import Label

GOOD = {"prompt": "p", "responses": ["a", "b"], "labels": [{"annotator": "vendor", "preference": 1}]}


def good(i):
    return json.dumps(dict(GOOD, prompt=f"prompt {i}"))


def run(project, data: bytes, fmt="native", filename="rows.jsonl"):
    return import_file(project=project, user=None, data=data, filename=filename, fmt=fmt)


def counts():
    return (Prompt.objects.count(), Response.objects.count(), Item.objects.count(), Label.objects.count(),
            User.objects.filter(is_external=True).count())


@pytest.mark.parametrize("bad_line, reason", [
    ('{"prompt": "p", "responses": ["a", "b"]', "invalid JSON: Expecting ',' delimiter (column 40)"),
    ('{"prompt": "p"}', "missing field 'responses'"),
    ('{"prompt": "p", "responses": "a"}', "wrong type: 'responses' must be a list, got a string"),
    ('{"prompt": 3, "responses": ["a", "b"]}', "wrong type: 'prompt' must be a string or a list of messages, got a number"),
    ('{"prompt": "p", "responses": ["a", "  "]}', "empty text in 'responses[1]'"),
    ('{"prompt": "p", "responses": [{"model": "m"}, "b"]}', "missing field 'responses[0].text'"),
    ('{"prompt": [{"role": "robot", "content": "x"}], "responses": ["a", "b"]}',
     "wrong type: 'prompt[0].role' must be one of system, user, assistant, got 'robot'"),
    ('{"prompt": "p", "responses": ["a", "b"], "priority": NaN}', "invalid JSON: NaN is not a number JSON allows"),
    ('{"prompt": "p\\u0000", "responses": ["a", "b"]}', "invalid character: the line holds a NUL character (\\u0000)"),
    ('["p", "a", "b"]', "wrong type: each line must be a JSON object, got a list"),
    ('{"prompt": "p", "responses": ["a", "b"], "priority": 1e400}',
     "wrong type: 'priority' must be a finite number, got a number"),
    ('{"prompt": "p", "responses": ["a", "b"], "labels": [{"preference": 1}]}', "missing field 'labels[0].annotator'"),
])
def test_bad_line_between_good_lines_rejects_the_whole_file(project, bad_line, reason):
    before = counts()
    data = "\n".join([good(1), good(2), bad_line, good(3)]).encode()
    batch = run(project, data)
    assert batch.status == ImportBatch.Status.REJECTED
    assert batch.errors == [{"line": 3, "reason": reason}]
    assert (batch.items_created, batch.labels_created, batch.rows_read) == (0, 0, 4)
    assert counts() == before
    assert ImportBatch.objects.get(pk=batch.pk).errors == batch.errors  # saved as the audit record


def test_every_bad_line_is_reported(project):
    data = "\n".join([good(1), "{", good(2), '{"prompt": "x"}', "", "nope"]).encode()
    batch = run(project, data)
    assert [e["line"] for e in batch.errors] == [2, 4, 6]


def test_too_long_text_names_the_limit(project, settings):
    settings.IMPORT_MAX_TEXT_CHARS = 10
    batch = run(project, json.dumps({"prompt": "p", "responses": ["a" * 11, "b"]}).encode())
    assert batch.errors == [{"line": 1, "reason": "too long: 'responses[0]' has 11 characters (limit 10)"}]


def test_oversized_file_is_rejected_before_reading(project, settings):
    settings.IMPORT_MAX_BYTES = 100
    data = "\n".join(good(i) for i in range(5)).encode()
    batch = run(project, data)
    assert batch.status == "rejected"
    assert batch.errors == [{"line": None, "reason": f"file too large: {len(data)} bytes (limit 100)"}]
    assert Item.objects.count() == 0


@pytest.mark.parametrize("data, reason", [
    (b"", "the file is empty"),
    (b"  \n\n ", "the file is empty"),
    (good(1).encode() + b"\n\xff\xfe{}", "not UTF-8: byte 0xff on line 2 is not valid UTF-8; save the file as UTF-8"),
])
def test_file_level_errors(project, data, reason):
    batch = run(project, data, fmt=None)
    assert batch.errors == [{"line": None, "reason": reason}]
    assert batch.status == "rejected" and batch.pk is not None


def test_unknown_format_names_the_fields_it_saw(project):
    batch = run(project, b'{"question_text": "q", "answer": "a"}', fmt=None)
    assert batch.status == "rejected" and batch.errors[0]["line"] is None
    assert batch.errors[0]["reason"].startswith("unknown format: the first row's fields (answer, question_text)")


def test_unknown_format_value(project):
    batch = run(project, good(1).encode(), fmt="xml")
    assert batch.errors[0]["reason"].startswith("unknown format 'xml'")


def test_neither_json_nor_csv(project):
    batch = run(project, b"hello world\n", fmt=None, filename="notes.txt")
    assert batch.errors[0]["reason"] == ("unknown format: the first line is neither a JSON object nor a CSV header "
                                         "with a 'prompt' column")


def test_error_list_is_capped(project):
    data = "\n".join("{" for _ in range(REPORT_LIMIT + 5)).encode()
    batch = run(project, data)
    assert len(batch.errors) == REPORT_LIMIT + 1
    assert batch.errors[-1] == {"line": None, "reason": "... and 5 more errors not listed"}


def test_label_beyond_overlap_counts_existing_labels(project):
    run(project, json.dumps(dict(GOOD, labels=[{"annotator": "a", "preference": 1},
                                               {"annotator": "b", "preference": 1}])).encode())
    batch = run(project, json.dumps(dict(GOOD, labels=[{"annotator": "c", "preference": 1}])).encode())
    assert batch.errors == [{"line": 1, "reason": "too many labels: this item would have 3 labels, more than the "
                                                  "project's overlap of 2"}]


def test_duplicate_id_in_one_file(project):
    rows = [dict(GOOD, id="same", prompt="one"), dict(GOOD, id="same", prompt="two")]
    batch = run(project, "\n".join(json.dumps(r) for r in rows).encode())
    assert batch.errors == [{"line": 2, "reason": "id 'same' is also used on line 1 for different content"}]


def test_trl_row_errors(project):
    rows = ['{"prompt": "p", "chosen": "a"}', '{"chosen": "alpha", "rejected": "beta"}', '{"prompt": "p", "chosen": "a", "rejected": "b", "gold": "yes"}']
    batch = run(project, "\n".join(rows).encode(), fmt="trl")
    assert batch.errors == [
        {"line": 1, "reason": "missing field 'rejected'"},
        {"line": 2, "reason": "missing field 'prompt': 'chosen' and 'rejected' share no beginning to use as the prompt"},
        {"line": 3, "reason": "wrong type: 'gold' must be true or false, got a string"},
    ]


def test_a_conflict_while_writing_rolls_everything_back(project, monkeypatch):
    rows = "\n".join([good(1), good(2)]).encode()
    run(project, json.dumps(dict(GOOD, prompt="prompt 2")).encode())  # line 2's item is already there
    before = counts()
    monkeypatch.setattr(resolution, "_existing_items", lambda project, hashes: {})  # as if another upload raced us
    batch = run(project, rows)
    assert batch.status == "rejected"
    assert batch.errors[0]["line"] is None
    assert batch.errors[0]["reason"].startswith("the file conflicts with data stored at the same time; try again")
    assert counts() == before
    assert ImportBatch.objects.filter(status="accepted").count() == 1


def test_a_csv_with_only_a_header_has_no_rows(project):
    batch = run(project, b"prompt,response_1,response_2\n", fmt="csv", filename="x.csv")
    assert batch.errors == [{"line": None, "reason": "the file has no rows"}]


def test_nul_in_a_csv_cell_is_a_line_error(project):
    batch = run(project, b"prompt,response_1,response_2\nq,a\x00,b\n", fmt="csv", filename="x.csv")
    assert batch.errors == [{"line": 2, "reason": "invalid character: the row holds a NUL character"}]
