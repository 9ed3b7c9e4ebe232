"""Arithmetic word problems, each with a right worked solution and a subtly wrong one.

The wrong solution copies the right one up to one step in the middle, where it makes a slip
people make: a dropped carry (``carry``), the wrong operation (``operation``) or a unit read
wrongly (``unit``). Every later step carries the mistake forward with correct arithmetic, so
exactly one step is wrong. Numbers are drawn from the given ``random.Random``.

A step's ``equation`` is the checkable arithmetic in it (``"3 × $2.45 = $7.35"``); ``None``
when the step states a fact or a conclusion rather than a calculation.
"""
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from fractions import Fraction

CARRY, OPERATION, UNIT = "carry", "operation", "unit"

PEOPLE = [
    ("Maya", "she"), ("Tom", "he"), ("Priya", "she"), ("Lucas", "he"),
    ("Aisha", "she"), ("Kenji", "he"), ("Sofia", "she"), ("Omar", "he"),
]
SHOPPING = [
    ("bookshop", "notebooks", (125, 495), "pens", (45, 195)),
    ("bakery", "loaves of bread", (185, 460), "croissants", (95, 240)),
    ("art shop", "sketchbooks", (240, 680), "tubes of paint", (65, 185)),
    ("café", "sandwiches", (295, 725), "bottles of water", (85, 190)),
]
VENUES = ["zoo", "science museum", "aquarium", "botanical garden", "theme park"]
VEHICLES = ["train", "coach", "car", "delivery van"]
SALE_ITEMS = ["jacket", "pair of boots", "bicycle helmet", "backpack", "desk lamp", "raincoat", "pair of headphones"]


@dataclass(frozen=True)
class Step:
    prefix: str
    equation: str | None = None
    suffix: str = "."

    @property
    def text(self) -> str:
        return f"{self.prefix}{self.equation or ''}{self.suffix}"

    @property
    def latex(self) -> str:
        """The step with its equation as inline TeX (``$…$``); plain text when it has money in it."""
        if self.equation is None or "$" in self.equation:
            return self.text
        tex = self.equation.replace("×", r"\times").replace("÷", r"\div").replace("−", "-").replace("≈", r"\approx")
        tex = tex.replace("remainder", r"\text{ remainder }")
        return f"{self.prefix}${tex}${self.suffix}"


@dataclass(frozen=True)
class WorkedProblem:
    template: str
    slip: str
    question: str
    right: tuple[Step, ...]
    wrong: tuple[Step, ...]
    wrong_index: int
    answer: str
    wrong_answer: str
    params: dict = field(default_factory=dict)
    has_money: bool = False


# --- number formatting --------------------------------------------------------------------------

def num(value) -> str:
    """A number as a person writes it: ``72``, ``1.5``, ``0.45`` (exact to two decimal places)."""
    value = Fraction(value)
    if value.denominator == 1:
        return str(value.numerator)
    hundredths = value * 100
    if hundredths.denominator != 1:
        raise ValueError(f"{value} is not exact to two decimal places")
    whole, rest = divmod(hundredths.numerator, 100)
    return f"{whole}.{rest:02d}".rstrip("0")


def money(cents: int) -> str:
    return f"${cents // 100}.{cents % 100:02d}"


def dropped_carry(*terms: int) -> int | None:
    """The sum a person gets when they forget the first carry; None when the sum has no carry."""
    place = 1
    while place <= max(terms):
        column = sum(term // place % 10 for term in terms)
        if column >= 10:
            return sum(terms) - (column // 10) * place * 10
        place *= 10
    return None


def _plural(n: int, singular: str, plural: str | None = None) -> str:
    return f"{n} {singular if n == 1 else (plural or singular + 's')}"


# --- templates ------------------------------------------------------------------------------------

def shopping_change(rng: random.Random) -> WorkedProblem | None:
    """Change from a note after buying two kinds of things; the total drops a carry."""
    name, pronoun = rng.choice(PEOPLE)
    shop, things1, (lo1, hi1), things2, (lo2, hi2) = rng.choice(SHOPPING)
    a, b = rng.randint(2, 6), rng.randint(2, 9)
    p, q = rng.randrange(lo1, hi1 + 1, 5), rng.randrange(lo2, hi2 + 1, 5)
    cost1, cost2 = a * p, b * q
    total, slipped = cost1 + cost2, dropped_carry(cost1, cost2)
    if slipped is None:
        return None
    note = next(n for n in (2000, 5000, 10000) if n > total)
    question = (
        f"{name} buys {a} {things1} at {money(p)} each and {b} {things2} at {money(q)} each at the {shop}. "
        f"{pronoun.capitalize()} pays with a {money(note)} note. How much change should {pronoun} get?"
    )
    head = (
        Step(f"Cost of the {things1}: ", f"{a} × {money(p)} = {money(cost1)}"),
        Step(f"Cost of the {things2}: ", f"{b} × {money(q)} = {money(cost2)}"),
    )

    def tail(t):
        return (Step("Total: ", f"{money(cost1)} + {money(cost2)} = {money(t)}"),
                Step("Change: ", f"{money(note)} − {money(t)} = {money(note - t)}"))

    return WorkedProblem(
        "shopping_change", CARRY, question, head + tail(total), head + tail(slipped), 2,
        money(note - total), money(note - slipped),
        params={"a": a, "p": p, "b": b, "q": q, "note": note}, has_money=True,
    )


def two_leg_trip(rng: random.Random) -> WorkedProblem:
    """Distance over two legs; the wrong solution reads 90 minutes as 1.30 hours."""
    vehicle = rng.choice(VEHICLES)
    v1, h1 = rng.randrange(40, 100, 8), rng.randint(1, 3)
    v2, minutes = rng.randrange(40, 100, 4), rng.choice([15, 45, 75, 90, 105, 135])
    hours = Fraction(minutes, 60)
    misread = minutes // 60 + Fraction(minutes % 60, 100)
    d1 = v1 * h1
    question = (
        f"A {vehicle} travels at {v1} km/h for {_plural(h1, 'hour')}, then at {v2} km/h for {minutes} minutes. "
        f"How far does it travel in total?"
    )
    first = Step("First leg: ", f"{v1} × {h1} = {d1}", " km.")
    if minutes >= 60:
        slip_text = (f"Second leg time: {minutes} minutes is {minutes // 60} h {minutes % 60} min, "
                     f"which is {num(misread)} hours.")
    else:
        slip_text = f"Second leg time: {minutes} minutes = {num(misread)} hours."

    def rest(h):
        d2 = v2 * h
        return (Step("Second leg: ", f"{v2} × {num(h)} = {num(d2)}", " km."),
                Step("Total distance: ", f"{d1} + {num(d2)} = {num(d1 + d2)}", " km."))

    right = (first, Step("Second leg time: ", f"{minutes} ÷ 60 = {num(hours)}", " hours."), *rest(hours))
    wrong = (first, Step(slip_text, None, ""), *rest(misread))
    return WorkedProblem(
        "two_leg_trip", UNIT, question, right, wrong, 1,
        f"{num(d1 + v2 * hours)} km", f"{num(d1 + v2 * misread)} km",
        params={"v1": v1, "h1": h1, "v2": v2, "minutes": minutes},
    )


def ticket_discount(rng: random.Random) -> WorkedProblem:
    """Tickets with a percentage discount and a fee; the wrong solution adds the discount."""
    venue = rng.choice(VENUES)
    adult = rng.randint(12, 30)
    child = rng.randint(6, adult - 4)
    n_adult, n_child = rng.randint(1, 3), rng.randint(1, 4)
    pct, fee = rng.choice([10, 15, 20, 25]), rng.choice([2, 3, 4, 5])
    cents_adult, cents_child = n_adult * adult * 100, n_child * child * 100
    before = cents_adult + cents_child
    discount = before * pct // 100
    question = (
        f"At the {venue}, tickets cost {money(adult * 100)} for adults and {money(child * 100)} for children. "
        f"A family buys {_plural(n_adult, 'adult ticket')} and {_plural(n_child, 'child ticket')} with a {pct}% "
        f"discount code, and a {money(fee * 100)} booking fee is added after the discount. What do they pay in total?"
    )
    head = (
        Step("Adult tickets: ", f"{n_adult} × {money(adult * 100)} = {money(cents_adult)}"),
        Step("Child tickets: ", f"{n_child} × {money(child * 100)} = {money(cents_child)}"),
        Step("Before the discount: ", f"{money(cents_adult)} + {money(cents_child)} = {money(before)}"),
        Step("Discount: ", f"{money(before)} × {pct} ÷ 100 = {money(discount)}"),
    )

    def tail(after, op):
        return (Step("After the discount: ", f"{money(before)} {op} {money(discount)} = {money(after)}"),
                Step("With the booking fee: ", f"{money(after)} + {money(fee * 100)} = {money(after + fee * 100)}"))

    right_after, wrong_after = before - discount, before + discount
    return WorkedProblem(
        "ticket_discount", OPERATION, question, head + tail(right_after, "−"), head + tail(wrong_after, "+"), 4,
        money(right_after + fee * 100), money(wrong_after + fee * 100),
        params={"adult": adult, "child": child, "n_adult": n_adult, "n_child": n_child, "pct": pct, "fee": fee},
        has_money=True,
    )


def orchard_boxes(rng: random.Random) -> WorkedProblem | None:
    """Apples packed in boxes; adding the partial products drops a carry."""
    rows, per_row = rng.randint(6, 24), rng.randint(8, 30)
    per_tree = rng.choice([k for k in range(12, 49) if k % 10])
    box = rng.choice([6, 8, 12, 15, 20, 24])
    trees = rows * per_row
    tens, units = per_tree - per_tree % 10, per_tree % 10
    part1, part2 = trees * tens, trees * units
    apples, slipped = part1 + part2, dropped_carry(part1, part2)
    if slipped is None:
        return None
    question = (
        f"An orchard has {rows} rows of {per_row} apple trees, and each tree gives {per_tree} apples. "
        f"The apples are packed in boxes of {box}. How many boxes can be filled, and how many apples are left over?"
    )
    first = Step("Number of trees: ", f"{rows} × {per_row} = {trees}")

    def rest(total):
        full, left = divmod(total, box)
        return (
            Step("Number of apples: ", f"{trees} × {per_tree} = {trees} × {tens} + {trees} × {units} "
                                       f"= {part1} + {part2} = {total}"),
            Step("Boxes: ", f"{total} ÷ {box} = {full} remainder {left}"),
            Step(f"So {full} boxes can be filled, with {left} apples left over", None),
        )

    def answer(total):
        full, left = divmod(total, box)
        return f"{full} boxes, {left} apples left over"

    return WorkedProblem(
        "orchard_boxes", CARRY, question, (first, *rest(apples)), (first, *rest(slipped)), 1,
        answer(apples), answer(slipped),
        params={"rows": rows, "per_row": per_row, "per_tree": per_tree, "box": box},
    )


def board_pieces(rng: random.Random) -> WorkedProblem | None:
    """Boards cut into pieces; the wrong solution converts metres to centimetres with × 10."""
    name, pronoun = rng.choice(PEOPLE)
    metres, piece, boards = rng.randint(2, 5), rng.randint(12, 45), rng.randint(3, 12)
    if piece >= metres * 10 or (metres * 100) % piece == 0:
        return None
    question = (
        f"{name} has {boards} boards, each {metres} m long, and cuts each board into pieces {piece} cm long. "
        f"How many pieces does {pronoun} get in all, and how much is left over from each board?"
    )
    first = Step("The pieces are measured in centimetres, so work in centimetres", None)

    def rest(length):
        per_board, left = divmod(length, piece)
        return (
            Step("Pieces from one board: ", f"{length} ÷ {piece} = {per_board} remainder {left}"),
            Step("Pieces from all boards: ", f"{boards} × {per_board} = {boards * per_board}"),
        )

    def answer(length):
        per_board, left = divmod(length, piece)
        return f"{boards * per_board} pieces, {left} cm left over from each board"

    right = (first, Step("Length of one board: ", f"{metres} × 100 = {metres * 100}", " cm."), *rest(metres * 100))
    wrong = (first, Step("Length of one board: ", f"{metres} × 10 = {metres * 10}", " cm."), *rest(metres * 10))
    return WorkedProblem(
        "board_pieces", UNIT, question, right, wrong, 1, answer(metres * 100), answer(metres * 10),
        params={"metres": metres, "piece": piece, "boards": boards},
    )


def needed_score(rng: random.Random) -> WorkedProblem | None:
    """The score needed for a target average; the sum of the scores drops a carry."""
    name, pronoun = rng.choice(PEOPLE)
    target = rng.randint(70, 88)
    scores = [rng.randint(55, 99) for _ in range(4)]
    needed_total = 5 * target
    total, slipped = sum(scores), dropped_carry(*scores)
    if slipped is None or not (40 <= needed_total - total <= 100 and needed_total - slipped <= 100):
        return None
    question = (
        f"{name} scored {scores[0]}, {scores[1]}, {scores[2]} and {scores[3]} on four tests. "
        f"What must {pronoun} score on the fifth test to average exactly {target}?"
    )
    first = Step(f"Total needed for an average of {target} over five tests: ", f"5 × {target} = {needed_total}")

    def rest(s):
        return (
            Step("Total of the first four tests: ", f"{' + '.join(map(str, scores))} = {s}"),
            Step("Score needed on the fifth test: ", f"{needed_total} − {s} = {needed_total - s}"),
        )

    return WorkedProblem(
        "needed_score", CARRY, question, (first, *rest(total)), (first, *rest(slipped)), 1,
        str(needed_total - total), str(needed_total - slipped),
        params={"scores": scores, "target": target},
    )


def original_price(rng: random.Random) -> WorkedProblem:
    """The price before a percentage discount; the wrong solution adds the percentage back on."""
    name, pronoun = rng.choice(PEOPLE)
    thing = rng.choice(SALE_ITEMS)
    pct = rng.choice([10, 20, 25, 30, 40])
    original = rng.randint(20, 180) * 100
    sale = original * (100 - pct) // 100
    kept = Fraction(100 - pct, 100)
    marked_up = Fraction(sale * (100 + pct), 100)
    question = (
        f"In a {pct}%-off sale, {name} pays {money(sale)} for a {thing}. "
        f"What was the original price, and how much did {pronoun} save?"
    )
    first = Step(f"After a {pct}% discount {pronoun} pays this share of the original price: ",
                 f"100% − {pct}% = {100 - pct}%")

    def saved(orig):
        return Step("Amount saved: ", f"{money(orig)} − {money(sale)} = {money(orig - sale)}")

    rounded = round(marked_up)
    right = (first, Step("Original price: ", f"{money(sale)} ÷ {num(kept)} = {money(original)}"), saved(original))
    wrong = (
        first,
        Step("Original price: ",
             f"{money(sale)} × {num(1 + Fraction(pct, 100))} {'=' if rounded == marked_up else '≈'} {money(rounded)}"),
        saved(rounded),
    )
    return WorkedProblem(
        "original_price", OPERATION, question, right, wrong, 1,
        f"{money(original)}, a saving of {money(original - sale)}",
        f"{money(rounded)}, a saving of {money(rounded - sale)}",
        params={"pct": pct, "sale": sale}, has_money=True,
    )


TEMPLATES: list[Callable[[random.Random], WorkedProblem | None]] = [
    shopping_change, two_leg_trip, ticket_discount, orchard_boxes, board_pieces, needed_score, original_price,
]


def draw(template: Callable[[random.Random], WorkedProblem | None], rng: random.Random,
         seen: set[str]) -> WorkedProblem:
    """One problem from the template whose question is not in ``seen`` (and add it there)."""
    for _ in range(1000):
        problem = template(rng)
        if problem is not None and problem.question not in seen:
            seen.add(problem.question)
            return problem
    raise RuntimeError(f"{template.__name__} found no new problem in 1000 draws")


def problems(rng: random.Random, count: int) -> list[WorkedProblem]:
    """``count`` distinct problems, cycling through the templates."""
    seen: set[str] = set()
    return [draw(TEMPLATES[i % len(TEMPLATES)], rng, seen) for i in range(count)]


# --- rendering ------------------------------------------------------------------------------------

INTROS = ["", "Let's work through it step by step.\n\n", "Here is the working.\n\n", "Step by step:\n\n"]


def render(steps: tuple[Step, ...], answer: str, style: str, intro: str = "") -> str:
    """A solution as Markdown: ``numbered`` list, ``paragraphs``, or ``latex`` (numbered, math in $…$)."""
    if style == "numbered":
        body = "\n".join(f"{i}. {s.text}" for i, s in enumerate(steps, 1))
        return f"{intro}{body}\n\n**Answer:** {answer}"
    if style == "latex":
        body = "\n".join(f"{i}. {s.latex}" for i, s in enumerate(steps, 1))
        return f"{intro}{body}\n\n**Answer:** {answer}"
    if style == "paragraphs":
        return intro + "\n\n".join(s.text for s in steps) + f"\n\nSo the answer is **{answer}**."
    raise ValueError(f"unknown style {style!r}")


def styles_for(problem: WorkedProblem) -> list[str]:
    """Money amounts are written with "$", which would clash with TeX math, so no latex style there."""
    return ["numbered", "paragraphs"] if problem.has_money else ["numbered", "paragraphs", "latex"]
