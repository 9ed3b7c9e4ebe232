"""Telling the format from the file name and the first row."""
import json

import pytest

from apps.datasets.importers.rows import FileError
from apps.datasets.importers.sniffing import sniff


@pytest.mark.parametrize("row, fmt", [
    ({"prompt": "p", "responses": ["a", "b"]}, "native"),
    ({"prompt": "p", "chosen": "a", "rejected": "b"}, "trl"),
    ({"chosen": "\n\nHuman: hi\n\nAssistant: a", "rejected": "\n\nHuman: hi\n\nAssistant: b"}, "hh_rlhf"),
    ({"instruction": "i", "completions": []}, "ultrafeedback"),
    ({"prompt": "p", "completions": ["s"], "labels": [True]}, "trl_stepwise"),
    ({"labeler": "x", "question": {}, "label": {}}, "prm800k"),
])
def test_first_row_decides(row, fmt):
    assert sniff(json.dumps(row) + "\n", "upload.jsonl") == fmt


def test_csv_by_name_or_header():
    assert sniff('{"prompt": "p", "responses": []}', "rows.CSV") == "csv"
    assert sniff("\n\nid,Prompt,response_1\n", "rows.txt") == "csv"


def test_leading_blank_lines_are_skipped():
    assert sniff('\n\n  {"responses": []}\n', "x.jsonl") == "native"


def test_unknown_shapes_raise_with_the_keys():
    with pytest.raises(FileError, match=r"unknown format: the first row's fields \(a, b\)"):
        sniff('{"b": 1, "a": 2}', "x.jsonl")
    with pytest.raises(FileError, match="not a JSON object"):
        sniff('{"b": 1,', "x.jsonl")
