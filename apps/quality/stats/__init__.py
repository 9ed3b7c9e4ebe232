"""Agreement and calibration statistics as plain Python over plain data (no Django here).

Module map:

- ``result``       — :class:`Stat`, the value-or-reason every coefficient returns, and the reason texts.
- ``coincidence``  — per-item value counts, their coincidence contributions and :class:`AgreementSummary`,
                      the integer summary a live dashboard keeps by adding and removing items
                      (``unit_contribution(counts).rows(sign)`` / ``delta_rows(old, new)`` give the integer
                      row deltas a database applies on insert, edit and delete).
- ``alpha``        — Krippendorff's alpha (nominal, ordinal, interval, ratio).
- ``gwet``         — Gwet's AC1 / AC2 (identity, quadratic, linear, ordinal weights), as irrCAC computes them.
- ``kappa``        — Fleiss' kappa (complete data), Cohen's kappa for an annotator pair.
- ``kendall``      — Kendall tau-b, mean pairwise tau-b, Kendall's W with ties correction.
- ``agreement``    — percent agreement, tie rate.
- ``bootstrap``    — seeded 95 % percentile intervals over items.
- ``calibration``  — per-annotator figures: gold accuracy, leave-one-out majority, position / length
                      bias with FDR control, tie rate, active time, Dawid-Skene.
- ``steps``        — per-chain figures for step labels and unit builders for step statistics.
- ``preferences``  — preference direction and the implied pairs of rankings.

Input shapes used throughout:

- a *unit* (one item) is either a mapping ``{rater: value}`` or an iterable of values; ``None`` and
  float NaN mean "no value" and are skipped;
- *value counts* of a unit are a mapping ``{value: count}``;
- a *reliability data matrix* has one row per rater and one column per unit (``None``/NaN missing),
  the layout of the ``krippendorff`` package.

Every coefficient returns a :class:`Stat`: ``value`` is a float, or ``None`` with ``reason`` saying why
it is not defined, e.g. ``Stat(None, "no item has values from two annotators")``; the dashboard shows
"not defined: <reason>".
"""
from .result import Stat

__all__ = ["Stat"]
