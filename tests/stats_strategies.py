"""Hypothesis strategies for the statistics tests: rating data with missing values, unequal raters per
item, single items, all-identical labels and unused categories."""
import math
import os

import numpy as np
from hypothesis import settings
from hypothesis import strategies as st

# Modest, so the whole stats suite runs in well under a minute on two cores; derandomized, so CI sees
# the same examples every run. For a deeper search: STATS_EXAMPLES=2000 STATS_RANDOM=1 pytest tests/test_stats_*.py
STATS_SETTINGS = settings(
    max_examples=int(os.environ.get("STATS_EXAMPLES", "60")),
    deadline=None,
    database=None,
    derandomize=not os.environ.get("STATS_RANDOM"),
)

SCALES = {
    "preference": [-2, -1, 0, 1, 2],
    "likert": [1, 2, 3, 4, 5],
    "binary": [0, 1],
    "steps": [-1, 0, 1],
    "seven": [1, 2, 3, 4, 5, 6, 7],
}


@st.composite
def scale_and_matrix(draw, *, scales=tuple(SCALES), missing=True, min_units=1, max_units=12, max_raters=5):
    """``(scale, matrix)``: ``matrix`` has one row per rater, one column per unit, ``None`` for missing.

    Values come from a non-empty subset of the scale, so unused categories and a single value used
    throughout both turn up often; ``min_units=1`` gives single items.
    """
    scale = SCALES[draw(st.sampled_from(scales))]
    used = draw(st.lists(st.sampled_from(scale), min_size=1, max_size=len(scale), unique=True))
    n_units = draw(st.integers(min_units, max_units))
    n_raters = draw(st.integers(2, max_raters))
    cell = st.sampled_from(used)
    if missing:
        p_missing = draw(st.sampled_from([0.0, 0.2, 0.5]))
        cell = st.one_of(cell, st.none()) if p_missing else cell
    matrix = draw(
        st.lists(st.lists(cell, min_size=n_units, max_size=n_units), min_size=n_raters, max_size=n_raters)
    )
    return scale, matrix


def as_float_array(matrix):
    """Rows = raters, columns = units, ``np.nan`` for missing (the ``krippendorff`` package's layout)."""
    return np.array([[np.nan if v is None else float(v) for v in row] for row in matrix], dtype=float)


def units_of(matrix):
    """Units as ``{rater: value}`` dicts (missing left out), one per column."""
    return [
        {r: row[j] for r, row in enumerate(matrix) if row[j] is not None} for j in range(len(matrix[0]))
    ]


def is_nan(x) -> bool:
    return x is None or (isinstance(x, float) and math.isnan(x)) or (isinstance(x, np.floating) and np.isnan(x))
