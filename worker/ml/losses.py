"""Loss functions (torch)."""
from __future__ import annotations

import torch
import torch.nn.functional as F

__all__ = ["bradley_terry_loss", "step_loss", "IGNORE"]

IGNORE = -100


def bradley_terry_loss(
    r_chosen: torch.Tensor, r_rejected: torch.Tensor, target: torch.Tensor, margin: torch.Tensor | None = None
) -> torch.Tensor:
    """Bradley-Terry with soft targets: -t log s(d) - (1-t) log s(-d), d = r_c - r_r (- margin).

    t = 1 is the usual -log s(r_c - r_r); t = 0.67 (annotators split) pulls d toward logit(0.67);
    t = 0.5 (a tie trained as "equal") has its minimum at r_c == r_r. The margin is subtracted inside
    the sigmoid as TRL's RewardTrainer does, so a strong preference must be won by more.
    """
    d = r_chosen.float() - r_rejected.float()
    if margin is not None:
        d = d - margin.float()
    return F.binary_cross_entropy_with_logits(d, target.float())


def step_loss(logits: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
    """Cross-entropy over (wrong, correct) at step-marker tokens; other tokens carry IGNORE."""
    return F.cross_entropy(logits.float().reshape(-1, logits.shape[-1]), labels.reshape(-1), ignore_index=IGNORE)
