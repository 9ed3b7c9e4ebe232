"""Held-out metrics of worker.ml.evaluation on hand-computed cases (no torch)."""
import math

import pytest

from worker.ml.data import PreferencePair, StepExample
from worker.ml.evaluation import evaluate_outcome, evaluate_process, expected_calibration_error, map_step_label


def pair(target=1.0, **meta):
    return PreferencePair([{"role": "user", "content": "q"}], "a", "b", target=target, meta=meta)


def logit(p):
    return math.log(p / (1 - p))


def test_pairwise_accuracy_counts_model_ties_as_wrong():
    pairs = [pair(), pair(), pair(), pair()]
    m = evaluate_outcome(pairs, [2.0, 1.0, 0.5, 0.0], [1.0, 1.0, 1.0, -1.0])
    # right, tie (wrong), wrong, right
    assert m["pairwise_accuracy"] == pytest.approx(0.5)
    assert m["n_heldout"] == 4 and m["n_scored"] == 4


def test_human_ties_are_left_out_of_accuracy():
    pairs = [pair(), pair(target=0.5), pair(target=0.67)]
    m = evaluate_outcome(pairs, [1.0, 0.0, 0.0], [0.0, 5.0, 1.0])
    assert m["n_ties"] == 1
    assert m["n_scored"] == 2
    assert m["pairwise_accuracy"] == pytest.approx(0.5)  # soft target 0.67 still has a side


def test_accuracy_per_source_and_dimension():
    pairs = [pair(source="hh", dimension="helpful"), pair(source="hh", dimension="harmless"),
             pair(source="uf", dimension="helpful")]
    m = evaluate_outcome(pairs, [1.0, 0.0, 1.0], [0.0, 1.0, 0.0])
    assert m["accuracy_by_source"] == {"hh": 0.5, "uf": 1.0}
    assert m["accuracy_by_dimension"] == {"harmless": 0.0, "helpful": 1.0}


def test_ece_and_reliability_table_by_hand():
    # confidences 0.55 (right), 0.65 (wrong), 0.95 (right), 0.95 (right)
    pairs = [pair() for _ in range(4)]
    chosen = [logit(0.55), -logit(0.65), logit(0.95), logit(0.95)]
    m = evaluate_outcome(pairs, chosen, [0.0] * 4, bins=5)
    table = m["reliability"]
    assert [b["count"] for b in table] == [1, 1, 0, 0, 2]
    assert table[0]["lo"] == 0.5 and table[-1]["hi"] == 1.0
    assert table[0]["accuracy"] == 1.0 and table[1]["accuracy"] == 0.0
    assert table[4]["mean_pred"] == pytest.approx(0.95)
    assert table[2]["mean_pred"] is None and table[2]["accuracy"] is None
    expected = 0.25 * abs(1 - 0.55) + 0.25 * abs(0 - 0.65) + 0.5 * abs(1 - 0.95)
    assert m["ece"] == pytest.approx(expected)


def test_expected_calibration_error_of_perfectly_calibrated_bin_is_zero():
    ece, table = expected_calibration_error([0.75, 0.75, 0.75, 0.75], [True, True, True, False], bins=5)
    assert ece == pytest.approx(0.0)
    assert table[2]["count"] == 4


def test_model_vs_each_annotator_beside_annotator_vs_others():
    pairs = [
        pair(annotators={"ann": 1, "bob": 1, "cy": -1}),
        pair(annotators={"ann": 1, "bob": -1, "cy": -1}),
        pair(annotators={"ann": 1, "bob": 1, "cy": 0}),
    ]
    # model: right, wrong, right (relative to "chosen")
    m = evaluate_outcome(pairs, [1.0, -1.0, 2.0], [0.0, 0.0, 0.0])
    assert m["model_vs_annotator"] == {"ann": pytest.approx(2 / 3), "bob": 1.0, "cy": 0.5}
    assert m["annotator_n"] == {"ann": 3, "bob": 3, "cy": 2}  # cy's tie has no side
    # ann vs majority of (bob, cy): pair1 split -> skipped, pair2 others say -1 -> disagree, pair3 bob +1 -> agree
    assert m["annotator_vs_others"]["ann"] == pytest.approx(0.5)
    assert m["annotator_vs_others_n"]["ann"] == 2
    # bob vs (ann, cy): pair1 split, pair2 split, pair3 ann +1 -> agree
    assert m["annotator_vs_others"]["bob"] == 1.0
    # cy vs (ann, bob): pair1 others +1 -> disagree, pair2 split
    assert m["annotator_vs_others"]["cy"] == 0.0


def test_empty_heldout_gives_none_not_zero():
    m = evaluate_outcome([], [], [])
    assert m["pairwise_accuracy"] is None and m["ece"] is None and m["n_heldout"] == 0


def test_step_label_mapping_follows_neutral_option():
    assert [map_step_label(v, True) for v in (1, 0, -1, None)] == [1, 1, 0, None]
    assert [map_step_label(v, False) for v in (1, 0, -1, None)] == [1, 0, 0, None]


def test_process_step_and_first_error_accuracy_by_hand():
    q = [{"role": "user", "content": "q"}]
    examples = [
        StepExample(q, ["a", "b", "c"], [1, -1, None]),  # first error at 1
        StepExample(q, ["a", "b"], [1, 1]),               # no error
        StepExample(q, ["a", "b"], [0, -1]),              # neutral then error
    ]
    probs = [[0.9, 0.2, 0.1], [0.8, 0.4], [0.3, 0.1]]
    m = evaluate_process(examples, probs, neutral_as=True)
    # rated steps: (0.9,1) ok, (0.2,0) ok, (0.8,1) ok, (0.4,1) wrong, (0.3,1) wrong, (0.1,0) ok -> 4/6
    assert m["step_accuracy"] == pytest.approx(4 / 6)
    # first errors: truth 1 vs pred 1 ok; truth None vs pred 1 wrong; truth 1 vs pred 0 wrong
    assert m["first_error_accuracy"] == pytest.approx(1 / 3)
    strict = evaluate_process(examples, probs, neutral_as=False)
    # neutral counts wrong: (0.3,0) now ok -> 5/6; third solution truth 0 == pred 0
    assert strict["step_accuracy"] == pytest.approx(5 / 6)
    assert strict["first_error_accuracy"] == pytest.approx(2 / 3)
