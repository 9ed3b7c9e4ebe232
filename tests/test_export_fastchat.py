"""FastChat / Chatbot Arena battles: one row per current label, models in that label's shown order."""
from export_fixtures import annotators, export, import_rows, label

from apps.labeling.models import Label
from apps.projects.services import project_update

CHAT = [{"role": "system", "content": "Be terse."}, {"role": "user", "content": "Hi"},
        {"role": "assistant", "content": "Hello."}, {"role": "user", "content": "Capital of France?"}]
ROWS = [
    {"id": "q1", "prompt": CHAT, "responses": [{"text": "Paris.", "model": "m-a"}, {"text": "Lyon.", "model": "m-b"}],
     "labels": [{"annotator": "carol", "preference": 1}]},
    {"prompt": "Name a prime.", "responses": ["7", {"text": "8", "model": "m-b"}], "gold": {"preference": 1}},
]


def conversation(answer):
    return CHAT + [{"role": "assistant", "content": answer}]


def test_one_battle_per_current_label_in_shown_order(project):
    project_update(project, overlap=5, preference_scale="five")
    items = import_rows(project, ROWS)
    alice, bob, dave, eve = annotators(project, "alice", "bob", "dave", "eve")
    first = items["q1"]
    # alice saw Lyon first and preferred it: canonical -1, shown +1 → model_a (m-b) wins.
    a = label(first, alice, preference=-1, shown_order=[1, 0])
    b = label(first, bob, preference=0, shown_order=[1, 0], flags=["both_unacceptable"])
    old = label(first, dave, preference=2, shown_order=[0, 1])
    Label.objects.filter(pk=old.pk).update(is_current=False)
    d = label(first, dave, preference=0, shown_order=[0, 1], flags=["unsafe"], version=2, previous=old)
    e = label(first, eve, preference=-2, shown_order=[0, 1])
    c = Label.objects.get(annotator__username="ext-carol")

    rows = export(project, "fastchat")

    by_judge = {row["judge"]: row for row in rows if row["question_id"] == "q1"}
    assert list(by_judge) == ["ext-carol", "alice", "bob", "dave", "eve"]
    assert by_judge["alice"] == {
        "question_id": "q1", "model_a": "m-b", "model_b": "m-a", "winner": "model_a", "judge": "alice",
        "conversation_a": conversation("Lyon."), "conversation_b": conversation("Paris."), "turn": 2,
        "anony": True, "tstamp": round(a.created_at.timestamp(), 3),
    }
    assert by_judge["ext-carol"] == {  # imported: no shown order, so canonical order
        "question_id": "q1", "model_a": "m-a", "model_b": "m-b", "winner": "model_a", "judge": "ext-carol",
        "conversation_a": conversation("Paris."), "conversation_b": conversation("Lyon."), "turn": 2,
        "anony": True, "tstamp": round(c.created_at.timestamp(), 3),
    }
    assert [(by_judge[j]["model_a"], by_judge[j]["winner"], by_judge[j]["tstamp"]) for j in ("bob", "dave", "eve")] == [
        ("m-b", "tie (bothbad)", round(b.created_at.timestamp(), 3)),
        ("m-a", "tie", round(d.created_at.timestamp(), 3)),
        ("m-a", "model_b", round(e.created_at.timestamp(), 3)),
    ]


def test_unnamed_models_single_turn_and_gold(project):
    items = import_rows(project, ROWS)
    (alice,) = annotators(project, "alice")
    gold = items[""]
    label(gold, alice, preference=1, shown_order=[1, 0])
    rows = export(project, "fastchat")
    assert rows[-1] == {
        "question_id": str(gold.pk), "model_a": "m-b", "model_b": "unknown", "winner": "model_b", "judge": "alice",
        "conversation_a": [{"role": "user", "content": "Name a prime."}, {"role": "assistant", "content": "8"}],
        "conversation_b": [{"role": "user", "content": "Name a prime."}, {"role": "assistant", "content": "7"}],
        "turn": 1, "anony": True, "tstamp": rows[-1]["tstamp"],
    }
    assert isinstance(rows[-1]["tstamp"], float)
    assert [r["question_id"] for r in export(project, "fastchat", gold="exclude")] == ["q1"]
