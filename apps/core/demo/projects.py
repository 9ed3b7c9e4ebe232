"""The demo's accounts and projects: settings, rubric and guidelines, as plain data."""
from dataclasses import dataclass


@dataclass(frozen=True)
class DemoUser:
    username: str
    password: str
    role: str  # the role in both demo projects
    staff: bool = False


USERS = [
    DemoUser("annotator1", "annotator1-demo", "annotator"),
    DemoUser("annotator2", "annotator2-demo", "annotator"),
    DemoUser("annotator3", "annotator3-demo", "annotator"),
    DemoUser("lead", "lead-demo", "lead"),
    DemoUser("admin", "admin-demo", "admin", staff=True),
]
PROJECT_OWNER = "lead"  # creates the projects, so is their lead from the start

PAIRWISE_GUIDELINES = """\
# Helpfulness & accuracy

You will see a **prompt** (sometimes a short conversation) and **two responses**, A and B.
Decide which response is better for the person who asked, then score each rubric dimension.

## How to judge

1. **Correctness first.** Check every fact and every calculation. A response that gets the main
   answer wrong loses to one that gets it right, however fluent it sounds.
   - Recompute arithmetic yourself; wrong answers often hide in one middle step
     (a dropped carry, the wrong operation, minutes read as hundredths of an hour).
   - Be wary of confident detail: a made-up date or name is still wrong.
2. **Instructions next.** If the prompt sets a constraint (a number of bullet points, JSON only,
   all lowercase, a word to include, a word limit, code only), a response that breaks it is worse.
   Count bullets and words when it matters.
3. **Then clarity.** Between two correct responses that follow the instructions, prefer the one that
   is clearer, better organised and no longer than it needs to be.

## The preference scale

| choice | when |
| --- | --- |
| **A ≫ B** / **B ≫ A** | one response is wrong on the main point or ignores an explicit instruction, the other is not |
| **A > B** / **B > A** | both are acceptable, one is noticeably better |
| **Tie** | you cannot honestly prefer either; use it sparingly |

The sides are shuffled for every annotator, so "A" on your screen may be "B" on someone else's.

## Rubric scores

Score factual accuracy, coherence and instruction following from 1 to 5, using the anchor text
shown for each point. Score what is on the page, not what the model probably meant.

## Examples

- *"What is the capital of Australia?"* - "Canberra" beats "Sydney" by a lot (**≫**), even if the
  Sydney answer is longer and more confident.
- *"Give exactly 3 bullet points ..."* - a response with 5 good bullets loses clearly to one with
  3 good bullets.
- Math shown as `$5 \\times 79 = 395$` is rendered as formulas; judge the numbers, not the typesetting.

Some items are **gold** items with a known answer; they are mixed in to check calibration and
look like any other item.
"""

RUBRIC = [
    {
        "key": "factual-accuracy",
        "name": "Factual accuracy",
        "description": "Are the facts and every calculation correct?",
        "anchors": {
            "1": "The main answer is wrong, or a key fact or calculation is false.",
            "2": "The main answer is right only by luck, or several supporting claims are false.",
            "3": "The main answer is right but a supporting detail or step is wrong.",
            "4": "Correct throughout, with a minor imprecision that does not mislead.",
            "5": "Everything stated is correct and every calculation checks out.",
        },
    },
    {
        "key": "coherence",
        "name": "Coherence",
        "description": "Is the response well organised, easy to follow and free of contradictions?",
        "anchors": {
            "1": "Hard to follow: contradicts itself or jumps between unrelated points.",
            "2": "Mostly understandable but disorganised or repetitive.",
            "3": "Clear enough; the structure could be better.",
            "4": "Well organised; each step or point follows from the last.",
            "5": "Exceptionally clear: concise, logically ordered, nothing to cut.",
        },
    },
    {
        "key": "instruction-following",
        "name": "Instruction following",
        "description": "Does the response do what was asked, including format and length constraints?",
        "anchors": {
            "1": "Ignores the request or breaks an explicit constraint outright.",
            "2": "Addresses the request but breaks a stated constraint (format, count, length, wording).",
            "3": "Follows the constraints but misses part of the request.",
            "4": "Follows the request and constraints with a small lapse in tone or scope.",
            "5": "Does exactly what was asked, in the requested form.",
        },
    },
]

STEPS_GUIDELINES = """\
# Math steps

Each item is **one worked solution** to a word problem, split into steps. Rate every step:

| mark | meaning |
| --- | --- |
| **+1 correct** | the step is true and moves the solution forward |
| **0 neutral** | harmless, but does not move the solution forward ("Let's work through this carefully.") |
| **-1 wrong** | an error: a wrong calculation, the wrong operation, a unit mistake, or a claim that does not follow |

## How to check a step

- Recompute every calculation. Typical slips: a dropped carry (`$17.60 + $4.95 = $21.55`), adding a
  discount instead of subtracting it, reading 90 minutes as 1.30 hours, converting metres to
  centimetres with × 10.
- Judge the step on its own, given the steps before it. A later step that correctly uses an
  earlier wrong number is not a new error.

## Stop at the first error

This project stops at the **first wrong step**: once you mark a step -1, you are done with the
solution; the steps after it are not rated. If every step is fine, rate them all and submit.
"""

PROJECTS = {
    "pairwise": {
        "slug": "demo-helpfulness-accuracy",
        "name": "Demo: helpfulness & accuracy",
        "description": "Pairs of responses to arithmetic word problems, factual questions and instructions "
                       "with constraints. One response in each pair is subtly worse.",
        "settings": {
            "task_type": "pairwise",
            "preference_scale": "five",
            "overlap": 3,
            "gold_rate": 0.05,
            "randomize_sides": True,
            "rationale": "optional",
        },
        "guidelines": PAIRWISE_GUIDELINES,
        "rubric": RUBRIC,
        "filename": "demo-helpfulness-accuracy.jsonl",
    },
    "steps": {
        "slug": "demo-math-steps",
        "name": "Demo: math steps",
        "description": "Worked solutions to arithmetic word problems, split into steps; about half contain a "
                       "wrong step.",
        "settings": {
            "task_type": "steps",
            "stop_at_first_error": True,
            "overlap": 3,
            "gold_rate": 0.1,
            "step_split": "lines",
        },
        "guidelines": STEPS_GUIDELINES,
        "rubric": [],
        "filename": "demo-math-steps.jsonl",
    },
}
