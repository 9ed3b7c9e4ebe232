"""The demo's rows in the native JSONL shape that ``apps.datasets`` imports.

A pairwise row::

    {"id": "demo-arith-0001", "prompt": "…" or [{"role", "content"}, …],
     "responses": [{"text": "…", "model": "demo-model-a"}, {"text": "…", "model": "demo-model-c"}],
     "metadata": {"category": "arithmetic", …},
     "gold": {"preference": -2},                                  # gold items only
     "labels": [{"annotator": "legacy-vendor", "preference": 1}]}  # a handful of rows

``preference`` is positive when the first response is better. A step row has one response with
its ``steps`` and, when gold, ``"gold": {"steps": [1, 0, -1, …]}`` (1 correct, 0 neutral,
-1 wrong; ``null`` after the first wrong step, which a stop-at-first-error project does not ask).

Everything is drawn from ``random.Random(seed)``, so a seed always gives the same rows.
"""
import json
import random

from . import arithmetic
from .arithmetic import WorkedProblem
from .facts import fact_pairs
from .instructions import instruction_pairs
from .pair import ResponsePair, conversation

DEMO_SEED = 20240611
MODELS = ["demo-model-a", "demo-model-b", "demo-model-c"]
LEGACY_ANNOTATOR = "legacy-vendor"
GOLD_STRENGTH = 2  # a gold item's better response is clearly better: A≫B on the 5-point scale
ID_PREFIX = {"arithmetic": "arith", "factual": "fact", "instruction-following": "instr"}
TUTOR_SYSTEM = "You are a patient maths tutor. Show your working step by step."


def arithmetic_pairs(rng: random.Random, count: int, multi_turn_share: float = 0.15) -> list[ResponsePair]:
    pairs = []
    for problem in arithmetic.problems(rng, count):
        styles = arithmetic.styles_for(problem)
        style_right, style_wrong = rng.choice(styles), rng.choice(styles)
        better = arithmetic.render(problem.right, problem.answer, style_right, rng.choice(arithmetic.INTROS))
        worse = arithmetic.render(problem.wrong, problem.wrong_answer, style_wrong, rng.choice(arithmetic.INTROS))
        if rng.random() < multi_turn_share:
            prompt = conversation(TUTOR_SYSTEM, problem.question)
        else:
            prompt = problem.question
        pairs.append(ResponsePair("arithmetic", prompt, better, worse, {"template": problem.template}))
    return pairs


def _half_true(rng: random.Random, n: int) -> list[bool]:
    """n flags, half of them true, in a shuffled order (e.g. "the better response goes second")."""
    flags = [i % 2 == 1 for i in range(n)]
    rng.shuffle(flags)
    return flags


def _gold_indices(rng: random.Random, flags: list[bool], count: int, odd_goes_true: bool) -> set[int]:
    """``count`` indices, as many with a true flag as with a false one (one more of one kind if odd)."""
    with_true = count // 2 + (count % 2 if odd_goes_true else 0)
    trues = [i for i, flag in enumerate(flags) if flag]
    falses = [i for i, flag in enumerate(flags) if not flag]
    return set(rng.sample(trues, with_true)) | set(rng.sample(falses, count - with_true))


def pairwise_rows(seed: int = DEMO_SEED, *, arithmetic_count: int = 84, gold_rate: float = 0.05,
                  legacy_labels: int = 6) -> list[dict]:
    """Arithmetic, factual and instruction-following pairs (222 rows by default), about ``gold_rate`` gold."""
    rng = random.Random(seed)
    groups = [arithmetic_pairs(rng, arithmetic_count), fact_pairs(rng), instruction_pairs(rng)]
    rows, better_first = [], []
    for g, group in enumerate(groups):
        sides = _half_true(rng, len(group))
        gold = _gold_indices(rng, sides, round(len(group) * gold_rate), odd_goes_true=g % 2 == 1)
        for i, pair in enumerate(group):
            texts = [pair.worse, pair.better] if sides[i] else [pair.better, pair.worse]
            row = {
                "id": f"demo-{ID_PREFIX[pair.category]}-{i + 1:04d}",
                "prompt": pair.prompt,
                "responses": [{"text": t, "model": m} for t, m in zip(texts, rng.sample(MODELS, 2))],
                "metadata": {"category": pair.category, **pair.detail},
            }
            if i in gold:
                row["gold"] = {"preference": -GOLD_STRENGTH if sides[i] else GOLD_STRENGTH}
            rows.append(row)
            better_first.append(not sides[i])
    _add_legacy_labels(rng, rows, better_first, legacy_labels)
    return rows


def _add_legacy_labels(rng: random.Random, rows: list[dict], better_first: list[bool], count: int) -> None:
    """A vendor's binary labels on a few non-gold rows, as a file from an earlier tool would carry them.

    The vendor got the last of them wrong, as vendors sometimes do.
    """
    candidates = [i for i, row in enumerate(rows) if "gold" not in row]
    for n, i in enumerate(sorted(rng.sample(candidates, count))):
        right = 1 if better_first[i] else -1
        rows[i]["labels"] = [{"annotator": LEGACY_ANNOTATOR, "preference": right if n < count - 1 else -right}]


STEP_OPENERS = [
    "Let's work through this carefully.",
    "First, read the question and note what is being asked.",
    "We can solve this one step at a time.",
]


def solution_steps(problem: WorkedProblem, *, wrong: bool, opener: str | None) -> tuple[list[str], list[int | None]]:
    """A solution's steps and their true ratings: 1 correct, 0 neutral (the opener), -1 the slip.

    Steps after the slip are rated ``None``: a stop-at-first-error project does not ask about them.
    """
    steps = problem.wrong if wrong else problem.right
    texts = [s.text for s in steps] + [f"So the answer is {problem.wrong_answer if wrong else problem.answer}."]
    ratings: list[int | None] = [1] * len(texts)
    if wrong:
        ratings[problem.wrong_index] = -1
        ratings[problem.wrong_index + 1:] = [None] * (len(texts) - problem.wrong_index - 1)
    if opener:
        texts, ratings = [opener, *texts], [0, *ratings]
    return texts, ratings


def step_rows(seed: int = DEMO_SEED, *, count: int = 40, gold: int = 4) -> list[dict]:
    """``count`` worked solutions split into steps, half of them with a wrong step; ``gold`` of them gold."""
    rng = random.Random(seed + 1)
    problems = arithmetic.problems(rng, count)
    wrong_flags = _half_true(rng, count)
    gold_ids = _gold_indices(rng, wrong_flags, gold, odd_goes_true=True)
    rows = []
    for i, (problem, wrong) in enumerate(zip(problems, wrong_flags)):
        opener = rng.choice(STEP_OPENERS) if rng.random() < 0.3 else None
        steps, ratings = solution_steps(problem, wrong=wrong, opener=opener)
        row = {
            "id": f"demo-steps-{i + 1:04d}",
            "prompt": problem.question,
            "responses": [{"text": "\n".join(steps), "model": rng.choice(MODELS), "steps": steps}],
            "metadata": {"category": "arithmetic", "template": problem.template},
        }
        if i in gold_ids:
            row["gold"] = {"steps": ratings}
        rows.append(row)
    return rows


def rows_to_jsonl(rows: list[dict]) -> bytes:
    return "".join(json.dumps(row, ensure_ascii=False) + "\n" for row in rows).encode()
