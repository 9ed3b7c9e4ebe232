"""Small generated tasks for tests, demos and benchmarks (plain Python, deterministic per seed).

They need the content to be solved (no length or style shortcut): the correct and the wrong worked
solution look the same except for the arithmetic.
"""
from __future__ import annotations

import random

from .data import PreferencePair, StepExample

__all__ = ["arithmetic_pairs", "arithmetic_step_examples"]

_NAMES = ["Ana", "Ben", "Chen", "Dara", "Eli", "Fay", "Gus", "Hana", "Ivo", "Jun", "Kai", "Lea", "Max", "Nia"]
_THINGS = ["apples", "pens", "stamps", "coins", "books", "shells", "cards", "marbles"]


def _wrong(value: int, rng: random.Random) -> int:
    w = value + rng.choice([-2, -1, 1, 2])
    return w if w >= 0 else value + 1


_GAIN = ["gets {b} more", "finds {b} more", "buys {b} more", "is given {b} more"]
_LOSS = ["gives away {b}", "loses {b}", "sells {b}", "uses up {b}"]


def _story(rng: random.Random) -> tuple[str, str, int, int]:
    name, thing = rng.choice(_NAMES), rng.choice(_THINGS)
    b = rng.randint(1, 9)
    a = rng.randint(b + 1, b + 12)
    return name, thing, a, b


def arithmetic_pairs(n: int, seed: int = 0, wrong_op_share: float = 0.75) -> list[PreferencePair]:
    """Correct vs wrong worked solutions of one-step word problems.

    The wrong solution either applies the wrong operation (adds what was given away; the sum itself
    is right) or, for ``1 - wrong_op_share`` of the pairs, gets the result wrong by 1 or 2. Both
    solutions have the same form and length: only reading the problem and the numbers tells them apart.
    """
    rng = random.Random(seed)
    out = []
    for i in range(n):
        name, thing, a, b = _story(rng)
        gain = rng.random() < 0.5
        verb = rng.choice(_GAIN if gain else _LOSS).format(b=b)
        text = f"{name} has {a} {thing} and {verb}. How many {thing} does {name} have now?"
        op, value = ("+", a + b) if gain else ("-", a - b)
        good = f"{a} {op} {b} = {value}. The answer is {value}."
        if rng.random() < wrong_op_share:
            wop, wvalue = ("-", a - b) if gain else ("+", a + b)
            kind = "operation"
        else:
            wop, wvalue = op, _wrong(value, rng)
            kind = "value"
        bad = f"{a} {wop} {b} = {wvalue}. The answer is {wvalue}."
        out.append(PreferencePair([{"role": "user", "content": text}], good, bad, group=f"arith-{seed}-{i}",
                                  meta={"source": "arithmetic", "dimension": "correctness", "error": kind}))
    return out


def arithmetic_step_examples(n: int, seed: int = 0) -> list[StepExample]:
    """Three-step solutions of two-event word problems, in pairs: for each problem one correct
    solution and one whose step 1 or 2 applies the wrong operation (the steps after the error are
    unrated, as PRM800K phase 2 stops at the first error). Both share the problem's group."""
    rng = random.Random(seed)
    out = []
    for i in range((n + 1) // 2):
        name, thing, _, b = _story(rng)
        c = rng.randint(1, 9)
        a = rng.randint(b + c + 1, b + c + 12)  # no step goes below zero, whatever the operations
        gains = [rng.random() < 0.5, rng.random() < 0.5]
        verbs = [rng.choice(_GAIN if g else _LOSS).format(b=x) for g, x in zip(gains, (b, c))]
        text = f"{name} has {a} {thing}, {verbs[0]}, then {verbs[1]}. How many {thing} are there now?"
        for bad_at in (None, rng.randrange(2)):
            steps, labels, value = [], [], a
            for k, (g, x) in enumerate(zip(gains, (b, c))):
                use_gain = (not g) if bad_at == k else g
                new = value + x if use_gain else value - x
                verb = "more" if g else "fewer"
                op = "+" if use_gain else "-"
                steps.append(f"{'First' if k == 0 else 'Then'}, {x} {verb}: {value} {op} {x} = {new}.")
                labels.append(None if bad_at is not None and k > bad_at else (-1 if bad_at == k else 1))
                value = new
            steps.append(f"So {name} has {value} {thing}.")
            labels.append(None if bad_at is not None else 1)
            out.append(StepExample([{"role": "user", "content": text}], steps, labels, group=f"steps-{seed}-{i}",
                                   meta={"source": "arithmetic", "first_error": bad_at}))
    return out[:n]
