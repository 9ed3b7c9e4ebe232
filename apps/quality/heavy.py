"""The statistics too heavy to keep live: bootstrap intervals, leave-one-out majority agreement, length bias,
median active time, Dawid-Skene, Cohen's kappa for every annotator pair, Kendall's tau and W, and trends.

``compute_heavy(project)`` reads the project's current labels once and returns the JSON-able dict stored in
:class:`~apps.quality.models.StatsSnapshot.data`; ``refresh_snapshot(project)`` computes and stores it, together
with the Dawid-Skene label of every labelled item (:class:`~apps.quality.models.DawidSkeneLabel`, in the same
transaction; only the rows that changed are written). The Celery task ``worker.tasks.quality.refresh_heavy_statistics`` runs it every few minutes on
the ``default`` queue; ``manage.py agreement PROJECT --refresh`` runs it synchronously.

Trends are computed for every window of ``TREND_WINDOWS_BY_NAME`` (hour, day, week; the last ``TREND_WINDOWS``
windows with labels): ``data["trend_windows"][name] = {window, points}`` with each point ``{start, labels, alpha,
tie_rate, dimensions: {dimension key: STAT (ordinal alpha)}}``, and ``data["trends"]`` is the window that suits
the labels' time span (``_window``). Per annotator, ``trend`` follows that window and ``trend_windows[name]``
gives the others.
"""
from __future__ import annotations

import math
import time
from collections import defaultdict
from datetime import timedelta

from django.db import transaction
from django.db.models.functions import Length
from django.utils import timezone

from apps.datasets.models import Item, ItemResponse
from apps.labeling.models import Label
from apps.projects.models import Project

from . import metrics
from .models import DawidSkeneLabel, PatternCount, StatsSnapshot
from .stats import calibration
from .stats.alpha import alpha_from_summary, alpha_from_units
from .stats.bootstrap import bootstrap_interval_from_counts
from .stats.gwet import gwet_from_summary
from .stats.kappa import pairwise_cohen_kappa
from .stats.kendall import mean_kendall_w, mean_pairwise_tau_b_over_items
from .stats.result import Stat

N_RESAMPLES = 1000
MIN_SHARED_FOR_COHEN = 10
TREND_WINDOWS = 12
TREND_WINDOWS_BY_NAME = {"hour": timedelta(hours=1), "day": timedelta(days=1), "week": timedelta(days=7)}
DS_WRITE_BATCH = 5000


def _stat(stat: Stat) -> dict:
    d = stat.as_dict()
    d["details"] = {k: v for k, v in d["details"].items() if isinstance(v, (int, float, str, type(None)))}
    return d


def _counts_list(project_id: int, metric: str, collapse=None) -> list[dict]:
    out = []
    for pattern, units in PatternCount.objects.filter(project_id=project_id, metric=metric, units__gt=0).values_list(
        "pattern", "units"
    ):
        counts = metrics.parse_pattern(pattern)
        if collapse is not None:
            merged: dict = {}
            for v, n in counts.items():
                merged[collapse(v)] = merged.get(collapse(v), 0) + n
            counts = merged
        out += [counts] * units
    return out


def _intervals(project: Project, metric_names: list[str]) -> dict:
    """Bootstrap 95 % intervals (resampling units) of each metric's headline coefficient."""
    specs = {
        "headline_preference": ("preference", None, lambda s: alpha_from_summary(s, "ordinal")),
        "preference_alpha_ordinal": ("preference", None, lambda s: alpha_from_summary(s, "ordinal")),
        "preference_alpha_direction": ("preference", metrics.direction_of, lambda s: alpha_from_summary(s, "nominal")),
        "preference_ac2_quadratic": (
            "preference", None,
            lambda s: gwet_from_summary(s, categories=sorted(set([-2, -1, 0, 1, 2]) | s.observed_values()),
                                        weights="quadratic"),
        ),
        "headline_rank_pair": ("rank_pair", None, lambda s: alpha_from_summary(s, "nominal")),
        "rank_pair": ("rank_pair", None, lambda s: alpha_from_summary(s, "nominal")),
        "headline_step": ("step", None, lambda s: alpha_from_summary(s, "nominal")),
        "step": ("step", None, lambda s: alpha_from_summary(s, "nominal")),
    }
    for name in metric_names:
        if name.startswith(metrics.SCORE_PREFIX):
            specs[name] = (name, None, lambda s: alpha_from_summary(s, "ordinal"))
    out = {}
    cache: dict = {}
    for name, (metric, collapse, statistic) in specs.items():
        if metric not in metric_names:
            continue
        key = (metric, collapse)
        if key not in cache:
            cache[key] = _counts_list(project.pk, metric, collapse)
        interval = bootstrap_interval_from_counts(cache[key], statistic, n_resamples=N_RESAMPLES, seed=project.pk)
        out[name] = interval.as_dict()
    return out


def headline_value(kind: str, label: dict):
    """The value Dawid-Skene, the leave-one-out majority and the plain majority work on: pairs the direction
    (``"A"``, ``"tie"``, ``"B"``, canonical), rankings the whole ranking (a tuple of ranks), steps the first wrong
    step (``-1``: none); ``None`` when the label has none."""
    if kind == "pair":
        return None if label["preference"] is None else metrics.direction_of(label["preference"])
    if kind == "ranking":
        ranks = label["ranks"]
        return tuple(ranks) if isinstance(ranks, list) else None
    ratings = label["step_ratings"]
    return metrics.first_wrong(ratings) if isinstance(ratings, list) else None


def _labels(project: Project) -> list[dict]:
    return list(
        Label.objects.filter(item__project=project, is_current=True).values(
            "id", "item_id", "annotator_id", "preference", "ranks", "step_ratings", "scores", "shown_order",
            "active_ms", "created_at", "item__kind",
        ).order_by("item_id", "annotator_id")
    )


def _share_dict(t) -> dict:
    return {"successes": t.successes, "trials": t.trials, "share": t.share, "p_value": t.p_value,
            "q_value": t.q_value, "flagged": t.flagged, "reason": t.reason}


def _window(labels: list[dict]) -> tuple[timedelta, str]:
    first = min(lab["created_at"] for lab in labels)
    last = max(lab["created_at"] for lab in labels)
    span = last - first
    if span <= timedelta(days=2):
        return timedelta(hours=1), "hour"
    if span <= timedelta(days=60):
        return timedelta(days=1), "day"
    return timedelta(days=7), "week"


def compute_heavy(project: Project) -> dict:
    return _compute(project)[0]


def _jsonable(value):
    return list(value) if isinstance(value, tuple) else value


def _compute(project: Project) -> tuple[dict, list[dict]]:
    """The snapshot's data, and the Dawid-Skene label of each labelled item (``{item_id, value, confidence,
    majority, label_ids}``)."""
    labels = _labels(project)
    metric_names = list(
        PatternCount.objects.filter(project_id=project.pk, units__gt=0).values_list("metric", flat=True).distinct()
    )
    data: dict = {"intervals": _intervals(project, metric_names), "annotators": {}}
    if not labels:
        return data, []
    kind = labels[0]["item__kind"]
    by_item: dict[int, dict] = defaultdict(dict)
    label_ids: dict[int, list[int]] = defaultdict(list)
    for lab in labels:
        value = headline_value(lab["item__kind"], lab)
        if value is not None:
            by_item[lab["item_id"]][lab["annotator_id"]] = value
            label_ids[lab["item_id"]].append(lab["id"])
    item_ids = list(by_item)
    units = list(by_item.values())
    annotators = sorted({lab["annotator_id"] for lab in labels})
    per: dict[int, dict] = {a: {} for a in annotators}

    # leave-one-out majority
    for a, share in calibration.leave_one_out_majority(units).items():
        per[a]["loo_agreement"] = {"agreed": share.agreed, "compared": share.compared, "rate": share.rate,
                                   "reason": share.reason, "skipped": share.skipped}

    # length bias (pairs): picks of the longer canonical response
    if kind == "pair":
        lengths: dict[int, dict[int, int]] = defaultdict(dict)
        for item_id, position, n in ItemResponse.objects.filter(item__project=project).annotate(
            n=Length("response__text")
        ).values_list("item_id", "position", "n"):
            lengths[item_id][position] = n
        counts: dict[int, list] = defaultdict(list)
        for lab in labels:
            lens = lengths.get(lab["item_id"], {})
            if 0 in lens and 1 in lens:
                counts[lab["annotator_id"]].append((lab["preference"], lens[0], lens[1]))
        tests = calibration.length_bias({a: calibration.longer_pick_counts(v) for a, v in counts.items()})
        for a, t in tests.items():
            per[a]["longer_share"] = _share_dict(t)

    # active time
    times = defaultdict(list)
    for lab in labels:
        if lab["active_ms"] is not None:
            times[lab["annotator_id"]].append(lab["active_ms"] / 1000)
    report = calibration.active_time_flags(times)
    for a, t in report.annotators.items():
        per[a]["active_time"] = {"median_s": t.median, "n": t.n, "too_fast": t.too_fast, "reason": t.reason,
                                 "project_median_s": report.project_median}

    # Dawid-Skene on the headline values (pairs: direction; steps: first wrong step; rankings: the whole ranking)
    ds_rows: list[dict] = []
    if units:
        ds = calibration.dawid_skene(units, classes=sorted({v for u in units for v in u.values()}, key=repr))
        majority_agree = compared = 0
        for item_id, unit, ds_label, posterior in zip(item_ids, units, ds.labels, ds.posteriors):
            maj = calibration.majority(unit.values())
            if maj is not None and ds_label is not None:
                compared += 1
                majority_agree += maj == ds_label
            if ds_label is not None:
                ds_rows.append({"item_id": item_id, "value": _jsonable(ds_label), "majority": _jsonable(maj),
                                "confidence": max(posterior), "label_ids": sorted(label_ids[item_id])})
        data["dawid_skene"] = {
            "metric": {"pair": "direction", "ranking": "ranking", "steps": "first_wrong"}.get(kind, kind),
            "classes": [list(c) if isinstance(c, tuple) else c for c in ds.classes],
            "priors": ds.priors, "iterations": ds.iterations, "converged": ds.converged,
            "agreement_with_majority": majority_agree / compared if compared else None, "items": len(units),
        }
        for a, r in ds.reliability.items():
            per[a]["dawid_skene_reliability"] = r

    # Cohen's kappa for every annotator pair: the heatmap
    if kind == "pair":
        cohen_units = [{lab["annotator_id"]: lab["preference"] for lab in grp} for grp in _group(labels)]
        labels_order, weights, measure = [-2, -1, 0, 1, 2], "quadratic", "cohen_kappa_quadratic_preference"
    else:
        cohen_units = [{a: (repr(v) if isinstance(v, tuple) else v) for a, v in u.items()} for u in units]
        labels_order = sorted({v for u in cohen_units for v in u.values()}, key=repr)
        weights, measure = None, "cohen_kappa_headline"
    pairs = pairwise_cohen_kappa(cohen_units, labels=labels_order, weights=weights, min_shared=MIN_SHARED_FOR_COHEN)
    index = {a: i for i, a in enumerate(annotators)}
    cells = [[None] * len(annotators) for _ in annotators]
    sums: dict[int, list[float]] = defaultdict(list)
    for (a, b), stat in pairs.items():
        cell = {"value": stat.value, "reason": stat.reason, "n": stat.n_units}
        cells[index[a]][index[b]] = cell
        cells[index[b]][index[a]] = cell
        if stat.value is not None:
            sums[a].append(stat.value)
            sums[b].append(stat.value)
    from django.contrib.auth import get_user_model

    names = dict(get_user_model().objects.filter(pk__in=annotators).values_list("pk", "username"))
    data["heatmap"] = {"measure": measure, "min_shared": MIN_SHARED_FOR_COHEN,
                       "annotators": [{"id": a, "username": names.get(a, f"#{a}")} for a in annotators],
                       "cells": cells}
    for a in annotators:
        per[a]["cohen_mean"] = math.fsum(sums[a]) / len(sums[a]) if sums[a] else None

    # rankings: Kendall tau-b and W per item
    if kind == "ranking":
        rankings = [
            {lab["annotator_id"]: lab["ranks"] for lab in grp if isinstance(lab["ranks"], list)}
            for grp in _group(labels)
        ]
        data["ranking"] = {"mean_tau_b": _stat(mean_pairwise_tau_b_over_items(rankings)),
                           "kendall_w": _stat(mean_kendall_w([r for r in rankings if len(r) >= 2]))}

    # trends over time windows: every window the lead may choose, and the one that suits the labels' span
    dimension_keys = sorted({key for lab in labels if isinstance(lab["scores"], dict) for key in lab["scores"]})
    auto = _window(labels)[1]
    data["trend_windows"] = {}
    for name, size in TREND_WINDOWS_BY_NAME.items():
        per_window: dict = defaultdict(dict)
        data["trend_windows"][name] = _trends(labels, kind, per_window, size=size, name=name,
                                              dimension_keys=dimension_keys)
        for a in annotators:
            per[a].setdefault("trend_windows", {})[name] = per_window[a].get("trend", [])
    data["trends"] = data["trend_windows"][auto]
    for a in annotators:
        per[a]["trend"] = per[a]["trend_windows"][auto]
    data["annotators"] = {str(a): v for a, v in per.items()}
    return data, ds_rows


def _group(labels: list[dict]):
    current, group = None, []
    for lab in labels:
        if lab["item_id"] != current and group:
            yield group
            group = []
        current = lab["item_id"]
        group.append(lab)
    if group:
        yield group


def _dimension_alphas(group: list[dict], keys: list[str]) -> dict:
    """Ordinal alpha of each rubric dimension over one window's labels (units: an item's response)."""
    out = {}
    for key in keys:
        units: dict[tuple[int, int], dict] = defaultdict(dict)
        for lab in group:
            values = lab["scores"].get(key) if isinstance(lab["scores"], dict) else None
            if isinstance(values, list):
                for position, v in enumerate(values):
                    if isinstance(v, (int, float)) and not isinstance(v, bool):
                        units[(lab["item_id"], position)][lab["annotator_id"]] = v
        out[key] = _stat(alpha_from_units(list(units.values()), "ordinal"))
    return out


def _trends(labels: list[dict], kind: str, per: dict, *, size: timedelta | None = None, name: str = "",
            dimension_keys: list[str] | None = None) -> dict:
    if size is None:
        size, name = _window(labels)
    start = min(lab["created_at"] for lab in labels)
    windows: dict[int, list[dict]] = defaultdict(list)
    for lab in labels:
        windows[int((lab["created_at"] - start) / size)].append(lab)
    keys = sorted(windows)[-TREND_WINDOWS:]
    points = []
    for k in keys:
        group = windows[k]
        by_item: dict[int, dict] = defaultdict(dict)
        for lab in group:
            v = lab["preference"] if kind == "pair" else headline_value(kind, lab)
            if v is not None:
                by_item[lab["item_id"]][lab["annotator_id"]] = repr(v) if isinstance(v, tuple) else v
        level = "ordinal" if kind == "pair" else "nominal"
        alpha = alpha_from_units(list(by_item.values()), level)
        prefs = [lab["preference"] for lab in group if lab["preference"] is not None]
        window_start = start + k * size
        points.append({"start": window_start.isoformat(), "labels": len(group), "alpha": _stat(alpha),
                       "tie_rate": (sum(p == 0 for p in prefs) / len(prefs)) if prefs else None,
                       "dimensions": _dimension_alphas(group, dimension_keys or [])})
        loo = calibration.leave_one_out_majority(
            [{a: (metrics.direction_of(v) if kind == "pair" else v) for a, v in u.items()} for u in by_item.values()]
        )
        counts = defaultdict(int)
        for lab in group:
            counts[lab["annotator_id"]] += 1
        for a, n in counts.items():
            share = loo.get(a)
            per[a].setdefault("trend", []).append({
                "start": window_start.isoformat(), "labels": n, "loo_agreement": share.rate if share else None,
            })
    return {"window": name, "points": points}


def refresh_snapshot(project: Project) -> StatsSnapshot:
    """Compute the heavy statistics of the project and store them (one snapshot per project, replaced)."""
    started = time.perf_counter()
    from .selectors import current_label_count

    labels_seen = current_label_count(project)
    data, ds_rows = _compute(project)
    duration = int((time.perf_counter() - started) * 1000)
    now = timezone.now()
    with transaction.atomic():
        snapshot, _ = StatsSnapshot.objects.update_or_create(
            project=project,
            defaults={"computed_at": now, "duration_ms": duration, "labels_seen": labels_seen, "data": data},
        )
        write_dawid_skene_labels(project, ds_rows, now)
    return snapshot


def write_dawid_skene_labels(project: Project, rows: list[dict], now) -> dict:
    """Make the project's :class:`DawidSkeneLabel` rows those of ``rows``, writing only what changed (a refresh
    after a few new labels rewrites a few rows, not every item's): new items inserted, changed ones updated (their
    ``computed_at`` set to ``now``), items without a label any more deleted. Items deleted since the labels were
    read are skipped. Confidences are kept to 4 decimals, so that EM's last digits do not rewrite every row."""
    existing = {
        item_id: (pk, (value, majority, label_ids, confidence))
        for pk, item_id, value, majority, label_ids, confidence in DawidSkeneLabel.objects.filter(project=project)
        .values_list("pk", "item_id", "value", "majority", "label_ids", "confidence")
    }
    alive = set(Item.objects.filter(project=project).values_list("pk", flat=True)) if rows else set()
    create, update = [], []
    for r in rows:
        if r["item_id"] not in alive:
            continue
        fields = (r["value"], r["majority"], r["label_ids"], round(r["confidence"], 4))
        old = existing.pop(r["item_id"], None)
        if old is not None and old[1] == fields:
            continue
        row = DawidSkeneLabel(pk=old[0] if old else None, project=project, item_id=r["item_id"], value=fields[0],
                              majority=fields[1], label_ids=fields[2], confidence=fields[3], computed_at=now)
        (update if old else create).append(row)
    stale = [pk for pk, _ in existing.values()]
    if stale:
        DawidSkeneLabel.objects.filter(pk__in=stale).delete()
    DawidSkeneLabel.objects.bulk_update(update, ["value", "majority", "label_ids", "confidence", "computed_at"],
                                        batch_size=DS_WRITE_BATCH)
    DawidSkeneLabel.objects.bulk_create(create, batch_size=DS_WRITE_BATCH)
    return {"created": len(create), "updated": len(update), "deleted": len(stale)}


def projects_needing_refresh() -> list[Project]:
    """Projects whose current label count differs from the one their snapshot saw (or without a snapshot)."""
    from .selectors import current_label_count

    out = []
    for project in Project.objects.all().select_related("stats_snapshot"):
        snap = getattr(project, "stats_snapshot", None)
        labels = current_label_count(project)
        if labels and (snap is None or snap.labels_seen != labels):
            out.append(project)
        elif snap is not None and snap.computed_at < timezone.now() - timedelta(hours=1):
            out.append(project)  # edits keep the count: refresh at least hourly
    return out
