"""Stable content hashes for prompts, responses and items.

Each hash is the SHA-256 of canonical JSON (sorted keys, no whitespace, ASCII escapes), so the
same content always hashes the same on every machine and Python version. Re-importing a file
finds its rows again by these hashes.
"""
import hashlib
import json
from collections.abc import Sequence


def stable_hash(value) -> str:
    canonical = json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=True)
    return hashlib.sha256(canonical.encode("ascii")).hexdigest()


def prompt_hash(messages: Sequence[dict]) -> str:
    return stable_hash({"messages": [{"role": m["role"], "content": m["content"]} for m in messages]})


def response_hash(text: str, steps: Sequence[str] | None = None) -> str:
    """A response is its text and, for step items, its steps; the model name is not part of it."""
    return stable_hash({"text": text, "steps": list(steps) if steps is not None else None})


def item_hash(kind: str, prompt: str, responses: Sequence[str]) -> str:
    """An item is its kind, its prompt's hash and its responses' hashes in canonical order."""
    return stable_hash({"kind": kind, "prompt": prompt, "responses": list(responses)})
