"""Training loops for outcome (Bradley-Terry) and process (per-step) reward models (torch).

``train(config, examples)`` splits the examples by prompt group into train and held-out sets,
trains ``config.ensemble_size`` members (member k uses seed ``config.seed + k``: its own head
initialisation and data order), evaluates the ensemble on the held-out set and returns a
``TrainResult``. Progress is reported after every optimiser step; ``should_stop`` is polled before
every step and makes ``train`` raise ``Cancelled``.
"""
from __future__ import annotations

import math
import random
import time
from dataclasses import dataclass, field
from typing import Callable

import torch

from .batching import length_grouped_batches
from .config import TrainConfig
from .data import PreferencePair, StepExample, split_by_group
from .encoding import Encoded, encode_responses, encode_step_prefix, step_marker_ids, step_window, tokenize_steps
from .evaluation import evaluate_outcome, evaluate_process, map_step_label
from .losses import IGNORE, bradley_terry_loss, step_loss
from .modeling import autocast_context, build_model, cpu_has_native_bf16, load_tokenizer, pad_batch, pick_device
from .scoring import Scorer

__all__ = ["Progress", "Cancelled", "TrainResult", "train", "prepare_pairs"]


@dataclass
class Progress:
    """One optimiser step done. ``step``/``total_steps`` count over the whole run (all members);
    ``loss`` is the mean loss of the member's last 20 steps; ``member`` is 0-based."""

    step: int
    total_steps: int
    loss: float
    eta_s: float | None
    member: int
    message: str = ""


class Cancelled(Exception):
    """Raised by train() when should_stop() returned true."""


@dataclass
class TrainResult:
    config: TrainConfig
    members: list
    tokenizer: object
    metrics: dict
    train_groups: list[str] = field(default_factory=list)
    heldout_groups: list[str] = field(default_factory=list)
    log: list[str] = field(default_factory=list)

    def scorer(self, **kwargs) -> Scorer:
        if "autocast" not in kwargs:
            kwargs["autocast"] = {"auto": None, "fp32": False, "bf16": torch.bfloat16}[self.config.precision]
        return Scorer(self.config.kind, self.members, self.tokenizer, max_length=self.config.max_length,
                      step_separator=self.config.step_separator, device=self.config.device, **kwargs)


# ---- data preparation ------------------------------------------------------------------------------

def prepare_pairs(pairs: list[PreferencePair], tie_policy: str) -> list[PreferencePair]:
    """Ties (target 0.5) are dropped ("drop") or kept as "equal" targets; the rest stay."""
    if tie_policy == "drop":
        return [p for p in pairs if not p.is_tie]
    return list(pairs)


@dataclass
class _OutcomeData:
    chosen: list[Encoded]
    rejected: list[Encoded]
    target: torch.Tensor
    margin: torch.Tensor

    def lengths(self) -> list[int]:
        return [max(len(c), len(r)) for c, r in zip(self.chosen, self.rejected)]


def _encode_pairs(tokenizer, pairs: list[PreferencePair], max_length: int) -> _OutcomeData:
    chosen = encode_responses(tokenizer, [(p.prompt, p.chosen) for p in pairs], max_length)
    rejected = encode_responses(tokenizer, [(p.prompt, p.rejected) for p in pairs], max_length)
    return _OutcomeData(
        chosen, rejected,
        torch.tensor([float(p.target) for p in pairs]),
        torch.tensor([float(p.margin) for p in pairs]),
    )


@dataclass
class _StepData:
    windows: list  # StepWindow
    labels: list[list[int]]  # per window, label per covered step (IGNORE when unrated)

    def lengths(self) -> list[int]:
        return [len(w.input_ids) for w in self.windows]


def _encode_steps(tokenizer, examples: list[StepExample], config: TrainConfig) -> _StepData:
    marker = step_marker_ids(tokenizer, config.step_separator)
    windows, labels = [], []
    for ex in examples:
        if not ex.steps:
            continue
        mapped = [map_step_label(l, config.neutral_as) for l in ex.labels]
        if all(y is None for y in mapped):
            continue
        window = step_window(encode_step_prefix(tokenizer, ex.prompt), tokenize_steps(tokenizer, ex.steps),
                             marker, config.max_length)
        windows.append(window)
        labels.append([IGNORE if mapped[i] is None else mapped[i] for i in window.covered])
    return _StepData(windows, labels)


# ---- the loop ----------------------------------------------------------------------------------------

class _Clock:
    def __init__(self, total_steps: int):
        self.total = total_steps
        self.done = 0
        self.started = time.monotonic()

    def tick(self) -> float | None:
        self.done += 1
        elapsed = time.monotonic() - self.started
        return elapsed / self.done * (self.total - self.done)


def _outcome_loss(model, data: _OutcomeData, idx: list[int], pad_id: int, device, dtype, use_margin: bool):
    seqs = [data.chosen[i] for i in idx] + [data.rejected[i] for i in idx]
    batch = pad_batch(seqs, pad_id, device)  # chosen and rejected in one forward pass
    with autocast_context(device, dtype):
        rewards = model(**batch).logits[:, 0]
    n = len(idx)
    index = torch.tensor(idx)
    margin = data.margin[index].to(device) if use_margin else None
    return bradley_terry_loss(rewards[:n], rewards[n:], data.target[index].to(device), margin)


def _step_loss(model, data: _StepData, idx: list[int], pad_id: int, device, dtype):
    batch = pad_batch([Encoded(data.windows[i].input_ids) for i in idx], pad_id, device)
    labels = torch.full(batch["input_ids"].shape, IGNORE, dtype=torch.long)
    for row, i in enumerate(idx):
        labels[row, data.windows[i].positions] = torch.tensor(data.labels[i], dtype=torch.long)
    with autocast_context(device, dtype):
        logits = model(**batch).logits
    return step_loss(logits, labels.to(device))


def _adamw(model, config: TrainConfig) -> torch.optim.Optimizer:
    """AdamW, fused into one kernel where torch supports it (CPU and CUDA fp32): same maths, fewer passes."""
    params = [p for p in model.parameters() if p.requires_grad]
    try:
        return torch.optim.AdamW(params, lr=config.learning_rate, weight_decay=config.weight_decay, fused=True)
    except (RuntimeError, TypeError, ValueError):
        return torch.optim.AdamW(params, lr=config.learning_rate, weight_decay=config.weight_decay)


def _lr_lambda(total: int, warmup: int):
    def f(step: int) -> float:
        if warmup and step < warmup:
            return (step + 1) / warmup
        return max(0.0, (total - step) / max(1, total - warmup))
    return f


def train(
    config: TrainConfig,
    examples: list,
    *,
    on_progress: Callable[[Progress], None] | None = None,
    should_stop: Callable[[], bool] | None = None,
) -> TrainResult:
    config.validate()
    log: list[str] = []

    def note(msg: str) -> None:
        log.append(msg)

    train_ex, held_ex, train_groups, held_groups = split_by_group(list(examples), config.heldout_share, config.seed)
    tokenizer = load_tokenizer(config.base_model)
    device, dtype = pick_device(config.device, config.precision)
    precision = f" with {str(dtype).replace('torch.', '')} autocast" if dtype else " fp32"
    if device.type == "cpu" and dtype is torch.bfloat16 and not cpu_has_native_bf16():
        precision += " (emulated: this CPU has no bf16 hardware, fp32 would be faster)"
    note(f"{config.kind} model on {device.type}{precision}; "
         f"{len(train_ex)} train / {len(held_ex)} held-out examples "
         f"({len(train_groups)} / {len(held_groups)} prompts)")

    if config.kind == "outcome":
        train_pairs = prepare_pairs(train_ex, config.tie_policy)
        if len(train_pairs) < len(train_ex):
            note(f"dropped {len(train_ex) - len(train_pairs)} tie(s) (tie_policy=drop)")
        if not train_pairs:
            raise ValueError("no training pairs left")
        data = _encode_pairs(tokenizer, train_pairs, config.max_length)
    else:
        data = _encode_steps(tokenizer, train_ex, config)
        if not data.windows:
            raise ValueError("no rated steps to train on")

    lengths = data.lengths()
    steps_per_epoch = math.ceil(len(lengths) / config.batch_size)
    per_member = steps_per_epoch * config.epochs
    clock = _Clock(per_member * config.ensemble_size)
    pad_id = tokenizer.pad_token_id
    members = []
    for k in range(config.ensemble_size):
        seed = config.seed + k
        model = build_model(config.kind, config.base_model, tokenizer, seed).to(device)
        model.train()
        if config.disable_dropout:
            for module in model.modules():
                if isinstance(module, torch.nn.Dropout):
                    module.p = 0.0
        optimizer = _adamw(model, config)
        scheduler = torch.optim.lr_scheduler.LambdaLR(
            optimizer, _lr_lambda(per_member, int(per_member * config.warmup_ratio)))
        rng = random.Random(seed)
        recent: list[float] = []
        step = 0
        for epoch in range(config.epochs):
            for idx in length_grouped_batches(lengths, config.batch_size, rng, grouped=config.length_grouping):
                if should_stop is not None and should_stop():
                    note(f"cancelled at member {k + 1}, step {step}")
                    raise Cancelled(f"cancelled at step {clock.done} of {clock.total}")
                if config.kind == "outcome":
                    loss = _outcome_loss(model, data, idx, pad_id, device, dtype, config.use_margin)
                else:
                    loss = _step_loss(model, data, idx, pad_id, device, dtype)
                loss.backward()
                if config.max_grad_norm:
                    torch.nn.utils.clip_grad_norm_(model.parameters(), config.max_grad_norm)
                optimizer.step()
                scheduler.step()
                optimizer.zero_grad(set_to_none=True)
                step += 1
                recent = (recent + [float(loss.detach())])[-20:]
                eta = clock.tick()
                mean_loss = sum(recent) / len(recent)
                if step == 1 or step % 10 == 0 or step == per_member:
                    note(f"member {k + 1}/{config.ensemble_size} epoch {epoch + 1} "
                         f"step {step}/{per_member} loss {mean_loss:.4f}")
                if on_progress is not None:
                    on_progress(Progress(clock.done, clock.total, mean_loss, eta, k,
                                         f"member {k + 1}/{config.ensemble_size}, epoch {epoch + 1}/{config.epochs}"))
        model.eval()
        members.append(model)

    result = TrainResult(config, members, tokenizer, {}, train_groups, held_groups, log)
    result.metrics = evaluate(result, held_ex)
    result.metrics["n_train"] = len(lengths)
    result.metrics["train_loss"] = sum(recent) / len(recent) if recent else None
    note("held-out: " + ", ".join(f"{k}={v:.4f}" for k, v in result.metrics.items() if isinstance(v, float)))
    return result


def evaluate(result: TrainResult, heldout: list) -> dict:
    """Held-out metrics of a trained result (see evaluation.py for their definitions)."""
    scorer = result.scorer()
    if result.config.kind == "outcome":
        if not heldout:
            return evaluate_outcome([], [], [])
        items = [(p.prompt, p.chosen) for p in heldout] + [(p.prompt, p.rejected) for p in heldout]
        per = scorer.member_rewards(items)
        rewards = per.mean(dim=0).tolist()
        n = len(heldout)
        metrics = evaluate_outcome(heldout, rewards[:n], rewards[n:])
        if len(result.members) > 1:
            metrics["member_accuracy"] = [
                evaluate_outcome(heldout, row[:n].tolist(), row[n:].tolist())["pairwise_accuracy"] for row in per
            ]
        return metrics
    scores = scorer.score_steps([(e.prompt, e.steps) for e in heldout])
    return evaluate_process(heldout, [s.step_probs for s in scores], neutral_as=result.config.neutral_as)
