"""TRL preference import: the four shapes, hidden chosen side, canonical order, gold, margin."""
import json

from apps.datasets.hashing import response_hash
from apps.datasets.models import Item, ItemKind
from apps.datasets.selectors import item_responses, items_of
from apps.datasets.services import import_file
from apps.labeling.models import Label


def run(project, rows, fmt="trl"):
    data = "\n".join(json.dumps(row) for row in rows).encode()
    return import_file(project=project, user=None, data=data, filename="prefs.jsonl", fmt=fmt)


def texts(item):
    return [r.text for r in item_responses(item)]


def chosen_text(item):
    return texts(item)[item.reference["preferred_position"]]


def test_explicit_prompt_keeps_chosen_only_as_a_hidden_reference(project):
    batch = run(project, [{"prompt": "Capital of France?", "chosen": "Paris.", "rejected": "Lyon.", "margin": 0.5}])
    assert (batch.status, batch.items_created, batch.labels_created) == ("accepted", 1, 0)
    item = Item.objects.get(project=project)
    assert item.kind == ItemKind.PAIR and item.prompt.messages == [{"role": "user", "content": "Capital of France?"}]
    assert item.reference["source"] == "trl" and item.reference["margin"] == 0.5
    assert chosen_text(item) == "Paris."
    assert not item.is_gold and Label.objects.count() == 0


def test_canonical_order_follows_the_hash_so_chosen_is_not_always_first(project):
    rows = [{"prompt": f"Question {i}", "chosen": f"good answer {i}", "rejected": f"bad answer {i}"} for i in range(12)]
    run(project, rows)
    positions = set()
    for item in items_of(project):
        first, second = item_responses(item)
        assert response_hash(first.text) <= response_hash(second.text)
        positions.add(item.reference["preferred_position"])
        assert chosen_text(item).startswith("good")
    assert positions == {0, 1}


def test_implicit_prompt_is_the_shared_beginning_cut_at_a_word(project):
    run(project, [{"chosen": "Q: What is 2+2? A: Four, clearly.", "rejected": "Q: What is 2+2? A: Five."}])
    item = Item.objects.get(project=project)
    assert item.prompt.messages == [{"role": "user", "content": "Q: What is 2+2? A:"}]
    assert sorted(texts(item)) == ["Five.", "Four, clearly."]
    assert chosen_text(item) == "Four, clearly."


def test_conversational_prompt_is_kept_as_messages(project):
    prompt = [{"role": "system", "content": "You are kind."}, {"role": "user", "content": "Hello?"}]
    run(project, [{"prompt": prompt, "chosen": [{"role": "assistant", "content": "Hi there!"}],
                   "rejected": [{"role": "assistant", "content": "What."}]}])
    item = Item.objects.get(project=project)
    assert item.prompt.messages == prompt
    assert chosen_text(item) == "Hi there!"


def test_implicit_conversational_splits_the_shared_messages(project):
    shared = [{"role": "user", "content": "Tell a joke"}, {"role": "assistant", "content": "Why?"},
              {"role": "user", "content": "Go on"}]
    run(project, [{"chosen": shared + [{"role": "assistant", "content": "A pun."}],
                   "rejected": shared + [{"role": "assistant", "content": "No."}]}])
    item = Item.objects.get(project=project)
    assert item.prompt.messages == shared and item.prompt.is_multi_turn
    assert sorted(texts(item)) == ["A pun.", "No."]


def test_gold_true_makes_the_chosen_side_the_expected_answer(project):
    run(project, [{"prompt": f"p{i}", "chosen": f"yes {i}", "rejected": f"no {i}", "gold": True} for i in range(6)])
    for item in items_of(project):
        assert item.is_gold
        expected = 1 if item.reference["preferred_position"] == 0 else -1
        assert item.gold_answer == {"preference": expected}


def test_identical_sides_are_skipped_with_a_warning(project):
    batch = run(project, [{"prompt": "p", "chosen": "same", "rejected": "same"},
                          {"prompt": "q", "chosen": "a", "rejected": "b"}])
    assert (batch.status, batch.items_created) == ("accepted", 1)
    assert batch.warnings == [{"line": 1, "reason": "responses 1 and 2 are identical; that pair is skipped"}]


def test_extra_scalar_fields_are_kept_in_metadata(project):
    run(project, [{"prompt": "p", "chosen": "a", "rejected": "b", "source": "web", "score_chosen": 8.0, "id": 17}])
    item = Item.objects.get(project=project)
    assert item.metadata == {"source": "web", "score_chosen": 8.0}
    assert item.external_id == "17"


def test_into_a_ranking_project_it_is_a_ranking_of_two(ranking_project):
    run(ranking_project, [{"prompt": "p", "chosen": "good", "rejected": "bad", "gold": True}])
    item = Item.objects.get(project=ranking_project)
    assert item.kind == ItemKind.RANKING
    assert chosen_text(item) == "good"
    assert item.gold_answer == {"ranks": [1, 2] if item.reference["preferred_position"] == 0 else [2, 1]}


def test_into_a_step_project_each_side_becomes_a_step_item(step_project):
    batch = run(step_project, [{"prompt": "p", "chosen": "line one\nline two", "rejected": "wrong"}])
    assert batch.items_created == 2
    by_text = {item_responses(item)[0].text: item for item in items_of(step_project)}
    assert by_text["line one\nline two"].reference == {"source": "trl", "preferred": True}
    assert by_text["wrong"].reference == {"source": "trl", "preferred": False}
    assert item_responses(by_text["line one\nline two"])[0].steps == ["line one", "line two"]


def test_reimport_skips_everything(project):
    rows = [{"prompt": f"p{i}", "chosen": f"a{i}", "rejected": f"b{i}"} for i in range(5)]
    run(project, rows)
    batch = run(project, rows)
    assert (batch.items_created, batch.items_skipped) == (0, 5)
    assert Item.objects.filter(project=project).count() == 5
