"""Bulk scoring with a trained reward model or ensemble (torch).

Inputs are tokenized in one call, sorted by length and cut into batches (little padding), run under
``torch.inference_mode`` (and bf16 autocast on CUDA, or on CPU when asked), and the results are put
back in input order.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field

import torch

from .batching import sorted_batches
from .encoding import Encoded, encode_responses, encode_step_prefix, step_marker_ids, step_window, tokenize_steps
from .modeling import autocast_context, pad_batch, pick_device

__all__ = ["Scorer", "StepScore"]


@dataclass
class StepScore:
    """Process-model verdict on one solution.

    step_probs: P(step is correct) per step (ensemble mean); solution_score: their product;
    first_wrong: index of the first step with P < 0.5, None when every step looks right;
    step_std: spread of each step's probability over ensemble members (0.0 for one member).
    """

    step_probs: list[float]
    solution_score: float
    first_wrong: int | None
    step_std: list[float] = field(default_factory=list)


def _mean_std(rows: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """Mean and population std over dim 0 (ensemble members)."""
    mean = rows.mean(dim=0)
    std = rows.std(dim=0, unbiased=False) if rows.shape[0] > 1 else torch.zeros_like(mean)
    return mean, std


class Scorer:
    """Scores responses (outcome) or solutions' steps (process) with K ensemble members.

    ``autocast``: None = bf16 on CUDA, fp32 on CPU; a dtype forces autocast on any device (e.g.
    torch.bfloat16 on a CPU with AMX); False = always fp32.
    """

    def __init__(self, kind: str, members: list, tokenizer, *, max_length: int = 256,
                 step_separator: str = "\n", device: str = "auto", autocast=None, metadata: dict | None = None):
        if not members:
            raise ValueError("a Scorer needs at least one model")
        self.kind = kind
        self.members = members
        self.tokenizer = tokenizer
        self.max_length = max_length
        self.step_separator = step_separator
        self.metadata = metadata or {}
        self.device, default_dtype = pick_device(device)
        if autocast is False:
            self.dtype = None
        elif autocast is None:
            self.dtype = default_dtype
        else:
            self.dtype = autocast
        for m in self.members:
            m.to(self.device)
            m.eval()

    @property
    def ensemble_size(self) -> int:
        return len(self.members)

    def _forward(self, model, batch: dict) -> torch.Tensor:
        with autocast_context(self.device, self.dtype):
            return model(**batch).logits.float()

    # ---- outcome -------------------------------------------------------------------------------
    def member_rewards(self, items: list[tuple[list[dict], str]], *, batch_size: int = 64) -> torch.Tensor:
        """Rewards as a (members, items) float tensor on CPU, in input order."""
        if self.kind != "outcome":
            raise ValueError("member_rewards needs an outcome model")
        encoded = encode_responses(self.tokenizer, items, self.max_length)
        out = torch.zeros((len(self.members), len(encoded)), dtype=torch.float32)
        pad_id = self.tokenizer.pad_token_id
        with torch.inference_mode():
            for idx in sorted_batches([len(e) for e in encoded], batch_size):
                batch = pad_batch([encoded[i] for i in idx], pad_id, self.device)
                index = torch.tensor(idx, dtype=torch.long)
                for k, model in enumerate(self.members):
                    out[k, index] = self._forward(model, batch)[:, 0].cpu()
        return out

    def score_responses(
        self, items: list[tuple[list[dict], str]], *, batch_size: int = 64
    ) -> list[tuple[float, float]]:
        """(prompt messages, response) -> (mean reward, std over members), in input order."""
        if not items:
            return []
        mean, std = _mean_std(self.member_rewards(items, batch_size=batch_size))
        return list(zip(mean.tolist(), std.tolist()))

    # ---- process -------------------------------------------------------------------------------
    def member_step_probs(
        self, items: list[tuple[list[dict], list[str]]], *, batch_size: int = 32
    ) -> list[torch.Tensor]:
        """Per solution a (members, steps) tensor of P(step correct).

        One forward pass per solution reads every step at its marker; a solution longer than
        max_length is scored in further windows that start at its first step not yet covered.
        """
        if self.kind != "process":
            raise ValueError("member_step_probs needs a process model")
        marker = step_marker_ids(self.tokenizer, self.step_separator)
        results = [torch.full((len(self.members), len(steps)), float("nan")) for _, steps in items]
        pending: list[tuple[int, list[int], list[list[int]], int]] = []
        for n, (prompt, steps) in enumerate(items):
            if steps:
                prefix = encode_step_prefix(self.tokenizer, prompt)
                pending.append((n, prefix, tokenize_steps(self.tokenizer, steps), 0))
        pad_id = self.tokenizer.pad_token_id
        with torch.inference_mode():
            while pending:
                windows = [step_window(prefix, sids, marker, self.max_length, start)
                           for _, prefix, sids, start in pending]
                for idx in sorted_batches([len(w.input_ids) for w in windows], batch_size):
                    batch = pad_batch([Encoded(windows[i].input_ids) for i in idx], pad_id, self.device)
                    for k, model in enumerate(self.members):
                        probs = torch.softmax(self._forward(model, batch), dim=-1)[..., 1].cpu()
                        for row, i in enumerate(idx):
                            w = windows[i]
                            span = slice(w.first_step, w.first_step + len(w.positions))
                            results[pending[i][0]][k, span] = probs[row, w.positions]
                nxt = []
                for (n, prefix, sids, start), w in zip(pending, windows):
                    if w.first_step + len(w.positions) < len(sids):
                        nxt.append((n, prefix, sids, w.first_step + len(w.positions)))
                pending = nxt
        return results

    def score_steps(self, items: list[tuple[list[dict], list[str]]], *, batch_size: int = 32) -> list[StepScore]:
        out = []
        for probs in self.member_step_probs(items, batch_size=batch_size):
            mean, std = _mean_std(probs)
            p = mean.tolist()
            first = next((i for i, v in enumerate(p) if v < 0.5), None)
            out.append(StepScore(p, float(math.prod(p)) if p else 1.0, first, std.tolist()))
        return out
