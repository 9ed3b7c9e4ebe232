"""Plain training data and config of worker.ml (no torch): held-out split by prompt, config round trip."""
import subprocess
import sys

import pytest

from worker.ml.config import TrainConfig
from worker.ml.data import PreferencePair, StepExample, group_key, split_by_group


def pairs_for(groups):
    return [PreferencePair([{"role": "user", "content": f"prompt {g}"}], f"a{i}", f"b{i}", group=g)
            for i, g in enumerate(groups)]


def test_split_keeps_each_prompt_on_one_side():
    groups = [f"p{i % 25}" for i in range(100)]  # 25 prompts, 4 pairs each
    train, held, train_groups, held_groups = split_by_group(pairs_for(groups), 0.2, seed=3)
    assert len(held_groups) == 5 and len(train_groups) == 20
    assert not set(train_groups) & set(held_groups)
    assert {p.group for p in held} == set(held_groups) and {p.group for p in train} == set(train_groups)
    assert len(train) + len(held) == 100 and len(held) == 20


def test_split_is_deterministic_per_seed():
    examples = pairs_for([f"p{i}" for i in range(40)])
    a = split_by_group(examples, 0.25, seed=1)[3]
    assert split_by_group(examples, 0.25, seed=1)[3] == a
    assert split_by_group(examples, 0.25, seed=2)[3] != a


def test_small_sets_still_get_both_sides_and_zero_share_holds_out_nothing():
    examples = pairs_for(["x", "y"])
    _, held, _, held_groups = split_by_group(examples, 0.1, seed=0)
    assert len(held_groups) == 1 and len(held) == 1
    assert split_by_group(examples, 0.0, seed=0)[1] == []
    with pytest.raises(ValueError):
        split_by_group(examples, 1.0)


def test_empty_group_falls_back_to_the_prompt_text():
    q = [{"role": "user", "content": "same prompt"}]
    a = PreferencePair(q, "x", "y")
    b = PreferencePair(list(q), "z", "w")
    c = PreferencePair([{"role": "user", "content": "other"}], "x", "y")
    assert group_key(a) == group_key(b) != group_key(c)
    _, held, _, _ = split_by_group([a, b, c], 0.5, seed=0)
    assert len(held) in (1, 2) and (a in held) == (b in held)


def test_step_example_needs_one_label_per_step():
    with pytest.raises(ValueError):
        StepExample([], ["a", "b"], [1])


def test_config_round_trip_and_validation():
    cfg = TrainConfig(kind="process", epochs=2, ensemble_size=3, tie_policy="equal", neutral_as=False)
    assert TrainConfig.from_dict(cfg.to_dict()) == cfg
    assert TrainConfig.from_dict({**cfg.to_dict(), "unknown_key": 1}) == cfg
    for bad in ({"kind": "dpo"}, {"epochs": 0}, {"heldout_share": 1.0}, {"device": "tpu"}, {"precision": "fp8"}):
        with pytest.raises(ValueError):
            TrainConfig(**bad)


def test_plain_modules_do_not_import_torch():
    code = ("import sys; import worker.ml, worker.ml.data, worker.ml.config, worker.ml.evaluation, "
            "worker.ml.base_models, worker.ml.synthetic; print('torch' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
