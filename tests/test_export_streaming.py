"""Exports stream: lazy generators over server-side cursors, memory bounded by the chunk, not the project."""
import inspect
import json
import tracemalloc

import pytest
from django.db.models.query import QuerySet
from export_fixtures import import_rows

from apps.datasets import exporters, selectors
from apps.datasets.exporters.options import ExportOptions
from apps.datasets.exports import export_chunks, export_lines
from apps.projects.services import DimensionSpec, project_create


def rows(count: int, offset: int = 0) -> list[dict]:
    """``count`` pair rows with two labels each; every third has a majority."""
    return [
        {"id": f"r{i}", "prompt": f"Question {i}? " + "x" * 200,
         "responses": [f"A{i} " + "y" * 300, f"B{i} " + "z" * 300],
         "labels": [{"annotator": "v1", "preference": 1, "scores": {"accuracy": [5, 3]}, "rationale": "why " * 30},
                    {"annotator": "v2", "preference": 1 if i % 3 == 0 else -1}]}
        for i in range(offset, offset + count)
    ]


def peak_bytes(project, key: str) -> tuple[int, int]:
    """Peak traced memory while the export is consumed line by line, and the lines' total length."""
    fmt = exporters.export_format(key)
    tracemalloc.start()
    try:
        total = sum(len(line) for line in export_lines(project, fmt, ExportOptions()))
        return tracemalloc.get_traced_memory()[1], total
    finally:
        tracemalloc.stop()


def test_nothing_is_read_before_the_first_line(project, django_assert_num_queries):
    import_rows(project, rows(3))
    with django_assert_num_queries(0):
        lines = export_lines(project, exporters.export_format("labels"), ExportOptions())
        chunks = export_chunks(project, exporters.export_format("trl"), ExportOptions())
    assert inspect.isgenerator(lines) and inspect.isgenerator(chunks)
    assert len(list(lines)) == 6
    assert "".join(chunks).count("\n") == 1


@pytest.mark.parametrize("key", ["labels", "trl", "fastchat"])
def test_reads_go_through_a_queryset_iterator(project, monkeypatch, key):
    import_rows(project, rows(5))
    calls = []
    original = QuerySet.iterator

    def spy(self, chunk_size=None):
        calls.append((self.model.__name__, chunk_size))
        return original(self, chunk_size=chunk_size)

    monkeypatch.setattr(QuerySet, "iterator", spy)
    lines = list(export_lines(project, exporters.export_format(key), ExportOptions()))
    assert len(lines) == {"labels": 10, "trl": 2, "fastchat": 10}[key]
    assert calls == [("Label" if key == "labels" else "Item", selectors.EXPORT_CHUNK)]


def test_five_thousand_labels_export_in_bounded_memory(lead, monkeypatch):
    monkeypatch.setattr(selectors, "EXPORT_CHUNK", 250)
    small = project_create(user=lead, name="Small", overlap=2, dimensions=[DimensionSpec("accuracy", "Accuracy")])
    large = project_create(user=lead, name="Large", overlap=2, dimensions=[DimensionSpec("accuracy", "Accuracy")])
    import_rows(small, rows(500))
    import_rows(large, rows(2500))  # 5,000 labels
    for key in ("labels", "trl", "fastchat"):
        small_peak, _ = peak_bytes(small, key)
        large_peak, large_total = peak_bytes(large, key)
        # Five times the labels, about the same peak: memory follows the chunk, not the project.
        assert large_peak < 1.5 * small_peak + 256 * 1024, (key, small_peak, large_peak)
        assert large_peak < 3 * 1024 * 1024, (key, large_peak)
        if key != "trl":
            assert large_peak < large_total / 3, (key, large_peak, large_total)


def test_every_line_is_one_json_object(project):
    import_rows(project, rows(4))
    for key in exporters.FORMATS:
        for line in export_lines(project, exporters.export_format(key), ExportOptions()):
            assert line.endswith("\n") and line.count("\n") == 1
            assert isinstance(json.loads(line), dict)
