"""Training parameters of one run (plain dataclass, JSON round trip). No torch, no Django."""
from __future__ import annotations

from dataclasses import asdict, dataclass, fields

__all__ = ["TrainConfig"]

KINDS = ("outcome", "process")
TIE_POLICIES = ("drop", "equal")
PRECISIONS = ("auto", "fp32", "bf16")


@dataclass
class TrainConfig:
    """What to train and how.

    kind: "outcome" (Bradley-Terry reward model over whole responses) or "process" (per-step
      token classification).
    base_model: local path or hub id of an AutoModelForSequenceClassification /
      AutoModelForTokenClassification compatible model; "" means default_base_model().
    tie_policy: "drop" leaves ties (target 0.5) out of training; "equal" trains them toward equal
      reward with the soft-target loss at 0.5 (its minimum is at r_chosen == r_rejected).
      Ties always count as wrong in pairwise accuracy.
    use_margin: subtract PreferencePair.margin inside the Bradley-Terry loss (as TRL does).
    neutral_as: process model: a step rated 0 counts as correct (True) or wrong (False).
    device: "auto" picks CUDA when available, else CPU; "cpu" / "cuda" force it.
    precision: "auto" = bf16 autocast on CUDA, fp32 on CPU; "fp32" never autocasts; "bf16" autocasts
      on any device (CPUs with AMX/AVX512-BF16 run it fast). Weights stay fp32 either way.
    length_grouping: batches of similar length (dynamic padding); False keeps plain shuffled order.
    step_separator: text that ends each step of a process example (see encoding.py).
    disable_dropout: train without dropout (as TRL's RewardTrainer does by default): the reward of
      a response then does not depend on the dropout mask, and steps are a little faster.
    """

    kind: str = "outcome"
    base_model: str = ""
    epochs: int = 1
    learning_rate: float = 2e-5
    batch_size: int = 16
    max_length: int = 256
    ensemble_size: int = 1
    heldout_share: float = 0.1
    seed: int = 0
    warmup_ratio: float = 0.1
    tie_policy: str = "drop"
    use_margin: bool = False
    neutral_as: bool = True
    device: str = "auto"
    precision: str = "auto"
    weight_decay: float = 0.0
    max_grad_norm: float = 1.0
    length_grouping: bool = True
    step_separator: str = "\n"
    disable_dropout: bool = True

    def __post_init__(self) -> None:
        self.validate()

    def validate(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"kind must be one of {KINDS}, not {self.kind!r}")
        if self.tie_policy not in TIE_POLICIES:
            raise ValueError(f"tie_policy must be one of {TIE_POLICIES}, not {self.tie_policy!r}")
        if self.epochs < 1 or self.batch_size < 1 or self.ensemble_size < 1:
            raise ValueError("epochs, batch_size and ensemble_size must be at least 1")
        if self.max_length < 8:
            raise ValueError("max_length must be at least 8")
        if self.learning_rate <= 0:
            raise ValueError("learning_rate must be positive")
        if not 0.0 <= self.heldout_share < 1.0:
            raise ValueError("heldout_share must be in [0, 1)")
        if not 0.0 <= self.warmup_ratio < 1.0:
            raise ValueError("warmup_ratio must be in [0, 1)")
        if self.device not in ("auto", "cpu", "cuda") and not self.device.startswith("cuda:"):
            raise ValueError("device must be 'auto', 'cpu' or 'cuda[:N]'")
        if self.precision not in PRECISIONS:
            raise ValueError(f"precision must be one of {PRECISIONS}, not {self.precision!r}")

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, d: dict | None) -> "TrainConfig":
        """Build from a dict, ignoring unknown keys (so old metadata still loads)."""
        known = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in (d or {}).items() if k in known})
