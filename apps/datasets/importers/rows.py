"""What every format's parser produces: one ParsedRow per line (or CSV record) of the file.

A parser checks the row's shape (fields, types, texts) and nothing about the project; the
planner (``planning.py``) then checks it against the project and turns it into items.
"""
from dataclasses import dataclass, field


class LineError(Exception):
    """A row that cannot be imported; ``reason`` is shown to the user next to the line number."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


class FileError(Exception):
    """A problem with the whole file (empty, not UTF-8, unknown format, bad CSV header, ...)."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


@dataclass
class ParsedResponse:
    text: str
    model: str = ""
    steps: list[str] | None = None
    metadata: dict = field(default_factory=dict)
    reference: dict | None = None  # hidden per-response source data (e.g. UltraFeedback ratings)


@dataclass
class ParsedLabel:
    """A label in the row's response order. ``annotator`` is empty for a gold answer.

    ``steps`` is one rating per step, or (for rows with several responses) one list per response.
    ``scores`` maps a rubric key to one score (or None) per response of the row, in row order.
    """

    annotator: str = ""
    preference: int | None = None
    ranks: list[int] | None = None
    steps: list | None = None
    scores: dict[str, list[int | None]] = field(default_factory=dict)
    rationale: str = ""
    flags: list[str] = field(default_factory=list)
    metadata: dict = field(default_factory=dict)
    # Step marking detail (step items only): one note (or None) per step, the final answer verdict, how the
    # pass ended (a ``FinishReason`` value or ""), and the time it took.
    step_notes: list | None = None
    final_answer_correct: bool | None = None
    finish_reason: str = ""
    active_ms: int | None = None


@dataclass
class ParsedRow:
    line: int
    source: str
    messages: list[dict]
    responses: list[ParsedResponse]
    external_id: str = ""
    gold: ParsedLabel | None = None
    preferred: int | None = None  # index of the response the file preferred; kept hidden in Item.reference
    reference: dict = field(default_factory=dict)
    labels: list[ParsedLabel] = field(default_factory=list)
    metadata: dict = field(default_factory=dict)
    priority: float = 0.0
    needs_steps_project: bool = False
