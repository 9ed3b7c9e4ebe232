"""Per-item value counts, their coincidence contributions, and the integer summary kept live.

Every alpha-family coefficient (Krippendorff's alpha, Gwet's AC1/AC2, Fleiss' kappa, percent
agreement, tie rate) needs only each item's value counts. Grouped by the number ``m`` of values an
item has, three integer tallies hold everything they need:

- ``units[m]``          — items with ``m`` values;
- ``values[m][c]``      — sum over those items of ``n_c`` (how many of its values are ``c``);
- ``pairs[m][(c, k)]``  — sum over those items (``m >= 2``) of ``n_c * n_k - [c == k] * n_c``: the
                           ordered pairs of values from two different raters of one item.

Krippendorff's coincidence matrix is ``o[c, k] = sum over m >= 2 of pairs[m][(c, k)] / (m - 1)``,
exact with :class:`fractions.Fraction`. The tallies are integers, so a database can keep them as rows
and add or subtract one item's contribution on each insert, edit and delete
(:func:`unit_contribution`, :meth:`UnitContribution.rows`); the result equals a recomputation from
scratch exactly.

Input shapes: a *unit* is a mapping ``{rater: value}`` or an iterable of values; ``None`` and NaN
are skipped. *Value counts* are a mapping ``{value: count}`` with positive integer counts.
"""
from __future__ import annotations

import math
from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from fractions import Fraction

Value = Hashable
ValueCounts = Mapping[Value, int]
Pair = tuple[Value, Value]

UNITS = "units"
VALUES = "values"
PAIRS = "pairs"


def is_missing(value) -> bool:
    """``None`` and float NaN mean "no value"."""
    return value is None or (isinstance(value, float) and math.isnan(value))


def unit_values(unit) -> list:
    """The non-missing values of a unit given as ``{rater: value}`` or as an iterable of values."""
    values = unit.values() if isinstance(unit, Mapping) else unit
    return [v for v in values if not is_missing(v)]


def value_counts(unit) -> dict[Value, int]:
    """``{value: count}`` of one unit (``{rater: value}`` or an iterable of values; missing skipped)."""
    counts: dict[Value, int] = {}
    for v in unit_values(unit):
        counts[v] = counts.get(v, 0) + 1
    return counts


def units_value_counts(units: Iterable) -> list[dict[Value, int]]:
    """Value counts of every unit, in order (empty dicts for units with no value)."""
    return [value_counts(u) for u in units]


def reliability_data_to_units(data: Sequence[Sequence]) -> list[list]:
    """A reliability data matrix (rows = raters, columns = units; ``None``/NaN missing) → units as value lists."""
    if not data:
        return []
    n_units = len(data[0])
    if any(len(row) != n_units for row in data):
        raise ValueError("every row of the reliability data must have one entry per unit")
    return [[row[j] for row in data] for j in range(n_units)]


def _check_counts(counts: ValueCounts) -> None:
    for v, n in counts.items():
        if is_missing(v):
            raise ValueError("value counts cannot count a missing value")
        if isinstance(n, bool) or not isinstance(n, int) or n < 0:
            raise ValueError(f"value counts must be non-negative integers, got {n!r} for {v!r}")


def pair_counts(counts: ValueCounts) -> dict[Pair, int]:
    """Ordered pairs of values from two different raters of one unit: ``n_c * n_k - [c == k] * n_c``.

    Empty when the unit has fewer than two values (it has no pairable values).
    """
    _check_counts(counts)
    items = [(v, n) for v, n in counts.items() if n > 0]
    if sum(n for _, n in items) < 2:
        return {}
    pairs: dict[Pair, int] = {}
    for c, nc in items:
        for k, nk in items:
            p = nc * nk - (nc if c == k else 0)
            if p:
                pairs[(c, k)] = p
    return pairs


@dataclass(frozen=True)
class UnitContribution:
    """What one unit adds to an :class:`AgreementSummary`: its size ``m``, its value counts and its pairs."""

    size: int
    values: dict[Value, int]
    pairs: dict[Pair, int]

    def rows(self, sign: int = 1) -> list[tuple[str, int, Value | None, Value | None, int]]:
        """Integer deltas as ``(kind, m, c, k, delta)`` rows, for a table keyed by ``(kind, m, c, k)``.

        ``kind`` is ``"units"`` (``c``, ``k`` are ``None``, delta = 1), ``"values"`` (``k`` is ``None``,
        delta = ``n_c``) or ``"pairs"``. ``sign=-1`` gives the rows that remove the unit again.
        """
        out: list[tuple[str, int, Value | None, Value | None, int]] = [(UNITS, self.size, None, None, sign)]
        out += [(VALUES, self.size, c, None, sign * n) for c, n in self.values.items()]
        out += [(PAIRS, self.size, c, k, sign * n) for (c, k), n in self.pairs.items()]
        return out


def unit_contribution(counts: ValueCounts) -> UnitContribution | None:
    """The contribution of one unit's value counts ``{value: count}``; ``None`` for a unit with no value."""
    _check_counts(counts)
    values = {v: n for v, n in counts.items() if n > 0}
    m = sum(values.values())
    if m == 0:
        return None
    return UnitContribution(m, values, pair_counts(values))


def delta_rows(
    old: ValueCounts, new: ValueCounts
) -> list[tuple[str, int, Value | None, Value | None, int]]:
    """Net ``(kind, m, c, k, delta)`` rows that turn a unit's contribution from ``old`` into ``new`` value
    counts (a label submitted, edited or deleted); rows whose delta nets to zero are left out."""
    net: dict[tuple[str, int, Value | None, Value | None], int] = {}
    for counts, sign in ((old, -1), (new, 1)):
        contribution = unit_contribution(counts)
        if contribution is not None:
            for kind, m, c, k, d in contribution.rows(sign):
                net[(kind, m, c, k)] = net.get((kind, m, c, k), 0) + d
    return [(*key, d) for key, d in net.items() if d]


def _bump(table: dict, key, delta: int) -> None:
    new = table.get(key, 0) + delta
    if new < 0:
        raise ValueError(f"summary count for {key!r} would become negative: removing a unit never added?")
    if new:
        table[key] = new
    else:
        table.pop(key, None)


@dataclass
class AgreementSummary:
    """Integer tallies by unit size ``m`` (see the module docstring); equal summaries compare equal.

    Update it with :meth:`add` / :meth:`remove` / :meth:`replace` (value counts of one unit) or
    :meth:`apply_rows` (rows from :meth:`UnitContribution.rows`, e.g. read back from a database).
    """

    units: dict[int, int] = field(default_factory=dict)
    values: dict[int, dict[Value, int]] = field(default_factory=dict)
    pairs: dict[int, dict[Pair, int]] = field(default_factory=dict)

    # --- building -------------------------------------------------------------------------------
    @classmethod
    def from_units(cls, units: Iterable) -> AgreementSummary:
        """From units given as ``{rater: value}`` or iterables of values."""
        s = cls()
        for u in units:
            s.add(value_counts(u))
        return s

    @classmethod
    def from_value_counts(cls, counts_list: Iterable[ValueCounts]) -> AgreementSummary:
        s = cls()
        for counts in counts_list:
            s.add(counts)
        return s

    @classmethod
    def from_rows(cls, rows: Iterable[tuple[str, int, Value | None, Value | None, int]]) -> AgreementSummary:
        s = cls()
        s.apply_rows(rows)
        return s

    def add_contribution(self, contribution: UnitContribution | None, times: int = 1) -> None:
        if contribution is None or times == 0:
            return
        m = contribution.size
        if times < 0:  # check first, so a failed removal leaves the summary as it was
            vals, prs = self.values.get(m, {}), self.pairs.get(m, {})
            short = (
                self.units.get(m, 0) + times < 0
                or any(vals.get(c, 0) + times * n < 0 for c, n in contribution.values.items())
                or any(prs.get(key, 0) + times * n < 0 for key, n in contribution.pairs.items())
            )
            if short:
                raise ValueError("removing a unit that is not in the summary")
        _bump(self.units, m, times)
        vals = self.values.setdefault(m, {})
        for c, n in contribution.values.items():
            _bump(vals, c, times * n)
        if not vals:
            del self.values[m]
        prs = self.pairs.setdefault(m, {})
        for key, n in contribution.pairs.items():
            _bump(prs, key, times * n)
        if not prs:
            del self.pairs[m]

    def add(self, counts: ValueCounts, times: int = 1) -> None:
        """Add one unit's value counts (``times`` copies of it)."""
        self.add_contribution(unit_contribution(counts), times)

    def remove(self, counts: ValueCounts, times: int = 1) -> None:
        """Remove one unit's value counts; raises ``ValueError`` if that would make a tally negative."""
        self.add_contribution(unit_contribution(counts), -times)

    def replace(self, old: ValueCounts, new: ValueCounts) -> None:
        """A unit's value counts changed (a label was added, edited or deleted)."""
        self.remove(old)
        self.add(new)

    def apply_rows(self, rows: Iterable[tuple[str, int, Value | None, Value | None, int]]) -> None:
        for kind, m, c, k, delta in rows:
            if kind == UNITS:
                _bump(self.units, m, delta)
            elif kind == VALUES:
                vals = self.values.setdefault(m, {})
                _bump(vals, c, delta)
                if not vals:
                    del self.values[m]
            elif kind == PAIRS:
                prs = self.pairs.setdefault(m, {})
                _bump(prs, (c, k), delta)
                if not prs:
                    del self.pairs[m]
            else:
                raise ValueError(f"unknown row kind {kind!r}")

    def rows(self) -> list[tuple[str, int, Value | None, Value | None, int]]:
        """The whole summary as ``(kind, m, c, k, count)`` rows (see :meth:`UnitContribution.rows`)."""
        out: list[tuple[str, int, Value | None, Value | None, int]] = []
        out += [(UNITS, m, None, None, n) for m, n in self.units.items()]
        out += [(VALUES, m, c, None, n) for m, vals in self.values.items() for c, n in vals.items()]
        out += [(PAIRS, m, c, k, n) for m, prs in self.pairs.items() for (c, k), n in prs.items()]
        return out

    def merge(self, other: AgreementSummary) -> None:
        self.apply_rows(other.rows())

    # --- reading --------------------------------------------------------------------------------
    @property
    def n_units(self) -> int:
        """Units with at least one value."""
        return sum(self.units.values())

    @property
    def n_pairable_units(self) -> int:
        """Units with at least two values."""
        return sum(n for m, n in self.units.items() if m >= 2)

    @property
    def n_values(self) -> int:
        return sum(m * n for m, n in self.units.items())

    @property
    def n_pairable_values(self) -> int:
        return sum(m * n for m, n in self.units.items() if m >= 2)

    def value_totals(self, pairable_only: bool = False) -> dict[Value, int]:
        """How often each value occurs (in pairable units only, if asked)."""
        out: dict[Value, int] = {}
        for m, vals in self.values.items():
            if pairable_only and m < 2:
                continue
            for c, n in vals.items():
                out[c] = out.get(c, 0) + n
        return out

    def observed_values(self) -> set:
        return set(self.value_totals())

    def coincidence_matrix(self) -> dict[Pair, Fraction]:
        """Krippendorff's coincidence matrix ``{(c, k): o_ck}`` (exact; zero cells left out)."""
        o: dict[Pair, Fraction] = {}
        for m, prs in self.pairs.items():
            for key, n in prs.items():
                o[key] = o.get(key, Fraction(0)) + Fraction(n, m - 1)
        return {k: v for k, v in o.items() if v}


def coincidence_contribution(counts: ValueCounts) -> dict[Pair, Fraction]:
    """One unit's own coincidence matrix ``pairs / (m - 1)`` (empty for fewer than two values)."""
    pairs = pair_counts(counts)
    if not pairs:
        return {}
    m = sum(counts.values())
    return {key: Fraction(n, m - 1) for key, n in pairs.items()}


def coincidence_matrix(units: Iterable) -> dict[Pair, Fraction]:
    """Krippendorff's coincidence matrix of units given as ``{rater: value}`` or iterables of values."""
    return AgreementSummary.from_units(units).coincidence_matrix()


def coincidence_marginals(o: Mapping[Pair, object]) -> dict[Value, object]:
    """``n_c = sum over k of o[c, k]``: how many pairable values are ``c``."""
    n: dict = {}
    for (c, _k), v in o.items():
        n[c] = n.get(c, 0) + v
    return n
