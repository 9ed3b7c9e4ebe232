"""Bulk scoring (worker.ml.scoring.Scorer): input order, batching, ensembles, step scores."""
import math

import pytest
import torch

from tests.ml_helpers import small_base_model
from worker.ml.scoring import Scorer


@pytest.fixture(scope="module")
def parts():
    from worker.ml.modeling import build_model, load_tokenizer

    base = small_base_model()
    tok = load_tokenizer(base)
    outcome = [build_model("outcome", base, tok, s).eval() for s in (0, 1, 2)]
    process = build_model("process", base, tok, 0).eval()
    return tok, outcome, process


def items(n=12):
    q = [{"role": "user", "content": "Tell me about rivers."}]
    return [(q, " ".join(["water flows downhill"] * (1 + (i * 7) % 11)) + f" number {i}") for i in range(n)]


def test_results_come_back_in_input_order_whatever_the_batching(parts):
    tok, outcome, _ = parts
    scorer = Scorer("outcome", outcome[:1], tok, max_length=64)
    data = items()
    one_by_one = [scorer.score_responses([x], batch_size=1)[0] for x in data]
    batched = scorer.score_responses(data, batch_size=5)
    reversed_ = scorer.score_responses(data[::-1], batch_size=64)[::-1]
    for a, b, c in zip(one_by_one, batched, reversed_):
        assert a[0] == pytest.approx(b[0], abs=1e-4) == pytest.approx(c[0], abs=1e-4)
        assert a[1] == b[1] == 0.0
    assert len({round(m, 6) for m, _ in batched}) > 1


def test_ensemble_gives_mean_and_spread(parts):
    tok, outcome, _ = parts
    scorer = Scorer("outcome", outcome, tok, max_length=64)
    assert scorer.ensemble_size == 3
    data = items(4)
    per_member = torch.stack([Scorer("outcome", [m], tok, max_length=64).member_rewards(data)[0] for m in outcome])
    for i, (mean, std) in enumerate(scorer.score_responses(data)):
        assert mean == pytest.approx(per_member[:, i].mean().item(), abs=1e-5)
        assert std == pytest.approx(per_member[:, i].std(unbiased=False).item(), abs=1e-5)
        assert std > 0


def test_empty_input_scores_nothing(parts):
    tok, outcome, process = parts
    assert Scorer("outcome", outcome[:1], tok).score_responses([]) == []
    assert Scorer("process", [process], tok).score_steps([]) == []


def test_step_scores_cover_every_step_of_long_solutions(parts):
    tok, _, process = parts
    scorer = Scorer("process", [process], tok, max_length=32)
    q = [{"role": "user", "content": "Count the apples in the basket please."}]
    long_steps = [f"Step {i}: there are {i} apples in row {i}." for i in range(9)]
    [long_score, short_score] = scorer.score_steps([(q, long_steps), (q, ["Two apples."])])
    assert len(long_score.step_probs) == 9 and len(short_score.step_probs) == 1
    assert all(0.0 < p < 1.0 and not math.isnan(p) for p in long_score.step_probs)
    assert long_score.solution_score == pytest.approx(math.prod(long_score.step_probs))
    expected_first = next((i for i, p in enumerate(long_score.step_probs) if p < 0.5), None)
    assert long_score.first_wrong == expected_first
    assert long_score.step_std == [0.0] * 9


def test_one_forward_pass_per_solution_when_it_fits(parts, monkeypatch):
    tok, _, process = parts
    calls = []
    original = process.forward

    def counting(*a, **kw):
        calls.append(kw["input_ids"].shape)
        return original(*a, **kw)

    monkeypatch.setattr(process, "forward", counting)
    scorer = Scorer("process", [process], tok, max_length=128)
    q = [{"role": "user", "content": "q"}]
    scorer.score_steps([(q, ["a.", "b.", "c.", "d."]), (q, ["e.", "f."])], batch_size=32)
    assert len(calls) == 1 and calls[0][0] == 2  # both solutions, every step, one batch


def test_wrong_kind_is_refused(parts):
    tok, outcome, process = parts
    with pytest.raises(ValueError):
        Scorer("outcome", outcome[:1], tok).score_steps([([], ["a"])])
    with pytest.raises(ValueError):
        Scorer("process", [process], tok).score_responses([([], "a")])
