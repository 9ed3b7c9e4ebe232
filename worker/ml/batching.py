"""Batches of similar length (less padding), in a seeded random order. Plain Python."""
from __future__ import annotations

import random

__all__ = ["length_grouped_batches", "sorted_batches"]


def length_grouped_batches(
    lengths: list[int], batch_size: int, rng: random.Random, *, grouped: bool = True, megabatch: int = 64
) -> list[list[int]]:
    """Index batches for one epoch.

    Indices are shuffled; with ``grouped`` each run of ``megabatch`` batches is sorted by length and
    cut into batches, and the batch order is shuffled again, so a batch holds similar lengths (dynamic
    padding pads little) while the data order still changes with the seed.
    """
    order = list(range(len(lengths)))
    rng.shuffle(order)
    if not grouped:
        return [order[i:i + batch_size] for i in range(0, len(order), batch_size)]
    chunk = batch_size * megabatch
    batches: list[list[int]] = []
    for start in range(0, len(order), chunk):
        part = sorted(order[start:start + chunk], key=lambda i: lengths[i], reverse=True)
        batches.extend(part[i:i + batch_size] for i in range(0, len(part), batch_size))
    rng.shuffle(batches)
    return batches


def sorted_batches(lengths: list[int], batch_size: int) -> list[list[int]]:
    """Inference batches: longest first (a memory error shows at once), similar lengths together."""
    order = sorted(range(len(lengths)), key=lambda i: lengths[i], reverse=True)
    return [order[i:i + batch_size] for i in range(0, len(order), batch_size)]
