"""The quality summaries recomputed from scratch in Python, from the current labels.

``expected_summaries`` is the full recomputation the tests compare the trigger-kept tables with;
``rebuild_summaries`` replaces the tables' rows with it (after installing the triggers on a database that
already holds labels, or to repair one: ``manage.py agreement PROJECT --rebuild``). Raw SQL on purpose: the
migration that installs the triggers calls it, when the ORM models may be ahead of the schema.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field

from django.utils import timezone

from . import metrics

LABEL_COLUMNS = (
    "item_id", "annotator_id", "preference", "ranks", "step_ratings", "step_notes", "final_answer_correct",
    "scores", "flags", "shown_order", "active_ms", "created_at",
)
JSON_COLUMNS = {"ranks", "step_ratings", "step_notes", "scores", "flags", "shown_order", "gold_answer"}


def _json(value):
    return json.loads(value) if isinstance(value, (str, bytes)) else value


@dataclass
class Expected:
    patterns: dict = field(default_factory=dict)  # (item_id, metric, unit) -> (project_id, pattern, size)
    counts: dict = field(default_factory=dict)  # (project_id, metric, pattern) -> (size, units)
    splits: dict = field(default_factory=dict)  # item_id -> (project_id, metric, labels, pairs, disagreeing, distance)
    tallies: dict = field(default_factory=dict)  # (project_id, annotator_id) -> dict of counts


def pattern_text(counts: dict) -> str:
    return ",".join(f"{v}:{n}" for v, n in sorted(counts.items()))


def _labels(connection, project_id):
    cols = ", ".join(f"l.{c}" for c in LABEL_COLUMNS)
    sql = (
        f"SELECT {cols}, i.project_id, i.kind, i.is_gold, i.gold_answer FROM labeling_label l "
        "JOIN datasets_item i ON i.id = l.item_id WHERE l.is_current"
    )
    params = []
    if project_id is not None:
        sql += " AND i.project_id = %s"
        params.append(project_id)
    names = LABEL_COLUMNS + ("project_id", "kind", "is_gold", "gold_answer")
    with connection.cursor() as cursor:
        cursor.execute(sql + " ORDER BY l.item_id", params)
        for row in cursor.fetchall():
            label = dict(zip(names, row))
            for key in JSON_COLUMNS:
                label[key] = _json(label[key])
            if label["final_answer_correct"] is not None:
                label["final_answer_correct"] = bool(label["final_answer_correct"])
            yield label


def expected_summaries(connection, project_id: int | None = None) -> Expected:
    out = Expected()
    by_item: dict[int, list[dict]] = {}
    for label in _labels(connection, project_id):
        by_item.setdefault(label["item_id"], []).append(label)
        key = (label["project_id"], label["annotator_id"])
        t = out.tallies.setdefault(key, dict.fromkeys(
            ("labels", "preferences", "ties", "decisive", "left_picks", "timed", "active_ms_total", "gold_total",
             "gold_correct"), 0))
        t["labels"] += 1
        pref = label["preference"]
        t["preferences"] += pref is not None
        t["ties"] += pref == 0
        left = metrics.left_pick(label)
        t["decisive"] += left is not None
        t["left_picks"] += bool(left)
        t["timed"] += label["active_ms"] is not None
        t["active_ms_total"] += label["active_ms"] or 0
        correct = metrics.gold_correct(label["kind"], label["is_gold"], label["gold_answer"], label)
        t["gold_total"] += correct is not None
        t["gold_correct"] += correct or 0
    for item_id, labels in by_item.items():
        project_id_, kind = labels[0]["project_id"], labels[0]["kind"]
        units = metrics.unit_counts(labels)
        headline = metrics.headline_metric(kind)
        for (metric, unit), counts in units.items():
            pattern = pattern_text(counts)
            size = sum(counts.values())
            out.patterns[(item_id, metric, unit)] = (project_id_, pattern, size)
            key = (project_id_, metric, pattern)
            _size, n = out.counts.get(key, (size, 0))
            out.counts[key] = (size, n + 1)
        pairs, disagreeing, distance = metrics.split_figures(
            {metrics.parse_value(v): n for v, n in counts.items()}
            for (metric, _unit), counts in units.items() if metric == headline
        )
        out.splits[item_id] = (project_id_, headline, len(labels), pairs, disagreeing, distance)
    sql, params = "SELECT project_id, count(*) FROM datasets_item", []
    if project_id is not None:
        sql, params = sql + " WHERE project_id = %s", [project_id]
    with connection.cursor() as cursor:
        cursor.execute(sql + " GROUP BY project_id", params)
        for project_id_, n in cursor.fetchall():
            out.counts[(project_id_, metrics.ITEMS, "")] = (0, n)  # items of the project, labelled or not
    return out


def rebuild_summaries(connection, project_id: int | None = None) -> Expected:
    """Replace the summary tables' rows (of one project, or all) by a recomputation from the labels."""
    expected = expected_summaries(connection, project_id)
    where, params = ("", []) if project_id is None else (" WHERE project_id = %s", [project_id])
    now = timezone.now()
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql" and connection.in_atomic_block:
            cursor.execute("LOCK TABLE labeling_label IN SHARE MODE")  # no label changes while we recount
        for table in ("quality_itemunitpattern", "quality_patterncount", "quality_itemsplit", "quality_annotatortally"):
            cursor.execute(f"DELETE FROM {table}{where}", params)
        cursor.executemany(
            "INSERT INTO quality_itemunitpattern (project_id, item_id, metric, unit, pattern, size) "
            "VALUES (%s, %s, %s, %s, %s, %s)",
            [(p, item, metric, unit, pattern, size)
             for (item, metric, unit), (p, pattern, size) in expected.patterns.items()],
        )
        cursor.executemany(
            "INSERT INTO quality_patterncount (project_id, metric, pattern, size, units) VALUES (%s, %s, %s, %s, %s)",
            [(p, metric, pattern, size, n) for (p, metric, pattern), (size, n) in expected.counts.items()],
        )
        cursor.executemany(
            "INSERT INTO quality_itemsplit (item_id, project_id, metric, labels, pairs, disagreeing, distance, split, "
            "updated_at) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s)",
            [(item, p, metric, labels, pairs, dis, dist, dis / pairs if pairs else 0.0, now)
             for item, (p, metric, labels, pairs, dis, dist) in expected.splits.items()],
        )
        cursor.executemany(
            "INSERT INTO quality_annotatortally (project_id, annotator_id, labels, preferences, ties, decisive, "
            "left_picks, timed, active_ms_total, gold_total, gold_correct) "
            "VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)",
            [(p, a, t["labels"], t["preferences"], t["ties"], t["decisive"], t["left_picks"], t["timed"],
              t["active_ms_total"], t["gold_total"], t["gold_correct"]) for (p, a), t in expected.tallies.items()],
        )
    return expected
