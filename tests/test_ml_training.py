"""Training reward models (worker.ml.training): they learn content, ensembles, progress, cancel.

Small pretrained base (two MiniLM layers, see ml_helpers) on CPU: a few dozen steps each.
"""
import math

import pytest
import torch

from tests.ml_helpers import small_base_model
from worker.ml.config import TrainConfig
from worker.ml.data import PreferencePair
from worker.ml.losses import bradley_terry_loss
from worker.ml.synthetic import arithmetic_pairs, arithmetic_step_examples
from worker.ml.training import Cancelled, Progress, prepare_pairs, train


def cfg(**kw):
    base = dict(base_model=small_base_model(), max_length=64, batch_size=16, heldout_share=0.25, seed=0)
    base.update(kw)
    return TrainConfig(**base)


@pytest.fixture(scope="module")
def outcome_result():
    progress = []
    result = train(cfg(epochs=5, learning_rate=7e-4), arithmetic_pairs(480, seed=1, wrong_op_share=1.0),
                   on_progress=progress.append)
    return result, progress


def test_outcome_model_learns_a_task_that_needs_the_content(outcome_result):
    result, _ = outcome_result
    m = result.metrics
    assert m["n_heldout"] == 120 and m["n_train"] == 360
    assert m["pairwise_accuracy"] >= 0.75, m  # chance is 0.5: the two answers differ only in the arithmetic
    assert m["accuracy_by_source"]["arithmetic"] == m["pairwise_accuracy"]
    assert sum(b["count"] for b in m["reliability"]) == 120


def test_heldout_split_has_no_prompt_on_both_sides(outcome_result):
    result, _ = outcome_result
    assert not set(result.train_groups) & set(result.heldout_groups)
    assert len(result.heldout_groups) == 120


def test_progress_reports_every_step_with_eta(outcome_result):
    result, progress = outcome_result
    assert [p.step for p in progress] == list(range(1, 116))  # ceil(360 / 16) * 5 epochs
    assert all(isinstance(p, Progress) and p.total_steps == 115 and p.member == 0 for p in progress)
    assert progress[-1].eta_s == pytest.approx(0.0, abs=1e-6) and progress[0].eta_s > 0
    assert all(math.isfinite(p.loss) for p in progress)
    assert any("held-out" in line for line in result.log)


def test_scores_put_the_correct_solution_first(outcome_result):
    result, _ = outcome_result
    scorer = result.scorer()
    q = [{"role": "user", "content": "Ana has 9 pens and loses 4. How many pens does Ana have now?"}]
    (good, std), (bad, _) = scorer.score_responses(
        [(q, "9 - 4 = 5. The answer is 5."), (q, "9 + 4 = 13. The answer is 13.")])
    assert good > bad and std == 0.0


def test_process_model_finds_the_wrong_step_above_chance():
    # Each problem comes with a correct solution and one whose step 1 or 2 applies the wrong operation.
    examples = arithmetic_step_examples(1280, seed=0)
    result = train(cfg(kind="process", epochs=4, learning_rate=5e-4), examples)
    m = result.metrics
    assert m["n_heldout"] == 320
    # Saying "no error" everywhere scores 0.5 on first errors and about 0.78 on steps.
    assert m["first_error_accuracy"] >= 0.7, m
    assert m["step_accuracy"] >= 0.85, m
    [score] = result.scorer().score_steps([(examples[0].prompt, examples[0].steps)])
    assert len(score.step_probs) == 3
    assert score.solution_score == pytest.approx(math.prod(score.step_probs))


def test_ensemble_members_differ_and_give_a_spread():
    pairs = arithmetic_pairs(64, seed=3)
    progress = []
    result = train(cfg(ensemble_size=2, epochs=1, learning_rate=5e-4), pairs, on_progress=progress.append)
    assert len(result.members) == 2 and len(result.metrics["member_accuracy"]) == 2
    assert [p.member for p in progress] == [0] * 3 + [1] * 3 and progress[-1].step == progress[-1].total_steps == 6
    scores = result.scorer().score_responses([(p.prompt, p.chosen) for p in pairs[:8]])
    assert all(std > 0 for _, std in scores)
    rewards = result.scorer().member_rewards([(p.prompt, p.chosen) for p in pairs[:8]])
    mean, std = scores[0]
    assert mean == pytest.approx(rewards[:, 0].mean().item(), abs=1e-5)
    assert std == pytest.approx(rewards[:, 0].std(unbiased=False).item(), abs=1e-5)


def test_same_seed_gives_the_same_model():
    pairs = arithmetic_pairs(48, seed=4)
    items = [(p.prompt, p.chosen) for p in pairs[:4]]
    a = train(cfg(epochs=1, learning_rate=5e-4), pairs).scorer().score_responses(items)
    b = train(cfg(epochs=1, learning_rate=5e-4), pairs).scorer().score_responses(items)
    assert [m for m, _ in a] == pytest.approx([m for m, _ in b], abs=1e-6)
    assert len({round(m, 6) for m, _ in a}) > 1  # not a constant


def test_should_stop_cancels_the_run():
    calls = []

    def stop():
        calls.append(1)
        return len(calls) > 2

    progress = []
    with pytest.raises(Cancelled):
        train(cfg(epochs=1), arithmetic_pairs(64, seed=5), on_progress=progress.append, should_stop=stop)
    assert len(progress) == 2


def test_ties_are_dropped_or_kept_per_policy():
    q = [{"role": "user", "content": "q"}]
    pairs = [PreferencePair(q, "a", "b"), PreferencePair(q, "c", "d", target=0.5)]
    assert len(prepare_pairs(pairs, "drop")) == 1
    assert len(prepare_pairs(pairs, "equal")) == 2
    with pytest.raises(ValueError):
        TrainConfig(tie_policy="sometimes")


def test_bradley_terry_loss_with_soft_targets_ties_and_margin():
    rc, rr = torch.tensor([2.0]), torch.tensor([0.5])
    sig = lambda x: 1 / (1 + math.exp(-x))  # noqa: E731
    assert bradley_terry_loss(rc, rr, torch.tensor([1.0])).item() == pytest.approx(-math.log(sig(1.5)), rel=1e-5)
    soft = bradley_terry_loss(rc, rr, torch.tensor([0.7])).item()
    assert soft == pytest.approx(-(0.7 * math.log(sig(1.5)) + 0.3 * math.log(sig(-1.5))), rel=1e-5)
    with_margin = bradley_terry_loss(rc, rr, torch.tensor([1.0]), torch.tensor([1.0])).item()
    assert with_margin == pytest.approx(-math.log(sig(0.5)), rel=1e-5)
    # a tie trained as "equal" is cheapest at equal rewards
    d = torch.linspace(-2, 2, 41, requires_grad=False)
    losses = [bradley_terry_loss(x.view(1), torch.zeros(1), torch.tensor([0.5])).item() for x in d]
    assert min(range(41), key=losses.__getitem__) == 20


def test_nothing_to_train_is_an_error():
    q = [{"role": "user", "content": "q"}]
    with pytest.raises(ValueError):
        train(cfg(heldout_share=0.0), [PreferencePair(q, "a", "b", target=0.5)])


@pytest.mark.parametrize("hardware", [False, True])
def test_the_log_says_when_bf16_is_emulated_on_this_cpu(monkeypatch, hardware):
    monkeypatch.setattr("worker.ml.training.cpu_has_native_bf16", lambda: hardware)
    config = cfg(epochs=1, precision="bf16", device="cpu", max_length=32, batch_size=4)
    result = train(config, arithmetic_pairs(8, seed=6))
    assert result.log[0].startswith("outcome model on cpu with bfloat16 autocast")
    assert ("emulated" in result.log[0]) is not hardware
