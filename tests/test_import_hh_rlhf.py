"""HH-RLHF import: transcripts split into messages, shared prefix as prompt, last turns as responses."""
import json

from apps.datasets.models import Item
from apps.datasets.selectors import item_responses
from apps.datasets.services import import_file

PREFIX = "\n\nHuman: What can I cook with eggs?\n\nAssistant: Many things. Any preference?\n\nHuman: Something quick."
ROW = {"chosen": PREFIX + "\n\nAssistant: An omelette takes five minutes.",
       "rejected": PREFIX + "\n\nAssistant: I don't know."}


def run(project, rows, fmt="hh_rlhf"):
    data = "\n".join(json.dumps(row) for row in rows).encode()
    return import_file(project=project, user=None, data=data, filename="hh.jsonl", fmt=fmt)


def test_transcripts_become_a_multi_turn_prompt_and_two_responses(project):
    batch = run(project, [ROW])
    assert batch.status == "accepted", batch.errors
    item = Item.objects.get(project=project)
    assert item.prompt.messages == [
        {"role": "user", "content": "What can I cook with eggs?"},
        {"role": "assistant", "content": "Many things. Any preference?"},
        {"role": "user", "content": "Something quick."},
    ]
    texts = [r.text for r in item_responses(item)]
    assert sorted(texts) == ["An omelette takes five minutes.", "I don't know."]
    assert item.reference["source"] == "hh_rlhf"
    assert texts[item.reference["preferred_position"]] == "An omelette takes five minutes."


def test_is_sniffed_from_the_human_marker(project):
    batch = run(project, [ROW], fmt=None)
    assert batch.format == "hh_rlhf"


def test_transcripts_that_differ_before_the_last_turn_are_an_error(project):
    other = dict(ROW, rejected="\n\nHuman: Something else\n\nAssistant: No.")
    batch = run(project, [ROW, other])
    assert batch.status == "rejected"
    assert batch.errors == [{"line": 2, "reason": "'chosen' and 'rejected' differ before their last assistant turn; "
                                                  "an HH-RLHF pair shares everything up to it"}]
    assert Item.objects.count() == 0


def test_a_transcript_must_end_with_the_assistant(project):
    batch = run(project, [dict(ROW, chosen=PREFIX)])
    assert batch.errors[0]["reason"] == "wrong type: 'chosen' must end with an '\\n\\nAssistant: ' turn"


def test_empty_last_turn_is_empty_text(project):
    batch = run(project, [dict(ROW, rejected=PREFIX + "\n\nAssistant:")])
    assert batch.errors[0]["reason"] == "empty text in 'rejected (turn 4)'"
