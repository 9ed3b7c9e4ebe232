"""Reads for the quality dashboards: every figure from the trigger-kept summaries (no label scan), the heavy
ones from the latest :class:`~apps.quality.models.StatsSnapshot`, shown with their age.

A read costs O(distinct patterns), not O(labels): six queries (pattern counts, annotator tallies, snapshot,
rubric dimensions, usernames, the active model version; the item count is a pattern-count row kept by triggers),
and each coefficient is
computed from its metric's pattern counts, or taken from ``RESULTS``, which caches it keyed by exactly those
counts (so it is never stale: a metric whose counts changed is recomputed, the others are not).

``project_dashboard(project, *, trend_window="") -> dict`` (JSON-able; the API, the command and the pages all
show it):

- ``project``: ``{id, slug, name, task_type, overlap}``; ``generated_at`` (ISO time of this read).
- ``headline``: ``{labels, items, items_labelled, items_complete, annotators, metric, level, alpha: STAT,
  alpha_interval: INTERVAL, gold_accuracy: GOLD}`` — ``metric``/``level`` say which alpha is the headline
  (``preference``/ordinal for pairs, ``rank_pair``/nominal for rankings, ``step``/nominal for steps).
- ``preference``: ``None`` unless the project has preferences, else ``{alpha_ordinal, alpha_direction,
  ac2_quadratic, percent_agreement, tie_rate, fleiss_kappa: STAT, intervals: {name: INTERVAL},
  distribution: {value: count}}`` (``alpha_direction``: nominal alpha on A / tie / B).
- ``dimensions``: one row per rubric dimension of the current rubric (never pooled): ``{key, name,
  scale_min, scale_max, alpha_ordinal, alpha_interval, ac2_quadratic, percent_agreement, fleiss_kappa: STAT,
  interval: INTERVAL (of alpha_ordinal), n_units, n_values}``.
- ``flags``: ``[{key, name, alpha_nominal, ac1: STAT, rate: share of labels with the flag or None}]``.
- ``ranking``: ``None`` or ``{alpha_pairs: STAT (nominal on the implied pairs), ac1_pairs, percent_agreement_pairs:
  STAT, mean_tau_b: STAT, kendall_w: STAT (details.chance = 1/m), chance_w: float|None, interval: INTERVAL}``
  (tau and W from the snapshot).
- ``steps``: ``None`` or ``{alpha_nominal, ac1, alpha_wrong_vs_not, first_wrong_alpha, first_wrong_exact,
  first_wrong_within_one, has_error_alpha, final_answer_alpha, final_answer_ac1, category_alpha, category_ac1:
  STAT, interval: INTERVAL}`` (``category_ac1``: chance agreement over every category of the project's error
  taxonomy).
- ``annotators``: rows ``{id, username, labels, share_of_labels, tie_rate: {ties, total, rate, baseline, p_value,
  q_value, flagged, reason}, left_share: {successes, trials, share, p_value, q_value, flagged, reason},
  longer_share: same shape (snapshot) , gold: GOLD, loo_agreement: {agreed, compared, rate, reason, skipped}
  (snapshot), active_time: {median_s, mean_s, n, too_fast, reason} (median/too_fast from the snapshot),
  dawid_skene_reliability: float|None (snapshot), cohen_mean: float|None (snapshot), trend: [{start, labels,
  loo_agreement}] (snapshot, in the trends' window), flagged: [names of raised flags: "too_fast", "position_bias",
  "length_bias", "tie_rate", "low_gold"]}``, most labels first.
- ``heatmap``: ``{measure, annotators: [{id, username}], cells: [[CELL|None]]}`` with ``CELL = {value, reason,
  n}`` (pairwise Cohen kappa, quadratic for ordinal preferences; ``None`` on the diagonal; snapshot).
- ``trends``: ``{window, chosen, choices, points: [{start, labels, alpha: STAT, tie_rate: float|None, dimensions:
  {dimension key: STAT (ordinal alpha)}}]}`` (snapshot; ``window`` is the window shown, ``chosen`` what was asked:
  ``auto`` picks the window that suits the labels' time span, ``choices`` lists what may be asked).
- ``dawid_skene``: ``None`` or ``{metric, classes, priors, iterations, converged, agreement_with_majority,
  items}`` (snapshot).
- ``model``: the active reward model's agreement with the human majority beside the humans' agreement with each
  other, as its last rescoring found them (``rewardmodels.selectors.model_human_agreement``): ``{available,
  version, kind, rescored_at, model_vs_majority, model_pairs, human_vs_human, human_pairs, reason}``.
- ``heavy``: ``{available, computed_at, age_seconds, duration_ms, labels_seen, stale, reason}``.

``STAT = {value, reason, n_units, n_values, details}``: ``value`` is ``None`` when the coefficient is not
defined and ``reason`` says why (the pages show "not defined: <reason>"). ``INTERVAL = {low, high, reason,
confidence, n_resamples, n_defined, seed, computed_at, age_seconds}`` (``low``/``high`` ``None`` with a
reason when not computed or not defined). ``GOLD = {correct, total, accuracy, low, high, enough, reason}``
(``reason`` "too few gold items to judge" below 10 gold labels).

``disagreement_queue(project, *, limit, offset) -> list[dict]``: items whose labels split most on the
headline metric (``split`` = share of annotator pairs that disagree, then ``distance``), from
:class:`~apps.quality.models.ItemSplit`; each ``{item_id, external_id, kind, labels, pairs, disagreeing, split,
distance, metric, values: {value: count} (units merged), is_gold, majority, dawid_skene, agree}`` (the last three
from ``aggregated_labels``: the plain majority beside the Dawid-Skene label the heavy statistics stored).
"""
from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable

from django.contrib.auth import get_user_model
from django.db.models import Subquery
from django.utils import timezone

from apps.datasets.models import Item
from apps.labeling.models import Label
from apps.projects.models import Project, RubricDimension, RubricVersion

from . import metrics
from .models import AnnotatorTally, DawidSkeneLabel, ItemSplit, ItemUnitPattern, PatternCount, StatsSnapshot
from .stats import calibration
from .stats.agreement import percent_agreement_from_summary, tie_rate_from_summary
from .stats.alpha import alpha_from_summary
from .stats.coincidence import AgreementSummary
from .stats.gwet import gwet_from_summary
from .stats.kappa import fleiss_kappa_from_summary
from .stats.result import Stat

NOT_COMPUTED = "not computed yet: the statistics task has not run for this project"
STALE_AFTER_SECONDS = 15 * 60
PREFERENCE_ORDER = [-2, -1, 0, 1, 2]
DIRECTION_ORDER = ["B", "tie", "A"]
HEADLINE_LEVEL = {"preference": "ordinal", "rank_pair": "nominal", "step": "nominal"}


def stat_dict(stat: Stat) -> dict:
    d = stat.as_dict()
    d["details"] = {k: v for k, v in d["details"].items() if isinstance(v, (int, float, str, list, type(None)))}
    return d


def _summaries(project: Project) -> dict[str, list[tuple[str, int]]]:
    out: dict[str, list[tuple[str, int]]] = {}
    for metric, pattern, units in PatternCount.objects.filter(project_id=project.pk, units__gt=0).values_list(
        "metric", "pattern", "units"
    ):
        out.setdefault(metric, []).append((pattern, units))
    return out


class _Results:
    """Coefficients already computed, keyed by exactly the data they were computed from (a metric's pattern
    counts, the collapse, the coefficient and its arguments): equal inputs give equal outputs, so a hit is
    never stale. A read then pays only for the metrics whose counts changed since the last read (in this
    process); an LRU bound keeps the memory small."""

    def __init__(self, size: int = 4096):
        self.size = size
        self.data: OrderedDict = OrderedDict()

    def get(self, key, compute: Callable):
        try:
            value = self.data[key]
            self.data.move_to_end(key)
        except KeyError:
            value = compute()
            self.data[key] = value
            if len(self.data) > self.size:
                self.data.popitem(last=False)
        except TypeError:  # an unhashable argument: compute without caching
            return compute()
        return value

    def clear(self):
        self.data.clear()


RESULTS = _Results()


def _fresh(d: dict | None) -> dict | None:
    """A copy of a cached coefficient dict that the caller may change freely."""
    return None if d is None else {**d, "details": dict(d.get("details") or {})}


def _cached(summary, what: str, args: tuple, compute: Callable) -> dict:
    key = getattr(summary, "cache_key", None)
    if key is None:
        return compute()
    return _fresh(RESULTS.get((what, key, args), compute))


class Figures:
    """Coefficients of one project's metrics, from its pattern counts (built once per read)."""

    def __init__(self, patterns: dict[str, list[tuple[str, int]]]):
        self.patterns = patterns
        self._cache: dict = {}

    def summary(self, metric: str, collapse: Callable | None = None, name: str | None = None) -> AgreementSummary:
        key = (metric, name)
        if key not in self._cache:
            rows = tuple(sorted(self.patterns.get(metric, [])))
            data_key = (metric, name, rows)
            summary = RESULTS.get(("summary", data_key), lambda: metrics.summary_of(rows, collapse))
            summary.cache_key = data_key  # the data it was built from: the key of its coefficients
            self._cache[key] = summary
        return self._cache[key]

    def has(self, metric: str) -> bool:
        return bool(self.patterns.get(metric))


def _alpha(summary, level, order=None) -> dict:
    return _cached(summary, "alpha", (level, tuple(order) if order is not None else None),
                   lambda: stat_dict(alpha_from_summary(summary, level, order=order)))


def _gwet(summary, categories, weights) -> dict:
    def compute():
        observed = summary.observed_values()
        cats = list(categories) if categories is not None else None
        if cats is not None:
            cats += [v for v in observed if v not in cats]
        return stat_dict(gwet_from_summary(summary, categories=cats, weights=weights))

    return _cached(summary, "gwet", (tuple(categories) if categories is not None else None, weights), compute)


def _percent(summary) -> dict:
    return _cached(summary, "percent", (), lambda: stat_dict(percent_agreement_from_summary(summary)))


def _fleiss(summary) -> dict:
    return _cached(summary, "fleiss", (), lambda: stat_dict(fleiss_kappa_from_summary(summary)))


def _tie_rate(summary) -> dict:
    return _cached(summary, "tie_rate", (), lambda: stat_dict(tie_rate_from_summary(summary, 0)))


def _interval(snapshot_data: dict | None, name: str, age: dict) -> dict:
    base = {"low": None, "high": None, "reason": NOT_COMPUTED, "confidence": 0.95, "n_resamples": 0,
            "n_defined": 0, "seed": 0}
    found = (snapshot_data or {}).get("intervals", {}).get(name)
    if found:
        base.update(found)
    base["computed_at"] = age.get("computed_at")
    base["age_seconds"] = age.get("age_seconds")
    return base


def _heavy(project: Project, labels: int) -> tuple[dict | None, dict]:
    snap = StatsSnapshot.objects.filter(project=project).first()
    if snap is None:
        return None, {"available": False, "computed_at": None, "age_seconds": None, "duration_ms": None,
                      "labels_seen": None, "stale": True, "reason": NOT_COMPUTED}
    age = (timezone.now() - snap.computed_at).total_seconds()
    return snap.data, {
        "available": True, "computed_at": snap.computed_at.isoformat(), "age_seconds": round(age, 1),
        "duration_ms": snap.duration_ms, "labels_seen": snap.labels_seen,
        "stale": age > STALE_AFTER_SECONDS or snap.labels_seen != labels, "reason": None,
    }


def _current_dimensions(project: Project):
    """The dimensions of the project's latest rubric version, in one query."""
    latest = RubricVersion.objects.filter(project=project).order_by("-number").values("pk")[:1]
    return list(RubricDimension.objects.filter(rubric_version_id=Subquery(latest)).order_by("position", "pk"))


def _gold_dict(g: calibration.GoldAccuracy) -> dict:
    return {"correct": g.correct, "total": g.total, "accuracy": g.accuracy, "low": g.low, "high": g.high,
            "enough": g.enough, "reason": g.reason}


def preference_block(fig: Figures, data, age) -> dict | None:
    if not fig.has(metrics.PREFERENCE):
        return None
    s = fig.summary(metrics.PREFERENCE)
    direction = fig.summary(metrics.PREFERENCE, metrics.direction_of, "direction")
    return {
        "alpha_ordinal": _alpha(s, "ordinal"),
        "alpha_direction": _alpha(direction, "nominal"),
        "ac2_quadratic": _gwet(s, PREFERENCE_ORDER, "quadratic"),
        "percent_agreement": _percent(s),
        "tie_rate": _tie_rate(s),
        "fleiss_kappa": _fleiss(direction),
        "intervals": {name: _interval(data, name, age) for name in
                      ("preference_alpha_ordinal", "preference_alpha_direction", "preference_ac2_quadratic")},
        "distribution": {str(k): v for k, v in sorted(s.value_totals().items())},
    }


def dimension_rows(project: Project, fig: Figures, data, age) -> list[dict]:
    rows = []
    seen = set()
    for dim in _current_dimensions(project):
        metric = metrics.SCORE_PREFIX + dim.key
        seen.add(dim.key)
        s = fig.summary(metric)
        rows.append({
            "key": dim.key, "name": dim.name, "scale_min": dim.scale_min, "scale_max": dim.scale_max,
            "alpha_ordinal": _alpha(s, "ordinal"), "alpha_interval": _alpha(s, "interval"),
            "ac2_quadratic": _gwet(s, dim.points, "quadratic"),
            "percent_agreement": _percent(s),
            "fleiss_kappa": _fleiss(s),
            "interval": _interval(data, metric, age), "n_units": s.n_units, "n_values": s.n_values,
        })
    for metric in sorted(fig.patterns):  # dimensions of older rubric versions that still have labels
        if metric.startswith(metrics.SCORE_PREFIX) and metric[len(metrics.SCORE_PREFIX):] not in seen:
            s = fig.summary(metric)
            key = metric[len(metrics.SCORE_PREFIX):]
            rows.append({
                "key": key, "name": f"{key} (earlier rubric)", "scale_min": None, "scale_max": None,
                "alpha_ordinal": _alpha(s, "ordinal"), "alpha_interval": _alpha(s, "interval"),
                "ac2_quadratic": _gwet(s, None, "quadratic"),
                "percent_agreement": _percent(s),
                "fleiss_kappa": _fleiss(s),
                "interval": _interval(data, metric, age), "n_units": s.n_units, "n_values": s.n_values,
            })
    return rows


def flag_rows(fig: Figures) -> list[dict]:
    from apps.labeling.judgements import FLAGS

    rows = []
    for key, name in FLAGS.items():
        s = fig.summary(metrics.FLAG_PREFIX + key)
        totals = s.value_totals()
        n = sum(totals.values())
        rows.append({
            "key": key, "name": name, "alpha_nominal": _alpha(s, "nominal"), "ac1": _gwet(s, [0, 1], "identity"),
            "rate": totals.get(1, 0) / n if n else None,
        })
    return rows


def ranking_block(fig: Figures, data, age) -> dict | None:
    if not fig.has(metrics.RANK_PAIR):
        return None
    s = fig.summary(metrics.RANK_PAIR)
    heavy = (data or {}).get("ranking", {})
    undefined = stat_dict(Stat(None, NOT_COMPUTED))
    w = heavy.get("kendall_w", undefined)
    return {
        "alpha_pairs": _alpha(s, "nominal"),
        "alpha_pairs_ordinal": _alpha(s, "ordinal", order=[-1, 0, 1]),
        "ac1_pairs": _gwet(s, [-1, 0, 1], "identity"),
        "percent_agreement_pairs": _percent(s),
        "mean_tau_b": heavy.get("mean_tau_b", undefined),
        "kendall_w": w,
        "chance_w": (w.get("details") or {}).get("chance"),
        "interval": _interval(data, metrics.RANK_PAIR, age),
    }


def category_values(categories) -> list[str]:
    """A project's error categories as the triggers write them into patterns (``metrics.label_values``)."""
    cleaned = [c.replace(",", " ").replace(":", " ") for c in categories or [] if isinstance(c, str) and c]
    return list(dict.fromkeys(cleaned))


def steps_block(fig: Figures, data, age, categories=None) -> dict | None:
    """``categories``: the project's error taxonomy, every category of which counts for AC1's chance agreement
    (with any other category found in the labels)."""
    if not fig.has(metrics.STEP) and not fig.has(metrics.FIRST_WRONG):
        return None
    s = fig.summary(metrics.STEP)
    wrong = fig.summary(metrics.STEP, metrics.wrong_or_not, "wrong")
    first = fig.summary(metrics.FIRST_WRONG)
    has_err = fig.summary(metrics.FIRST_WRONG, metrics.has_error, "has_error")
    final = fig.summary(metrics.FINAL_ANSWER)
    exact_pairs = within_pairs = all_pairs = 0
    for pattern, units in fig.patterns.get(metrics.FIRST_WRONG, []):
        counts = metrics.parse_pattern(pattern)
        for c, nc in counts.items():
            for k, nk in counts.items():
                p = nc * nk - (nc if c == k else 0)
                all_pairs += p * units
                exact_pairs += p * units if c == k else 0
                close = c == k or (c != metrics.NO_ERROR_CODE and k != metrics.NO_ERROR_CODE and abs(c - k) <= 1)
                within_pairs += p * units if close else 0

    def share(n, reason="no item has values from two annotators"):
        return stat_dict(Stat(n / all_pairs, None, first.n_pairable_units) if all_pairs else Stat(None, reason, 0))

    return {
        "alpha_nominal": _alpha(s, "nominal"),
        "ac1": _gwet(s, [-1, 0, 1], "identity"),
        "alpha_wrong_vs_not": _alpha(wrong, "nominal"),
        "first_wrong_alpha": _alpha(first, "nominal"),
        "first_wrong_exact": share(exact_pairs),
        "first_wrong_within_one": share(within_pairs),
        "has_error_alpha": _alpha(has_err, "nominal"),
        "final_answer_alpha": _alpha(final, "nominal"),
        "final_answer_ac1": _gwet(final, [0, 1], "identity"),
        "category_alpha": _alpha(fig.summary(metrics.STEP_CATEGORY), "nominal"),
        "category_ac1": _gwet(fig.summary(metrics.STEP_CATEGORY), category_values(categories), "identity"),
        "interval": _interval(data, metrics.STEP, age),
    }


def annotator_rows(project: Project, tallies: list[AnnotatorTally], data, trend_window: str = "") -> list[dict]:
    users = dict(get_user_model().objects.filter(pk__in=[t.annotator_id for t in tallies]).values_list("pk", "username"))
    heavy = (data or {}).get("annotators", {})
    total_labels = sum(t.labels for t in tallies) or 1
    tie_counts = {t.annotator_id: (t.ties, t.preferences) for t in tallies if t.preferences > 0}
    left_counts = {t.annotator_id: (t.left_picks, t.decisive) for t in tallies if t.decisive > 0}
    # exact binomial tests with FDR control across annotators: cached on exactly the counts they test
    ties = RESULTS.get(("tie_rate_flags", tuple(sorted(tie_counts.items()))),
                       lambda: calibration.tie_rate_flags(tie_counts, leave_one_out=True))
    left = RESULTS.get(("position_bias", tuple(sorted(left_counts.items()))),
                       lambda: calibration.position_bias(left_counts))
    rows = []
    for t in tallies:
        h = heavy.get(str(t.annotator_id), {})
        tie = ties.get(t.annotator_id)
        lp = left.get(t.annotator_id)
        gold = _gold_dict(calibration.gold_accuracy(t.gold_correct, t.gold_total))
        active = h.get("active_time") or {"median_s": None, "n": t.timed, "too_fast": False, "reason": NOT_COMPUTED}
        active = {**active, "mean_s": (t.active_ms_total / t.timed / 1000) if t.timed else None}
        row = {
            "id": t.annotator_id, "username": users.get(t.annotator_id, f"#{t.annotator_id}"), "labels": t.labels,
            "share_of_labels": t.labels / total_labels,
            "tie_rate": dict(vars(tie)) if tie else {
                "ties": t.ties, "total": t.preferences, "rate": None, "baseline": None, "p_value": None,
                "q_value": None, "flagged": False, "reason": calibration.NO_DECISIVE_PICKS},
            "left_share": dict(vars(lp)) if lp else {"successes": 0, "trials": 0, "share": None, "p_value": None,
                                               "q_value": None, "flagged": False,
                                               "reason": calibration.NO_DECISIVE_PICKS},
            "longer_share": h.get("longer_share") or {"successes": 0, "trials": 0, "share": None, "p_value": None,
                                                      "q_value": None, "flagged": False, "reason": NOT_COMPUTED},
            "gold": gold,
            "loo_agreement": h.get("loo_agreement") or {"agreed": 0, "compared": 0, "rate": None,
                                                        "reason": NOT_COMPUTED, "skipped": 0},
            "active_time": active,
            "dawid_skene_reliability": h.get("dawid_skene_reliability"),
            "cohen_mean": h.get("cohen_mean"),
            "trend": (h.get("trend_windows") or {}).get(trend_window, h.get("trend", [])),
        }
        flagged = []
        if active.get("too_fast"):
            flagged.append("too_fast")
        if row["left_share"]["flagged"]:
            flagged.append("position_bias")
        if row["longer_share"].get("flagged"):
            flagged.append("length_bias")
        if row["tie_rate"]["flagged"]:
            flagged.append("tie_rate")
        if gold["enough"] and gold["high"] is not None and gold["high"] < 0.7:
            flagged.append("low_gold")
        row["flagged"] = flagged
        rows.append(row)
    rows.sort(key=lambda r: (-r["labels"], r["username"]))
    return rows


TREND_WINDOW_CHOICES = ("auto", "hour", "day", "week")


def _trends(data: dict | None, window: str) -> dict:
    """The trend charts' data for the window asked for (``auto``/empty: the one that suits the labels' span)."""
    trends = (data or {}).get("trends")
    if not trends:
        return {"window": None, "points": [], "reason": NOT_COMPUTED, "chosen": window or "auto",
                "choices": list(TREND_WINDOW_CHOICES)}
    chosen = ((data or {}).get("trend_windows") or {}).get(window) if window and window != "auto" else None
    return {**(chosen or trends), "chosen": window if chosen else "auto", "choices": list(TREND_WINDOW_CHOICES)}


def project_dashboard(project: Project, *, trend_window: str = "") -> dict:
    """Every figure of the project's quality dashboard (see the module docstring for the keys); ``trend_window``
    (``hour``, ``day``, ``week``; default ``auto``) picks the time window of the trends."""
    from apps.rewardmodels.selectors import model_human_agreement

    fig = Figures(_summaries(project))
    label_sizes = fig.summary(metrics.LABELS)
    labels = label_sizes.n_values
    # the project's items, kept by triggers on datasets_item: counting them here would cost O(items)
    items = sum(units for _pattern, units in fig.patterns.get(metrics.ITEMS, []))
    items_complete = sum(n for m, n in label_sizes.units.items() if m >= project.overlap)
    tallies = list(AnnotatorTally.objects.filter(project_id=project.pk, labels__gt=0))
    data, age = _heavy(project, labels)
    headline_metric = {"ranking": metrics.RANK_PAIR, "steps": metrics.STEP}.get(project.task_type, metrics.PREFERENCE)
    level = HEADLINE_LEVEL[headline_metric]
    gold_correct = sum(t.gold_correct for t in tallies)
    gold_total = sum(t.gold_total for t in tallies)
    headline = {
        "labels": labels, "items": items, "items_labelled": label_sizes.n_units, "items_complete": items_complete,
        "annotators": len(tallies), "metric": headline_metric, "level": level,
        "alpha": _alpha(fig.summary(headline_metric), level, order=[-1, 0, 1] if headline_metric != "preference" else None),
        "alpha_interval": _interval(data, f"headline_{headline_metric}", age),
        "gold_accuracy": _gold_dict(calibration.gold_accuracy(gold_correct, gold_total)),
    }
    return {
        "project": {"id": project.pk, "slug": project.slug, "name": project.name, "task_type": project.task_type,
                    "overlap": project.overlap},
        "generated_at": timezone.now().isoformat(),
        "headline": headline,
        "preference": preference_block(fig, data, age),
        "dimensions": dimension_rows(project, fig, data, age),
        "flags": flag_rows(fig),
        "ranking": ranking_block(fig, data, age),
        "steps": steps_block(fig, data, age, getattr(project, "error_categories", None)),
        "annotators": annotator_rows(project, tallies, data, trend_window),
        "heatmap": (data or {}).get("heatmap") or {"measure": None, "annotators": [], "cells": [],
                                                   "reason": NOT_COMPUTED},
        "trends": _trends(data, trend_window),
        "dawid_skene": (data or {}).get("dawid_skene"),
        "model": model_human_agreement(project),
        "heavy": age,
    }


def _jsonable(value):
    return list(value) if isinstance(value, tuple) else value


def aggregated_labels(project: Project, item_ids) -> dict[int, dict]:
    """Per item (of those given that have current labels): the plain majority of its current labels beside its
    Dawid-Skene label, both on the headline value (``heavy.headline_value``: pairs ``"A"``/``"tie"``/``"B"``
    in canonical order, rankings the ranks, steps the first wrong step, ``-1`` for none). Two queries.

    ``{item_id: {kind, majority, dawid_skene: {value, confidence, computed_at, stale} | None, agree}}``:
    ``majority`` is ``None`` without a unique most frequent value; ``dawid_skene`` is ``None`` until the heavy
    statistics task has run on the item's labels, and ``stale`` when the item's current labels are no longer
    those it was computed from; ``agree`` is whether the two are equal (``None`` when either is missing)."""
    from .heavy import headline_value

    ids = [int(i) for i in item_ids]
    if not ids:
        return {}
    votes: dict[int, list] = {}
    kinds: dict[int, str] = {}
    for lab in Label.objects.filter(item_id__in=ids, item__project=project, is_current=True).values(
        "id", "item_id", "preference", "ranks", "step_ratings", "item__kind"
    ):
        kinds[lab["item_id"]] = lab["item__kind"]
        value = headline_value(lab["item__kind"], lab)
        if value is not None:
            votes.setdefault(lab["item_id"], []).append((lab["id"], value))
    stored = {row.item_id: row for row in DawidSkeneLabel.objects.filter(project=project, item_id__in=ids)}
    out = {}
    for item_id, kind in kinds.items():
        values = votes.get(item_id, [])
        majority = _jsonable(calibration.majority(v for _, v in values))
        row = stored.get(item_id)
        ds = None
        if row is not None:
            ds = {"value": row.value, "confidence": row.confidence, "computed_at": row.computed_at.isoformat(),
                  "stale": sorted(i for i, _ in values) != sorted(row.label_ids)}
        out[item_id] = {"kind": kind, "majority": majority, "dawid_skene": ds,
                        "agree": None if ds is None or majority is None else ds["value"] == majority}
    return out


def disagreement_queue(project: Project, *, limit: int = 50, offset: int = 0,
                       with_aggregates: bool = True) -> list[dict]:
    """Items whose current labels split most on the headline metric (see the module docstring); with
    ``with_aggregates``, each row also has ``majority``, ``dawid_skene`` and ``agree`` (``aggregated_labels``)."""
    splits = list(
        ItemSplit.objects.filter(project_id=project.pk, disagreeing__gt=0)
        .order_by("-split", "-distance", "item_id")[offset:offset + limit]
    )
    ids = [s.item_id for s in splits]
    items = {i.pk: i for i in Item.objects.filter(pk__in=ids).only("id", "external_id", "kind", "is_gold")}
    values: dict[int, dict] = {}
    for s in splits:
        values[s.item_id] = {}
    for item_id, metric, pattern in ItemUnitPattern.objects.filter(item_id__in=ids).values_list(
        "item_id", "metric", "pattern"
    ):
        split = next(s for s in splits if s.item_id == item_id)
        if metric == split.metric:
            for v, n in metrics.parse_pattern(pattern).items():
                values[item_id][str(v)] = values[item_id].get(str(v), 0) + n
    aggregates = aggregated_labels(project, ids) if with_aggregates else {}
    out = []
    for s in splits:
        item = items.get(s.item_id)
        if item is None:
            continue
        row = {
            "item_id": s.item_id, "external_id": item.external_id, "kind": item.kind, "is_gold": item.is_gold,
            "labels": s.labels, "pairs": s.pairs, "disagreeing": s.disagreeing, "split": s.split,
            "distance": s.distance, "metric": s.metric, "values": values[s.item_id],
        }
        if with_aggregates:
            found = aggregates.get(s.item_id) or {}
            row.update(majority=found.get("majority"), dawid_skene=found.get("dawid_skene"), agree=found.get("agree"))
        out.append(row)
    return out


def disagreement_count(project: Project) -> int:
    return ItemSplit.objects.filter(project_id=project.pk, disagreeing__gt=0).count()


def current_label_count(project: Project) -> int:
    """Current labels of the project, from the summaries (each item's ``labels`` unit has one value per label)."""
    return sum(
        size * units for size, units in PatternCount.objects.filter(
            project_id=project.pk, metric=metrics.LABELS, units__gt=0).values_list("size", "units")
    )
