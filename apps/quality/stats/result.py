"""The value-or-reason that every coefficient returns, and the reason texts the dashboard shows."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

# Why a coefficient is not defined. The dashboard shows "not defined: <reason>".
NO_VALUES = "no values"
NO_PAIRABLE_VALUES = "no item has values from two annotators"
SINGLE_VALUE = "every value is the same, so there is no variation to agree on"
NO_EXPECTED_DISAGREEMENT = "no disagreement is expected by chance under this metric"
SINGLE_CATEGORY = "the scale has fewer than two categories"
FULL_CHANCE_AGREEMENT = "chance agreement is total"
UNEQUAL_RATERS = "items have unequal numbers of values (needs complete data)"
TOO_FEW_SHARED = "too few items labelled by both annotators"
TOO_FEW_OBJECTS = "fewer than two responses ranked by both"
CONSTANT_RANKING = "a ranking ties every response"
TOO_FEW_RANKINGS = "fewer than two rankings"
NO_DEFINED_PAIRS = "no pair of rankings has a defined tau"
NO_DEFINED_ITEMS = "no item has a defined value"
SINGLE_UNIT = "a single item: nothing to resample"
TOO_MANY_UNDEFINED_RESAMPLES = "the coefficient is undefined in too many resamples"


@dataclass(frozen=True)
class Stat:
    """A coefficient's value, or ``None`` with the reason it is not defined.

    ``n_units``: items that entered the computation (``None`` when the input does not say, e.g. a bare
    coincidence matrix); ``n_values``: values (labels) that entered it; ``details``: intermediate
    figures worth showing (observed and expected agreement, chance baseline, ...).
    """

    value: float | None
    reason: str | None = None
    n_units: int | None = None
    n_values: int | None = None
    details: dict[str, Any] = field(default_factory=dict)

    @property
    def defined(self) -> bool:
        return self.value is not None

    def as_dict(self) -> dict[str, Any]:
        return {
            "value": self.value,
            "reason": self.reason,
            "n_units": self.n_units,
            "n_values": self.n_values,
            "details": dict(self.details),
        }


def defined(value, *, n_units: int | None = None, n_values: int | None = None, **details) -> Stat:
    return Stat(float(value), None, n_units, n_values, details)


def undefined(reason: str, *, n_units: int | None = None, n_values: int | None = None, **details) -> Stat:
    return Stat(None, reason, n_units, n_values, details)
