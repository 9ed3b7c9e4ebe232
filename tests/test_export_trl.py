"""TRL preference export: majority of current labels (or their Dawid-Skene label), tie policy, gold, margin, plain vs
conversational."""
import pytest
from export_fixtures import annotators, export, import_rows, label

from apps.datasets import exporters
from apps.datasets.exporters.counts import ExportCounts
from apps.datasets.exporters.majority import FIRST, SECOND, verdict
from apps.datasets.exporters.options import ExportOptions
from apps.datasets.exports import export_lines
from apps.labeling.models import Label
from apps.projects.services import project_update
from apps.quality.heavy import refresh_snapshot


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


def test_a_dawid_skene_winner_keeps_the_votes_counts_and_margin():
    result = verdict([1, -1, -1], winner_from="A")  # the votes say B; Dawid-Skene says A
    assert (result.winner, result.first, result.second, result.margin) == (FIRST, 1, 2, -0.3333)
    assert verdict([1, 1, -1], winner_from="B").winner == SECOND
    assert verdict([1, 1], winner_from="tie").winner is None  # the tie policy: skipped like a tie


def dawid_skene_world(project, voters):
    """Three reliable annotators and two who always say the opposite of them on eight items; on "x" one reliable
    annotator says the first response is better and the two unreliable ones the second: the majority picks the
    second, Dawid-Skene (which learned that those two are wrong) the first."""
    items = import_rows(project, [row(f"t{k}") for k in range(8)] + [row("x")])
    for k in range(8):
        truth = 1 if k % 2 == 0 else -1
        vote(items[f"t{k}"], voters, truth, truth, truth, -truth, -truth)
    vote(items["x"], [voters[0], voters[3], voters[4]], 1, -1, -1)
    refresh_snapshot(project)
    return items


def test_dawid_skene_aggregation_overrules_a_majority_of_unreliable_annotators(project, voters):
    items = dawid_skene_world(project, voters)
    by_majority = export(project, "trl", margin="true")
    by_ds = export(project, "trl", margin="true", aggregate="dawid-skene")
    assert by_majority[:8] == by_ds[:8]  # the others: both follow the three reliable annotators
    assert [r["chosen"] for r in by_ds[:8]] == [f"t{k} {'first' if k % 2 == 0 else 'second'}" for k in range(8)]
    assert by_majority[8] == {"prompt": "Which is better?", "chosen": "x second", "rejected": "x first",
                              "margin": 0.3333}
    assert by_ds[8] == {"prompt": "Which is better?", "chosen": "x first", "rejected": "x second", "margin": -0.3333}
    counts = ExportCounts()
    options = ExportOptions.from_params({"aggregate": "dawid-skene"})
    assert len(list(export_lines(project, exporters.export_format("trl"), options, counts))) == 9
    assert counts.dawid_skene_fallback == 0

    # a new label on x: its Dawid-Skene label was computed from other labels, so the majority decides (2 to 2:
    # skipped) until the statistics run again, and the export says how many pairs fell back
    vote(items["x"], voters[1:2], 1)
    counts = ExportCounts()
    rows = list(export_lines(project, exporters.export_format("trl"), options, counts))
    assert len(rows) == 8 and (counts.dawid_skene_fallback, counts.no_majority) == (1, 1)
    refresh_snapshot(project)
    assert export(project, "trl", aggregate="dawid-skene")[8]["chosen"] == "x first"


def test_items_the_statistics_have_not_seen_fall_back_to_the_majority(project, voters):
    items = import_rows(project, [row("new")])
    vote(items["new"], voters, -1, -1, 1)
    counts = ExportCounts()
    options = ExportOptions.from_params({"aggregate": "dawid-skene"})
    rows = [line for line in export_lines(project, exporters.export_format("trl"), options, counts)]
    assert rows == ['{"prompt": "Which is better?", "chosen": "new second", "rejected": "new first"}\n']
    assert counts.dawid_skene_fallback == 1


def test_aggregate_option_is_checked():
    assert ExportOptions.from_params({"aggregate": "Dawid-Skene"}).aggregate == "dawid-skene"
    assert ExportOptions.from_params({}).aggregate == "majority"
    assert ExportOptions(aggregate="dawid-skene").as_params() == {"aggregate": "dawid-skene"}
    with pytest.raises(ValueError, match="Option 'aggregate' must be one of majority, dawid-skene, got 'mean'"):
        ExportOptions.from_params({"aggregate": "mean"})
