"""Helpers for the tests of worker/ml: a small base model built in code from the packaged MiniLM.

``small_base_model()`` keeps the first two of MiniLM's six layers (pretrained weights, same
tokenizer), saved once per test process into a temporary folder: the same code path as the real
base model, a third of the compute.
"""
from __future__ import annotations

import atexit
import shutil
import tempfile
from pathlib import Path

_CACHE: dict[str, str] = {}


def small_base_model(layers: int = 2) -> str:
    key = f"minilm-{layers}"
    if key not in _CACHE:
        from transformers import AutoConfig, AutoModel, AutoTokenizer
        from transformers.utils import logging as hf_logging

        from worker.ml.base_models import default_base_model

        base = default_base_model()
        folder = Path(tempfile.mkdtemp(prefix="ml-test-base-"))
        atexit.register(shutil.rmtree, folder, True)
        config = AutoConfig.from_pretrained(base, local_files_only=True)
        config.num_hidden_layers = layers
        verbosity = hf_logging.get_verbosity()
        hf_logging.set_verbosity_error()
        hf_logging.disable_progress_bar()
        try:
            AutoModel.from_pretrained(base, config=config, local_files_only=True).save_pretrained(folder)
        finally:
            hf_logging.set_verbosity(verbosity)
        AutoTokenizer.from_pretrained(base, local_files_only=True).save_pretrained(folder)
        _CACHE[key] = str(folder)
    return _CACHE[key]


CHAT_TEMPLATE = (
    "{% for m in messages %}<|{{ m['role'] }}|>{{ m['content'] }}\n{% endfor %}"
    "{% if add_generation_prompt %}<|assistant|>{% endif %}"
)
