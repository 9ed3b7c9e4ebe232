"""Loading base models and tokenizers offline, picking the device, padding batches (torch)."""
from __future__ import annotations

import os
import random
from contextlib import nullcontext

os.environ.setdefault("HF_HUB_OFFLINE", "1")  # never download weights at run time

import torch

from .base_models import resolve_base_model
from .encoding import Encoded

__all__ = [
    "load_tokenizer",
    "build_model",
    "load_model",
    "pick_device",
    "autocast_context",
    "cpu_has_native_bf16",
    "set_seed",
    "pad_batch",
]


def load_tokenizer(base_model: str):
    from transformers import AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(resolve_base_model(base_model), local_files_only=True)
    if tokenizer.pad_token is None:
        tokenizer.pad_token = tokenizer.eos_token or tokenizer.unk_token
    return tokenizer


def _model_class(kind: str):
    from transformers import AutoModelForSequenceClassification, AutoModelForTokenClassification

    return AutoModelForSequenceClassification if kind == "outcome" else AutoModelForTokenClassification


def build_model(kind: str, base_model: str, tokenizer, seed: int):
    """A fresh model with a new head: 1 output (reward) or 2 per token (step wrong/correct).

    The head's initialisation depends on ``seed``, so ensemble members differ from the start.
    """
    from transformers.utils import logging as hf_logging

    hf_logging.disable_progress_bar()
    set_seed(seed)
    verbosity = hf_logging.get_verbosity()
    hf_logging.set_verbosity_error()  # "newly initialized head" is expected here
    try:
        model = _model_class(kind).from_pretrained(
            resolve_base_model(base_model),
            num_labels=1 if kind == "outcome" else 2,
            local_files_only=True,
            dtype=torch.float32,  # fp32 master weights whatever the checkpoint holds; autocast does bf16
        )
    finally:
        hf_logging.set_verbosity(verbosity)
    model.config.pad_token_id = tokenizer.pad_token_id
    return model


def load_model(kind: str, path) -> torch.nn.Module:
    from transformers.utils import logging as hf_logging

    hf_logging.disable_progress_bar()
    model = _model_class(kind).from_pretrained(str(path), local_files_only=True, dtype=torch.float32)
    model.eval()
    return model


def pick_device(device: str = "auto", precision: str = "auto") -> tuple[torch.device, torch.dtype | None]:
    """(device, autocast dtype or None for fp32).

    precision "auto": CUDA gets bf16 autocast (fp16 on GPUs without bf16), CPU stays fp32;
    "fp32": no autocast; "bf16": bf16 autocast on any device.
    """
    if device == "auto":
        device = "cuda" if torch.cuda.is_available() else "cpu"
    dev = torch.device(device)
    if precision == "fp32":
        return dev, None
    if precision == "bf16":
        return dev, torch.bfloat16
    if dev.type == "cuda":
        return dev, torch.bfloat16 if torch.cuda.is_bf16_supported() else torch.float16
    return dev, None


def cpu_has_native_bf16() -> bool:
    """Whether this CPU computes bf16 in hardware (AMX or AVX512-BF16). Elsewhere bf16 autocast is emulated:
    several times slower than fp32, and less precise."""
    return bool(torch.ops.mkldnn._is_mkldnn_bf16_supported())


def autocast_context(device: torch.device, dtype: torch.dtype | None):
    if dtype is None:
        return nullcontext()
    return torch.autocast(device_type=device.type, dtype=dtype)


def set_seed(seed: int) -> None:
    random.seed(seed)
    torch.manual_seed(seed)
    if torch.cuda.is_available():
        torch.cuda.manual_seed_all(seed)


def pad_batch(seqs: list[Encoded], pad_id: int, device: torch.device) -> dict[str, torch.Tensor]:
    """Dynamic padding: right-pad to the longest sequence of this batch only."""
    width = max(len(s) for s in seqs)
    ids = torch.full((len(seqs), width), pad_id, dtype=torch.long)
    mask = torch.zeros((len(seqs), width), dtype=torch.long)
    with_types = all(s.token_type_ids is not None for s in seqs)
    types = torch.zeros((len(seqs), width), dtype=torch.long) if with_types else None
    for row, s in enumerate(seqs):
        n = len(s.input_ids)
        ids[row, :n] = torch.tensor(s.input_ids, dtype=torch.long)
        mask[row, :n] = 1
        if types is not None:
            types[row, :n] = torch.tensor(s.token_type_ids, dtype=torch.long)
    batch = {"input_ids": ids.to(device), "attention_mask": mask.to(device)}
    if types is not None:
        batch["token_type_ids"] = types.to(device)
    return batch
