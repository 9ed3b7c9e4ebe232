"""A prompt with a better and a worse response: what each demo category builds before rows are laid out."""
from dataclasses import dataclass, field

Prompt = str | list[dict[str, str]]


@dataclass(frozen=True)
class ResponsePair:
    category: str
    prompt: Prompt
    better: str
    worse: str
    detail: dict = field(default_factory=dict)


def conversation(system: str, *turns: str) -> list[dict[str, str]]:
    """A chat prompt: the system message, then turns alternating user, assistant, user, …"""
    roles = ["user", "assistant"]
    return [{"role": "system", "content": system}] + [
        {"role": roles[i % 2], "content": text} for i, text in enumerate(turns)
    ]
