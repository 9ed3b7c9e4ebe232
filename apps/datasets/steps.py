"""Splitting a solution's text into steps, by a project's ``step_split`` setting.

- ``lines``: one step per non-empty line.
- ``paragraphs``: one step per block of text separated by blank lines (a paragraph keeps its
  inner line breaks).
- ``markers``: one step per "Step N:" marker at the start of a line ("Step 2.", "Step 3)",
  "**Step 4:**" and "## Step 5:" count too; case does not matter). A step keeps its marker.
  Text before the first marker joins step 1; a text without any marker is one step.

Every step is stripped of surrounding whitespace; empty steps are dropped.
"""
import re

from apps.projects.models import StepSplit

STEP_MARKER = re.compile(r"^[ \t]*(?:[#*_>]+[ \t]*)?step[ \t]+\d+[ \t]*[:.)]", re.IGNORECASE | re.MULTILINE)
BLANK_LINE = re.compile(r"\n[ \t]*\n")


def split_steps(text: str, mode: str) -> list[str]:
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    if mode == StepSplit.LINES:
        parts = text.split("\n")
    elif mode == StepSplit.PARAGRAPHS:
        parts = BLANK_LINE.split(text)
    elif mode == StepSplit.MARKERS:
        cuts = [m.start() for m in STEP_MARKER.finditer(text)][1:]
        parts = [text[start:end] for start, end in zip([0, *cuts], [*cuts, len(text)])]
    else:
        raise ValueError(f"unknown step split {mode!r}")
    return [part.strip() for part in parts if part.strip()]


def join_steps(steps: list[str]) -> str:
    """The text of a solution given as steps: the steps joined by newlines (TRL's default separator)."""
    return "\n".join(steps)
