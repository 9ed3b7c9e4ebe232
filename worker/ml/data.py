"""Plain training examples handed to worker.ml by the Django side, and the held-out split.

No torch, no Django: this module is safe to import from the web app.
"""
from __future__ import annotations

import hashlib
import random
from dataclasses import dataclass, field

__all__ = ["PreferencePair", "StepExample", "split_by_group", "group_key"]


@dataclass
class PreferencePair:
    """One human preference between two responses to the same prompt.

    ``prompt`` is a list of chat messages ``{"role": "user"|"assistant"|"system", "content": str}``
    (the conversation before the response). ``target`` is P(chosen is better): 1.0 when the
    annotators agree, a soft value (e.g. 0.67) when they split, 0.5 for a tie. ``margin`` comes from
    preference strength and is subtracted inside the loss when ``TrainConfig.use_margin``.
    ``group`` is the prompt key: the held-out split never puts one group on both sides (empty:
    derived from the prompt text). ``meta`` is free; evaluation reads ``meta["source"]``,
    ``meta["dimension"]`` and ``meta["annotators"]`` ({annotator: +1 chose chosen, -1 chose
    rejected, 0 tie}).
    """

    prompt: list[dict]
    chosen: str
    rejected: str
    target: float = 1.0
    margin: float = 0.0
    group: str = ""
    meta: dict = field(default_factory=dict)

    @property
    def is_tie(self) -> bool:
        return abs(self.target - 0.5) < 1e-9


@dataclass
class StepExample:
    """One solution split into steps, with a human rating per step.

    ``labels[i]`` is +1 (correct), -1 (wrong), 0 (neutral; mapped by ``TrainConfig.neutral_as``)
    or None (unrated, e.g. the steps after the first error): unrated steps are not trained on.
    """

    prompt: list[dict]
    steps: list[str]
    labels: list[int | None]
    group: str = ""
    meta: dict = field(default_factory=dict)

    def __post_init__(self) -> None:
        if len(self.steps) != len(self.labels):
            raise ValueError(f"{len(self.steps)} steps but {len(self.labels)} labels")


def group_key(example: PreferencePair | StepExample) -> str:
    """The example's prompt key: its ``group`` or, when empty, a hash of the prompt messages."""
    if example.group:
        return str(example.group)
    text = "\x1e".join(f"{m.get('role', '')}\x1f{m.get('content', '')}" for m in example.prompt)
    return "h:" + hashlib.sha1(text.encode("utf-8")).hexdigest()[:16]


def split_by_group(examples: list, heldout_share: float, seed: int = 0) -> tuple[list, list, list[str], list[str]]:
    """Split examples into (train, heldout, train_groups, heldout_groups) by prompt group.

    Deterministic for a seed. No group lands on both sides. With at least two groups and a share
    above zero, each side gets at least one group.
    """
    if not 0.0 <= heldout_share < 1.0:
        raise ValueError("heldout_share must be in [0, 1)")
    groups = sorted({group_key(e) for e in examples})
    rng = random.Random(f"split:{seed}")
    rng.shuffle(groups)
    n_held = int(round(len(groups) * heldout_share))
    if heldout_share > 0 and len(groups) >= 2:
        n_held = min(max(n_held, 1), len(groups) - 1)
    held = set(groups[:n_held])
    train = [e for e in examples if group_key(e) not in held]
    heldout = [e for e in examples if group_key(e) in held]
    return train, heldout, sorted(set(groups) - held), sorted(held)
