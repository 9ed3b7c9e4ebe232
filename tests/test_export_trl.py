"""TRL preference export: majority of current labels, tie policy, gold, margin, plain vs conversational."""
import pytest
from export_fixtures import annotators, export, import_rows, label

from apps.datasets import exporters
from apps.datasets.exporters.counts import ExportCounts
from apps.datasets.exporters.majority import FIRST, SECOND, verdict
from apps.datasets.exporters.options import ExportOptions
from apps.datasets.exports import export_lines
from apps.labeling.models import Label
from apps.projects.services import project_update


def row(external_id, prompt="Which is better?", **extra):
    return {"id": external_id, "prompt": prompt, "responses": [f"{external_id} first", f"{external_id} second"],
            **extra}


@pytest.fixture
def voters(project):
    project_update(project, overlap=5, preference_scale="five")
    return annotators(project, "a1", "a2", "a3", "a4", "a5")


def vote(item, voters, *preferences):
    # Shown orders alternate: the stored preference is canonical whatever side was shown first.
    for annotator, preference in zip(voters, preferences):
        label(item, annotator, preference=preference, shown_order=[annotator.pk % 2, 1 - annotator.pk % 2])


@pytest.mark.parametrize("votes, winner, margin", [
    ([2, 1, -1], FIRST, 0.6667),
    ([-1, -1], SECOND, 1.0),
    ([1, 1, 0], FIRST, 0.6667),
    ([1, 1, 1, -2, -2], FIRST, -0.2),
    ([2, 2], FIRST, 2.0),
    ([0, 0, 1], None, None),   # a tie is the majority
    ([1, 0], None, None),      # a tie shares the top
    ([1, -1], None, None),     # split evenly
    ([2, 2, -1, -1], None, None),
    ([], None, None),
])
def test_majority_rule(votes, winner, margin):
    result = verdict(votes)
    assert (result.winner, result.margin) == (winner, margin)
    assert result.first + result.second + result.ties == len(votes)


def test_pairs_by_majority_with_ties_skipped(project, voters):
    items = import_rows(project, [row("win"), row("lose"), row("tie"), row("split"), row("unlabelled")])
    vote(items["win"], voters, 2, 1, -1)
    vote(items["lose"], voters, -1, -2)
    vote(items["tie"], voters, 0, 0, 1)
    vote(items["split"], voters, 1, -1)
    counts = ExportCounts()
    lines = list(export_lines(project, exporters.export_format("trl"), ExportOptions(), counts))

    assert lines == [
        '{"prompt": "Which is better?", "chosen": "win first", "rejected": "win second"}\n',
        '{"prompt": "Which is better?", "chosen": "lose second", "rejected": "lose first"}\n',
    ]
    assert (counts.rows, counts.no_majority) == (2, 2)


def test_only_current_labels_vote(project, voters):
    item = import_rows(project, [row("edited")])["edited"]
    vote(item, voters[:1], -1)
    old = Label.objects.get()
    Label.objects.filter(pk=old.pk).update(is_current=False)
    label(item, voters[0], preference=2, shown_order=[0, 1], version=2, previous=old)
    assert export(project, "trl", margin="true") == [
        {"prompt": "Which is better?", "chosen": "edited first", "rejected": "edited second", "margin": 2.0}
    ]


def test_margin_is_the_mean_vote_toward_the_chosen_side(project, voters):
    items = import_rows(project, [row("win"), row("lose")])
    vote(items["win"], voters, 2, 1, -1)
    vote(items["lose"], voters, -1, -2, 0, -2)
    assert [(r["chosen"], r["margin"]) for r in export(project, "trl", margin="true")] == [
        ("win first", 0.6667), ("lose second", 1.25),
    ]
    assert "margin" not in export(project, "trl")[0]


def test_gold_items_are_included_unless_left_out(project, voters):
    items = import_rows(project, [row("plain"), row("gold", gold={"preference": -1})])
    vote(items["plain"], voters, 1)
    vote(items["gold"], voters, 1, 1)  # the annotators' majority, not the gold answer, decides
    assert [r["chosen"] for r in export(project, "trl")] == ["plain first", "gold first"]
    assert [r["chosen"] for r in export(project, "trl", gold="exclude")] == ["plain first"]


def test_plain_strings_when_no_prompt_needs_messages(project, voters):
    item = import_rows(project, [row("q", prompt=[{"role": "user", "content": "Only a question"}])])["q"]
    vote(item, voters, -1)
    assert export(project, "trl") == [{"prompt": "Only a question", "chosen": "q second", "rejected": "q first"}]
    assert export(project, "trl", conversational="always") == [{
        "prompt": [{"role": "user", "content": "Only a question"}],
        "chosen": [{"role": "assistant", "content": "q second"}],
        "rejected": [{"role": "assistant", "content": "q first"}],
    }]


def test_one_multi_turn_prompt_makes_every_row_conversational(project, voters):
    chat = [{"role": "system", "content": "Be terse."}, {"role": "user", "content": "Hi"},
            {"role": "assistant", "content": "Hello."}, {"role": "user", "content": "Capital of France?"}]
    items = import_rows(project, [row("plain"), row("chat", prompt=chat)])
    vote(items["plain"], voters, 1)
    vote(items["chat"], voters, -2)
    assert export(project, "trl") == [
        {"prompt": [{"role": "user", "content": "Which is better?"}],
         "chosen": [{"role": "assistant", "content": "plain first"}],
         "rejected": [{"role": "assistant", "content": "plain second"}]},
        {"prompt": chat,
         "chosen": [{"role": "assistant", "content": "chat second"}],
         "rejected": [{"role": "assistant", "content": "chat first"}]},
    ]


def test_a_system_message_alone_makes_it_conversational(project, voters):
    prompt = [{"role": "system", "content": "Answer in French."}, {"role": "user", "content": "Hello?"}]
    vote(import_rows(project, [row("sys", prompt=prompt)])["sys"], voters, 1)
    (only,) = export(project, "trl")
    assert only["prompt"] == prompt and only["chosen"] == [{"role": "assistant", "content": "sys first"}]


def test_option_errors_name_the_option():
    with pytest.raises(ValueError, match="Option 'gold' must be one of include, exclude, got 'maybe'"):
        ExportOptions.from_params({"gold": "maybe"})
    with pytest.raises(ValueError, match="Option 'margin' must be true or false, got 'sure'"):
        ExportOptions.from_params({"margin": "sure"})
    assert ExportOptions.from_params({"margin": "1", "conversational": "ALWAYS"}) == ExportOptions(
        margin=True, conversational="always")
