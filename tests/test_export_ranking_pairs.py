"""Pairs derived from rankings: every pair of a ranking item's responses, by majority of current ranks."""
import json

from export_fixtures import export, import_rows

from apps.datasets import exporters
from apps.datasets.exporters.counts import ExportCounts
from apps.datasets.exporters.options import ExportOptions
from apps.datasets.exports import export_lines

ROWS = [
    {"id": "r1", "prompt": "Sort these", "responses": ["a", "b", "c"],
     "labels": [{"annotator": "v1", "ranks": [1, 2, 3]}, {"annotator": "v2", "ranks": [1, 3, 2]},
                {"annotator": "v3", "ranks": [2, 1, 3]}]},
    {"id": "r2", "prompt": "And these", "responses": ["d", "e"],
     "labels": [{"annotator": "v1", "ranks": [1, 2]}, {"annotator": "v2", "ranks": [2, 1]}]},
    {"id": "r3", "prompt": "Gold", "responses": ["f", "g"], "gold": {"ranks": [2, 1]},
     "labels": [{"annotator": "v1", "ranks": [1, 2]}]},
]


def test_every_pair_by_majority_with_margin(ranking_project):
    import_rows(ranking_project, ROWS)
    counts = ExportCounts()
    fmt, options = exporters.export_format("ranking_pairs"), ExportOptions(margin=True)
    rows = [json.loads(line) for line in export_lines(ranking_project, fmt, options, counts)]
    assert rows == [
        {"prompt": "Sort these", "chosen": "a", "rejected": "b", "margin": 0.3333},
        {"prompt": "Sort these", "chosen": "a", "rejected": "c", "margin": 1.0},
        {"prompt": "Sort these", "chosen": "b", "rejected": "c", "margin": 0.3333},
        {"prompt": "Gold", "chosen": "f", "rejected": "g", "margin": 1.0},
    ]
    assert (counts.rows, counts.no_majority) == (4, 1)  # d / e: one vote each way


def test_gold_can_be_left_out_and_prompts_made_messages(ranking_project):
    import_rows(ranking_project, ROWS)
    rows = export(ranking_project, "ranking_pairs", gold="exclude", conversational="always")
    assert [(r["chosen"][0]["content"], r["rejected"][0]["content"]) for r in rows] == [("a", "b"), ("a", "c"), ("b", "c")]
    assert rows[0]["prompt"] == [{"role": "user", "content": "Sort these"}]
    assert "margin" not in rows[0]


def test_tied_ranks_vote_tie(ranking_project):
    ranking_project.allow_rank_ties = True
    ranking_project.save()
    import_rows(ranking_project, [{"prompt": "p", "responses": ["a", "b", "c"],
                                   "labels": [{"annotator": "v1", "ranks": [1, 1, 2]},
                                              {"annotator": "v2", "ranks": [1, 1, 3]}]}])
    assert [(r["chosen"], r["rejected"]) for r in export(ranking_project, "ranking_pairs")] == [("a", "c"), ("b", "c")]


def test_pair_projects_have_no_ranking_pairs(project):
    import_rows(project, [{"id": "x", "prompt": "p", "responses": ["a", "b"],
                           "labels": [{"annotator": "v", "preference": 1}]}])
    assert export(project, "ranking_pairs") == []
    assert export(project, "trl") == [{"prompt": "p", "chosen": "a", "rejected": "b"}]
