"""The demo data generator: deterministic, realistic, and its right answers really are right.

Answers are recomputed here from the numbers in each question, and constraints are checked here
on each response, independently of the generator's own bookkeeping.
"""
import ast
import json
import operator
import random
import re
from fractions import Fraction

import pytest

from apps.core.demo import DEMO_SEED, pairwise_rows, rows_to_jsonl, step_rows
from apps.core.demo import arithmetic, facts, instructions

ROWS = pairwise_rows()
STEP_ROWS = step_rows()


def by_category(category: str) -> list[dict]:
    return [row for row in ROWS if row["metadata"]["category"] == category]


def question_of(row: dict) -> str:
    prompt = row["prompt"]
    return prompt if isinstance(prompt, str) else [m for m in prompt if m["role"] == "user"][-1]["content"]


def texts(row: dict) -> list[str]:
    return [response["text"] for response in row["responses"]]


# --- arithmetic, recomputed --------------------------------------------------------------------------

OPS = {ast.Add: operator.add, ast.Sub: operator.sub, ast.Mult: operator.mul, ast.Div: operator.truediv}


def evaluate(expression: str) -> Fraction:
    cleaned = (expression.replace("×", "*").replace("÷", "/").replace("−", "-")
               .replace("$", "").replace("%", "").strip())

    def walk(node):
        if isinstance(node, ast.BinOp):
            return OPS[type(node.op)](walk(node.left), walk(node.right))
        if isinstance(node, ast.Constant):
            return Fraction(repr(node.value))
        raise ValueError(f"unexpected {ast.dump(node)} in {expression!r}")

    return walk(ast.parse(cleaned, mode="eval").body)


def holds(equation: str) -> bool:
    """Whether a step's arithmetic is true: chains of "=", "≈" to the cent, and "a ÷ b = q remainder r"."""
    if "remainder" in equation:
        left, right = equation.split("=")
        dividend, divisor = (evaluate(x) for x in left.split("÷"))
        quotient, rest = (evaluate(x) for x in right.split("remainder"))
        return dividend == quotient * divisor + rest and 0 <= rest < divisor
    if "≈" in equation:
        left, right = equation.split("≈")
        return abs(evaluate(left) - evaluate(right)) <= Fraction(1, 200)
    values = [evaluate(part) for part in equation.split("=")]
    return all(value == values[0] for value in values)


def expected_numbers(question: str) -> list[Fraction]:
    """The answer's numbers, computed from the question alone."""
    def nums(match):
        return [Fraction(g) for g in match.groups()]

    if m := re.search(r"buys (\d+) [^$]+ at \$([\d.]+) each and (\d+) [^$]+ at \$([\d.]+) each.*a \$([\d.]+) note",
                      question):
        a, p, b, q, note = nums(m)
        return [note - a * p - b * q]
    if m := re.search(r"at (\d+) km/h for (\d+) hours?, then at (\d+) km/h for (\d+) minutes", question):
        v1, h1, v2, minutes = nums(m)
        return [v1 * h1 + v2 * minutes / 60]
    if m := re.search(r"\$([\d.]+) for adults and \$([\d.]+) for children\. A family buys (\d+) adult tickets? and "
                      r"(\d+) child tickets? with a (\d+)% discount code, and a \$([\d.]+) booking fee", question):
        adult, child, n_adult, n_child, pct, fee = nums(m)
        return [(n_adult * adult + n_child * child) * (100 - pct) / 100 + fee]
    if m := re.search(r"(\d+) rows of (\d+) apple trees, and each tree gives (\d+) apples\. "
                      r"The apples are packed in boxes of (\d+)", question):
        rows, per_row, per_tree, box = (int(g) for g in m.groups())
        return [Fraction(x) for x in divmod(rows * per_row * per_tree, box)]
    if m := re.search(r"has (\d+) boards, each (\d+) m long, and cuts each board into pieces (\d+) cm long", question):
        boards, metres, piece = (int(g) for g in m.groups())
        per_board, left = divmod(metres * 100, piece)
        return [Fraction(boards * per_board), Fraction(left)]
    if m := re.search(r"scored (\d+), (\d+), (\d+) and (\d+) on four tests\. .* average exactly (\d+)", question):
        *scores, target = nums(m)
        return [5 * target - sum(scores)]
    if m := re.search(r"In a (\d+)%-off sale, \w+ pays \$([\d.]+)", question):
        pct, sale = nums(m)
        original = sale / (1 - pct / 100)
        return [original, original - sale]
    raise AssertionError(f"no solver for {question!r}")


ANSWER = re.compile(r"(?:\*\*Answer:\*\* (.+)|So the answer is (?:\*\*)?(.+?)(?:\*\*)?\.)\s*$")


def answer_numbers(solution: str) -> list[Fraction]:
    match = ANSWER.search(solution)
    assert match, solution
    return [Fraction(x) for x in re.findall(r"\d+(?:\.\d+)?", match.group(1) or match.group(2))]


def test_same_seed_gives_the_same_rows_and_another_seed_other_rows():
    assert pairwise_rows(DEMO_SEED) == ROWS
    assert step_rows(DEMO_SEED) == STEP_ROWS
    assert rows_to_jsonl(pairwise_rows(7)) == rows_to_jsonl(pairwise_rows(7))
    other = pairwise_rows(8)
    assert [row["prompt"] for row in other] != [row["prompt"] for row in pairwise_rows(7)]


def test_rows_are_native_jsonl_with_unique_ids_prompts_and_two_models():
    lines = rows_to_jsonl(ROWS).decode().splitlines()
    assert [json.loads(line) for line in lines] == ROWS
    assert len(ROWS) >= 200
    assert {row["metadata"]["category"] for row in ROWS} == {"arithmetic", "factual", "instruction-following"}
    assert min(len(by_category(c)) for c in ("arithmetic", "factual", "instruction-following")) >= 60
    assert len({row["id"] for row in ROWS}) == len(ROWS)
    assert len({json.dumps(row["prompt"]) for row in ROWS}) == len(ROWS)
    for row in ROWS:
        first, second = row["responses"]
        assert first["text"] != second["text"]
        assert first["model"] != second["model"]
        assert first["model"].startswith("demo-model-")


def test_about_five_percent_gold_with_the_better_response_on_both_sides():
    gold = [row["gold"]["preference"] for row in ROWS if "gold" in row]
    assert 0.04 <= len(gold) / len(ROWS) <= 0.06
    assert set(gold) == {2, -2}
    assert all(len(row["gold"]) == 1 for row in ROWS if "gold" in row)


def test_arithmetic_pairs_hold_one_right_and_one_wrong_answer_on_either_side():
    sides = []
    for row in by_category("arithmetic"):
        expected = expected_numbers(question_of(row))
        right = [i for i, text in enumerate(texts(row)) if answer_numbers(text) == expected]
        assert len(right) == 1, (row["id"], expected, texts(row))
        sides.append(right[0])
        if "gold" in row:
            assert (row["gold"]["preference"] > 0) == (right[0] == 0)
    assert sides.count(0) == sides.count(1) or abs(sides.count(0) - sides.count(1)) == 1


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_right_solutions_check_out_and_wrong_ones_slip_in_exactly_one_middle_step(seed):
    for problem in arithmetic.problems(random.Random(seed), 70):
        expected = expected_numbers(problem.question)
        assert answer_numbers(f"**Answer:** {problem.answer}") == expected, problem.question
        assert answer_numbers(f"**Answer:** {problem.wrong_answer}") != expected, problem.question
        assert all(holds(step.equation) for step in problem.right if step.equation), problem.right

        i = problem.wrong_index
        assert 0 < i < len(problem.wrong) - 1, "the slip is in the middle"
        assert problem.wrong[:i] == problem.right[:i]
        assert problem.wrong[i] != problem.right[i]
        later_ok = [holds(step.equation) for step in problem.wrong[i + 1:] if step.equation]
        assert all(later_ok), "later steps carry the mistake forward correctly"
        if problem.slip == arithmetic.CARRY:
            assert not holds(problem.wrong[i].equation), problem.wrong[i]
        elif problem.wrong[i].equation:  # wrong operation or unit: true arithmetic, wrong reasoning
            assert holds(problem.wrong[i].equation)


def test_dropped_carry_is_one_carry_short():
    assert arithmetic.dropped_carry(1760, 495) == 2155  # $17.60 + $4.95 written as $21.55
    assert arithmetic.dropped_carry(56, 81, 90, 96) == 313
    assert arithmetic.dropped_carry(12, 34) is None


def test_every_template_is_used_and_solutions_come_in_several_markdown_styles():
    templates = {row["metadata"]["template"] for row in by_category("arithmetic")}
    assert templates == {t.__name__ for t in arithmetic.TEMPLATES}
    all_text = "\n".join(t for row in by_category("arithmetic") for t in texts(row))
    assert r"\times" in all_text and "**Answer:**" in all_text and "So the answer is" in all_text
    assert re.search(r"^1\. ", all_text, re.MULTILINE)


def fact_tokens(row: dict) -> tuple[str, str]:
    """The right and the wrong answer's key words for the fact the row asks about, from the tables."""
    question = question_of(row)
    for country, capital, wrong, _, _ in facts.CAPITALS:
        if f"capital of {country}?" in question or f"capital city of {country}?" in question:
            return f"**{capital}**", f"**{wrong}**"
    for element, symbol, wrong, _, _, _ in facts.ELEMENTS:
        if f" {element}" in question and "symbol" in question:
            return f"**{symbol}**", f"**{wrong}**"
    for _, asked, date, wrong, _ in facts.EVENTS:
        if question == asked:
            return f"**{date}**", f"**{wrong}**"
    for title, author, wrong, _ in facts.BOOKS:
        if title in question:
            return f"**{author}**", f"**{wrong}**"
    for asked, right, wrong in facts.PLANETS:
        if question == asked:
            return right, wrong
    raise AssertionError(f"no fact for {question!r}")


def test_factual_pairs_hold_the_true_fact_and_a_confident_wrong_one_on_either_side():
    rows = by_category("factual")
    assert len(rows) == (len(facts.CAPITALS) + len(facts.ELEMENTS) + len(facts.EVENTS) + len(facts.BOOKS)
                         + len(facts.PLANETS))
    sides = []
    for row in rows:
        right, wrong = fact_tokens(row)
        holders = [i for i, text in enumerate(texts(row)) if right in text]
        assert len(holders) == 1, row
        assert wrong in texts(row)[1 - holders[0]]
        sides.append(holders[0])
        if "gold" in row:
            assert (row["gold"]["preference"] > 0) == (holders[0] == 0)
    assert {0, 1} <= set(sides)
    assert fact_tokens({"prompt": "What is the capital of Australia?"}) == ("**Canberra**", "**Sydney**")


def meets(text: str, detail: dict) -> bool:
    """The constraint checked from scratch (not with the generator's own checker)."""
    kind = detail["constraint"]
    if kind == "bullet-count":
        return sum(line.startswith("- ") for line in text.splitlines()) == detail["bullets"]
    if kind == "json-only":
        try:
            data = json.loads(text)
        except ValueError:
            return False
        return sorted(data) == ["benefits", "topic"] and len(data["benefits"]) == 3
    if kind == "all-lowercase":
        return not any(c.isupper() for c in text)
    if kind == "include-keyword":
        return detail["keyword"] in re.findall(r"[a-z]+", text.lower())
    if kind == "word-limit":
        return len(text.split()) < detail["max_words"]
    if kind == "code-only":
        return text.startswith("```python\n") and text.endswith("\n```") and text.count("```") == 2
    raise AssertionError(kind)


def test_instruction_pairs_break_a_checkable_constraint_in_exactly_one_response():
    rows = by_category("instruction-following")
    kinds = {row["metadata"]["constraint"] for row in rows}
    assert kinds == {"bullet-count", "json-only", "all-lowercase", "include-keyword", "word-limit", "code-only"}
    sides = []
    for row in rows:
        met = [meets(text, row["metadata"]) for text in texts(row)]
        assert met.count(True) == 1, (row["id"], row["metadata"], texts(row))
        assert [instructions.passes(text, row["metadata"]) for text in texts(row)] == met
        sides.append(met.index(True))
    assert {0, 1} <= set(sides)


def test_code_in_both_responses_of_a_code_only_pair_works():
    tasks = {task.name: task for task in instructions.CODE_TASKS}
    rows = [row for row in by_category("instruction-following") if row["metadata"]["constraint"] == "code-only"]
    assert len(rows) == len(tasks)
    for row in rows:
        task = tasks[row["metadata"]["function"]]
        for text in texts(row):
            code = re.search(r"```python\n(.*?)\n```", text, re.DOTALL).group(1)
            namespace = {}
            exec(code, namespace)  # noqa: S102 - our own generated code
            for args, result in task.examples:
                assert namespace[task.name](*args) == result


def test_prompts_include_conversations_and_responses_include_markdown():
    conversations = [row["prompt"] for row in ROWS if isinstance(row["prompt"], list)]
    assert len(conversations) >= 20
    assert any([m["role"] for m in c] == ["system", "user", "assistant", "user"] for c in conversations)
    assert all(c[0]["role"] == "system" and c[-1]["role"] == "user" for c in conversations)
    everything = "\n".join(t for row in ROWS for t in texts(row))
    assert "```python" in everything and "```json" in everything
    assert re.search(r"^- ", everything, re.MULTILINE) and "$" in everything and "**" in everything


def test_a_few_rows_carry_a_legacy_vendors_labels():
    labelled = [row for row in ROWS if "labels" in row]
    assert len(labelled) == 6
    assert all("gold" not in row for row in labelled)
    assert all(row["labels"][0]["annotator"] == "legacy-vendor" for row in labelled)
    assert {row["labels"][0]["preference"] for row in labelled} <= {1, -1}


def test_step_rows_mark_the_first_wrong_step_of_about_half_the_solutions():
    assert len(STEP_ROWS) == 40
    wrong_solutions = 0
    for row in STEP_ROWS:
        (response,) = row["responses"]
        steps = response["steps"]
        assert response["text"] == "\n".join(steps)
        expected = expected_numbers(row["prompt"])
        is_right = answer_numbers(steps[-1]) == expected
        wrong_solutions += not is_right
        if "gold" in row:
            ratings = row["gold"]["steps"]
            assert len(ratings) == len(steps)
            if is_right:
                assert set(ratings) <= {0, 1}
            else:
                first_error = ratings.index(-1)
                assert 0 < first_error and ratings[first_error + 1:] == [None] * (len(steps) - first_error - 1)
                assert set(ratings[:first_error]) <= {0, 1}
    assert 15 <= wrong_solutions <= 25
    gold = [row for row in STEP_ROWS if "gold" in row]
    assert len(gold) == 4
    assert {-1 in row["gold"]["steps"] for row in gold} == {True, False}
