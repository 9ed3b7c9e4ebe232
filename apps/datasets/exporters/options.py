"""Export options, read from a query string, a form or the command line, each checked with a message."""
from collections.abc import Mapping
from dataclasses import dataclass

TRUE = ("1", "true", "yes", "on")
FALSE = ("0", "false", "no", "off", "")
GOLD_CHOICES = ("include", "exclude")
CONVERSATIONAL_CHOICES = ("auto", "always")
NEUTRAL_CHOICES = ("project", "false", "true")
MAJORITY, DAWID_SKENE = "majority", "dawid-skene"
AGGREGATE_CHOICES = (MAJORITY, DAWID_SKENE)


class OptionError(ValueError):
    """An option value that cannot be used; the message names the option and what it accepts."""


def _flag(params: Mapping, name: str) -> bool:
    value = str(params.get(name, "")).strip().lower()
    if value in TRUE:
        return True
    if value in FALSE:
        return False
    raise OptionError(f"Option '{name}' must be true or false, got {value!r}.")


def _choice(params: Mapping, name: str, choices: tuple[str, ...]) -> str:
    value = str(params.get(name) or choices[0]).strip().lower()
    if value not in choices:
        raise OptionError(f"Option '{name}' must be one of {', '.join(choices)}, got {value!r}.")
    return value


@dataclass(frozen=True)
class ExportOptions:
    """``gold``: include or exclude gold items (trl, ranking_pairs, fastchat; default include).
    ``margin``: add TRL's ``margin`` (trl, ranking_pairs). ``conversational``: ``auto`` gives chat
    message lists when any prompt of the project's items is multi-turn or has a system message,
    ``always`` gives them whatever the prompts (trl, ranking_pairs). ``current_only``: leave out
    superseded label versions (labels, step_labels). ``neutral``: what a neutral (0) step becomes in
    TRL stepwise rows, ``false`` (TRL's own mapping), ``true``, or ``project`` (the project's setting,
    default). ``aggregate``: how the trl export picks the chosen side of an item that has no adjudication,
    ``majority`` of the current labels (default) or the item's ``dawid-skene`` label (``majority.py``)."""

    gold: str = "include"
    margin: bool = False
    conversational: str = "auto"
    current_only: bool = False
    neutral: str = "project"
    aggregate: str = MAJORITY

    def neutral_correct(self, project) -> bool:
        """Whether a neutral (0) step is exported as true in TRL stepwise rows."""
        return project.trl_neutral_correct if self.neutral == "project" else self.neutral == "true"

    @property
    def include_gold(self) -> bool:
        return self.gold == "include"

    @classmethod
    def from_params(cls, params: Mapping) -> "ExportOptions":
        return cls(
            gold=_choice(params, "gold", GOLD_CHOICES),
            margin=_flag(params, "margin"),
            conversational=_choice(params, "conversational", CONVERSATIONAL_CHOICES),
            current_only=_flag(params, "current_only"),
            neutral=_choice(params, "neutral", NEUTRAL_CHOICES),
            aggregate=_choice(params, "aggregate", AGGREGATE_CHOICES),
        )

    def as_params(self) -> dict[str, str]:
        """The options that differ from the defaults, as query parameters."""
        params = {"gold": self.gold, "margin": "true" if self.margin else "",
                  "conversational": self.conversational, "current_only": "true" if self.current_only else "",
                  "neutral": self.neutral, "aggregate": self.aggregate}
        defaults = {"gold": "include", "conversational": "auto", "neutral": "project", "aggregate": MAJORITY}
        return {key: value for key, value in params.items() if value and value != defaults.get(key)}
