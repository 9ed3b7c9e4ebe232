"""Turning (prompt messages, response) and (prompt, steps) into token ids. Tokenizer only, no torch.

Outcome model input:
- tokenizer with a chat template (chat/decoder models): the whole conversation, the response as the
  last assistant turn, rendered by ``apply_chat_template`` and tokenized as one sequence;
- tokenizer without one (encoders such as MiniLM/BERT): a text pair, the conversation rendered as
  ``"role: content"`` lines first and the response second (segment ids tell them apart).
Both truncate from the LEFT: a long conversation keeps its end (the latest turns and the response);
only a response longer than the whole budget loses its beginning.

Process model input (one sequence per solution, not one per prefix): the prompt, then each step
followed by the ids of ``step_separator``; the step's prediction is read at the separator's last
token (as TRL's PRMTrainer does). When the separator tokenizes to nothing, as ``"\\n"`` does for
BERT-style tokenizers, it is read at the step's own last token. A prompt too long for the budget
keeps its end.
"""
from __future__ import annotations

from dataclasses import dataclass

__all__ = [
    "Encoded",
    "has_chat_template",
    "render_plain",
    "encode_responses",
    "StepWindow",
    "step_marker_ids",
    "encode_step_prefix",
    "tokenize_steps",
    "step_window",
]


@dataclass
class Encoded:
    input_ids: list[int]
    token_type_ids: list[int] | None = None

    def __len__(self) -> int:
        return len(self.input_ids)


def has_chat_template(tokenizer) -> bool:
    return bool(getattr(tokenizer, "chat_template", None))


def render_plain(messages: list[dict]) -> str:
    """Conversation as text for tokenizers without a chat template."""
    return "\n".join(f"{m.get('role', 'user')}: {m.get('content', '')}" for m in messages)


def _chat_text(tokenizer, messages: list[dict], *, add_generation_prompt: bool = False) -> str:
    return tokenizer.apply_chat_template(
        messages, tokenize=False, add_generation_prompt=add_generation_prompt
    )


def encode_responses(tokenizer, items: list[tuple[list[dict], str]], max_length: int) -> list[Encoded]:
    """Token ids of each (prompt messages, response) with left truncation to ``max_length``."""
    if not items:
        return []
    old_side = tokenizer.truncation_side
    tokenizer.truncation_side = "left"
    try:
        if has_chat_template(tokenizer):
            texts = [
                _chat_text(tokenizer, list(prompt) + [{"role": "assistant", "content": response}])
                for prompt, response in items
            ]
            enc = tokenizer(
                texts, add_special_tokens=False, truncation=True, max_length=max_length
            )
            return [Encoded(ids) for ids in enc["input_ids"]]
        firsts = [render_plain(prompt) for prompt, _ in items]
        seconds = [response for _, response in items]
        if all(not f for f in firsts):
            enc = tokenizer(seconds, truncation=True, max_length=max_length)
        else:
            # A pair whose first text is empty still gets both segments' special tokens.
            enc = tokenizer(firsts, seconds, truncation="longest_first", max_length=max_length)
        types = enc.get("token_type_ids")
        return [
            Encoded(ids, types[i] if types is not None else None)
            for i, ids in enumerate(enc["input_ids"])
        ]
    finally:
        tokenizer.truncation_side = old_side


@dataclass
class StepWindow:
    """One sequence for the process model: ids, the marker position of each covered step."""

    input_ids: list[int]
    positions: list[int]
    first_step: int  # index of the first step this window covers

    @property
    def covered(self) -> range:
        return range(self.first_step, self.first_step + len(self.positions))


def step_marker_ids(tokenizer, separator: str) -> list[int]:
    """Ids appended after each step (may be empty: then the step's last token is read)."""
    return list(tokenizer.encode(separator, add_special_tokens=False)) if separator else []


def _filler_id(tokenizer) -> int:
    for tok in (tokenizer.unk_token_id, tokenizer.sep_token_id, tokenizer.eos_token_id, tokenizer.pad_token_id):
        if tok is not None:
            return tok
    raise ValueError("the tokenizer has no token to stand for an empty step")


def encode_step_prefix(tokenizer, prompt: list[dict]) -> list[int]:
    """Ids of the prompt part (with the tokenizer's leading special tokens)."""
    if has_chat_template(tokenizer):
        text = _chat_text(tokenizer, list(prompt), add_generation_prompt=True)
        return list(tokenizer(text, add_special_tokens=False)["input_ids"])
    return list(tokenizer(render_plain(prompt))["input_ids"])


def tokenize_steps(tokenizer, steps: list[str]) -> list[list[int]]:
    """Ids of each step; an empty step becomes one filler token so it still has a position."""
    if not steps:
        return []
    filler = None
    out = []
    for ids in tokenizer(list(steps), add_special_tokens=False)["input_ids"]:
        if not ids:
            filler = _filler_id(tokenizer) if filler is None else filler
            ids = [filler]
        out.append(list(ids))
    return out


def step_window(
    prefix: list[int], step_ids: list[list[int]], marker: list[int], max_length: int, start: int = 0
) -> StepWindow:
    """Pack the prompt and steps ``start..`` into at most ``max_length`` tokens.

    The prompt gets what the steps leave, but at least a quarter of the budget when it is that long
    (truncated from the left, keeping its first special token). Steps are added whole while they
    fit; a first step longer than the room left keeps its end. At least one step is always covered.
    """
    if start >= len(step_ids):
        raise ValueError("no step left to pack")
    steps_len = sum(len(s) + len(marker) for s in step_ids[start:])
    prompt_budget = min(len(prefix), max(max_length // 4, max_length - steps_len))
    prompt_budget = max(prompt_budget, 1 if prefix else 0)
    if len(prefix) > prompt_budget:
        prefix = prefix[:1] + prefix[len(prefix) - (prompt_budget - 1):] if prompt_budget > 1 else prefix[:1]
    ids = list(prefix)
    positions: list[int] = []
    for i in range(start, len(step_ids)):
        seg = step_ids[i] + marker
        room = max_length - len(ids)
        if len(seg) > room:
            if positions:
                break
            seg = seg[len(seg) - room:]  # a first step longer than the room keeps its end
        ids.extend(seg)
        positions.append(len(ids) - 1)
    return StepWindow(ids[:max_length] if len(ids) > max_length else ids, positions, start)
