"""How fast 50,000 TRL preference pairs import, and how fast the same file re-imports.

Run against a migrated PostgreSQL database (it creates a project and deletes it at the end):

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/ap_bench SECRET_KEY=x .venv/bin/python bench/import_speed.py

Prints readable lines, then as the last line one JSON object with the figures.
"""
import json
import os
import random
import sys
import time
from pathlib import Path

PAIRS = int(os.environ.get("BENCH_PAIRS", "50000"))
SEED = 20240601

WORDS = [
    "the", "model", "answer", "question", "because", "therefore", "however", "reward", "policy", "gradient",
    "value", "function", "sample", "batch", "token", "sequence", "attention", "layer", "training", "loss",
    "learning", "rate", "optimizer", "human", "preference", "label", "annotator", "response", "prompt",
    "example", "explain", "first", "second", "finally", "result", "step", "compute", "check", "verify",
    "assume", "consider", "python", "function", "return", "list", "dictionary", "error", "exception",
    "database", "index", "query", "transaction", "commit", "history", "city", "river", "mountain", "climate",
    "energy", "protein", "cell", "market", "price", "interest", "contract", "law", "court",
]
OPENERS = ["Sure, here is", "Great question.", "In short,", "Let me explain.", "To answer this,", "Briefly:"]
TOPICS = ["reinforcement learning", "SQL indexes", "photosynthesis", "the French revolution", "compound interest",
          "Python decorators", "plate tectonics", "contract law", "vaccines", "sorting algorithms"]


def sentence(rng: random.Random) -> str:
    words = rng.choices(WORDS, k=rng.randint(6, 18))
    return " ".join(words).capitalize() + rng.choice([".", ".", ".", "!", "?"])


def paragraph(rng: random.Random, low: int, high: int) -> str:
    target = rng.randint(low, high)
    parts = [rng.choice(OPENERS)]
    while sum(len(p) + 1 for p in parts) < target:
        parts.append(sentence(rng))
        if rng.random() < 0.15:
            parts.append("\n\n")
    return " ".join(parts)[:high].strip()


def rows(n: int) -> bytes:
    rng = random.Random(SEED)
    lines = []
    for i in range(n):
        prompt = f"Question {i}: explain {rng.choice(TOPICS)} to a {rng.choice(['child', 'student', 'manager'])}. " \
                 + sentence(rng)
        lines.append(json.dumps({
            "prompt": prompt, "chosen": paragraph(rng, 300, 1500), "rejected": paragraph(rng, 300, 1500),
        }))
    return "\n".join(lines).encode()


def main() -> None:
    if not os.environ.get("DATABASE_URL", "").startswith(("postgres://", "postgresql://")):
        sys.exit("set DATABASE_URL to a migrated PostgreSQL database")
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "annotation_platform.settings")
    os.environ.setdefault("SECRET_KEY", "bench-only")
    import django

    django.setup()
    from apps.datasets.models import Item, ItemResponse
    from apps.datasets.services import import_file
    from apps.projects.models import Project
    from apps.projects.services import project_create

    started = time.perf_counter()
    data = rows(PAIRS)
    print(f"generated {PAIRS} TRL rows, {len(data) / 1e6:.1f} MB, in {time.perf_counter() - started:.1f} s")
    project = project_create(user=None, name=f"import bench {time.time():.0f}", overlap=3)
    try:
        started = time.perf_counter()
        batch = import_file(project=project, user=None, data=data, filename="bench.jsonl", fmt="trl")
        seconds = time.perf_counter() - started
        if batch.status != "accepted":
            sys.exit(f"import rejected: {batch.errors[:5]}")
        items = Item.objects.filter(project=project).count()
        slots = ItemResponse.objects.filter(item__project=project).count()
        assert batch.items_created == items == PAIRS, (batch.items_created, items)
        assert slots == 2 * PAIRS, slots
        print(f"import: {batch.items_created} pairs in {seconds:.2f} s ({PAIRS / seconds:,.0f} pairs/s)")

        started = time.perf_counter()
        again = import_file(project=project, user=None, data=data, filename="bench.jsonl", fmt="trl")
        reimport_seconds = time.perf_counter() - started
        assert (again.status, again.items_created, again.items_skipped) == ("accepted", 0, PAIRS), (
            again.status, again.items_created, again.items_skipped)
        assert Item.objects.filter(project=project).count() == PAIRS
        print(f"re-import: 0 created, {again.items_skipped} skipped in {reimport_seconds:.2f} s")
    finally:
        Project.objects.filter(pk=project.pk).delete()
    print(json.dumps({
        "pairs": PAIRS, "megabytes": round(len(data) / 1e6, 1), "seconds": round(seconds, 2),
        "pairs_per_s": round(PAIRS / seconds), "reimport_seconds": round(reimport_seconds, 2),
    }))


if __name__ == "__main__":
    main()
