"""Demo data: realistic items for the two demo projects, generated deterministically from a seed.

Everything here is plain Python producing rows in the native JSONL shape (see ``rows.py``),
except ``seeding.py``, which writes the demo users, projects and items into the database.
"""
from .rows import DEMO_SEED, pairwise_rows, rows_to_jsonl, step_rows

__all__ = ["DEMO_SEED", "pairwise_rows", "rows_to_jsonl", "step_rows"]
