"""UltraFeedback import: completions as responses, ratings as a hidden reference, pairs or a ranking."""
import json

from apps.datasets.models import Item, ItemKind
from apps.datasets.selectors import item_responses, items_of
from apps.datasets.services import import_file
from apps.labeling.models import Label


def completion(model, text, helpfulness="4", honesty="N/A", score=7.5):
    return {"model": model, "principle": "helpfulness", "custom_system_prompt": "Be helpful.", "response": text,
            "annotations": {"helpfulness": {"Rating": helpfulness, "Rationale": "ok"},
                            "honesty": {"Rating": honesty, "Rationale": "n/a"}},
            "critique": "Fine.", "overall_score": score, "fine-grained_score": 4.0}


def row(n):
    models = ["gpt-4", "llama-2-13b-chat", "wizardlm-7b", "falcon-40b-instruct", "mpt-30b-chat", "ultralm-13b"][:n]
    return {"source": "evol_instruct", "instruction": "Explain recursion.", "models": models,
            "completions": [completion(m, f"Answer from {m}.", helpfulness=str(i % 5 + 1)) for i, m in enumerate(models)],
            "correct_answers": ["None"], "incorrect_answers": ["None"]}


def run(project, rows, fmt=None):
    data = "\n".join(json.dumps(r) for r in rows).encode()
    return import_file(project=project, user=None, data=data, filename="uf.jsonl", fmt=fmt)


def test_four_completions_make_all_six_pairs(project):
    batch = run(project, [row(4)])
    assert (batch.format, batch.status, batch.items_created, batch.labels_created) == ("ultrafeedback", "accepted", 6, 0)
    pairs = [tuple(r.model_name for r in item_responses(item)) for item in items_of(project)]
    a, b, c, d = "gpt-4", "llama-2-13b-chat", "wizardlm-7b", "falcon-40b-instruct"
    assert pairs == [(a, b), (a, c), (a, d), (b, c), (b, d), (c, d)]
    assert Label.objects.count() == 0


def test_ratings_are_kept_as_a_reference_in_item_order(project):
    run(project, [row(4)])
    item = items_of(project).first()
    reference = item.reference
    assert reference["source"] == "ultrafeedback" and reference["dataset"] == "evol_instruct"
    assert [r["model"] for r in reference["responses"]] == ["gpt-4", "llama-2-13b-chat"]
    assert reference["responses"][0]["ratings"] == {"helpfulness": 1, "honesty": None}
    assert reference["responses"][1]["ratings"]["helpfulness"] == 2
    assert reference["responses"][0]["overall_score"] == 7.5


def test_six_completions_make_a_cycle_of_six_pairs(project):
    run(project, [row(6)])
    pairs = [tuple(r.text for r in item_responses(item)) for item in items_of(project)]
    order = [f"Answer from {m}." for m in row(6)["models"]]
    assert pairs == [(order[0], order[1]), (order[1], order[2]), (order[2], order[3]), (order[3], order[4]),
                       (order[4], order[5]), (order[0], order[5])]


def test_a_ranking_project_gets_one_ranking_item(ranking_project):
    run(ranking_project, [row(4)])
    item = Item.objects.get(project=ranking_project)
    assert item.kind == ItemKind.RANKING
    assert [r.model_name for r in item_responses(item)] == row(4)["models"]
    assert len(item.reference["responses"]) == 4


def test_a_bad_rating_is_an_error(project):
    bad = row(2)
    bad["completions"][1]["annotations"]["helpfulness"]["Rating"] = "7"
    batch = run(project, [bad])
    assert batch.errors == [{"line": 1, "reason": "wrong type: 'completions[1].annotations.helpfulness.Rating' "
                                                  "must be '1'..'5' or 'N/A', got '7'"}]
