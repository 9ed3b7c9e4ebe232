"""The trigger-kept quality summaries equal a full recomputation, whatever changes the labels.

Random sequences of submits, edits (new version, old one no longer current), deletions, queryset updates,
bulk inserts (COPY and ``bulk_create``) and item deletions; after each sequence the summary tables equal
``apps.quality.rebuild.expected_summaries`` (computed in Python from the labels), and the dashboard's
coefficients equal the reference implementations on the raw labels.
"""
import math
import random
import warnings

import krippendorff
import numpy as np
import pandas as pd
import pytest
from django.db import connection
from irrCAC.raw import CAC

from apps.datasets.importers.bulk_insert import insert_rows
from apps.datasets.models import Item, Prompt
from apps.labeling.models import Label
from apps.projects.services import project_create
from apps.quality import selectors
from apps.quality.models import AnnotatorTally, ItemSplit, ItemUnitPattern, PatternCount
from apps.quality.rebuild import expected_summaries, rebuild_summaries
from apps.quality.stats.gwet import ac1, ac2
from tests.conftest import DEFAULT_DIMENSIONS, make_user

TALLY_FIELDS = ("labels", "preferences", "ties", "decisive", "left_picks", "timed", "active_ms_total", "gold_total",
                "gold_correct")


def _items(project, n, kind="pair", gold_every=0):
    out = []
    for i in range(n):
        prompt = Prompt.objects.create(project=project, messages=[{"role": "user", "content": f"q{i}"}],
                                       content_hash=f"p{project.pk}-{i}")
        gold = None
        if gold_every and i % gold_every == 0:
            gold = {"pair": {"preference": 1}, "ranking": {"ranks": [1, 2, 3]},
                    "steps": {"steps": [1, -1, None]}}[kind]
        out.append(Item.objects.create(
            project=project, kind=kind, prompt=prompt, content_hash=f"i{project.pk}-{i}", overlap=project.overlap,
            is_gold=gold is not None, gold_answer=gold,
        ))
    return out


def _judgement(rng, kind):
    if kind == "pair":
        return {
            "preference": rng.choice([-2, -1, 0, 1, 2, None]) if rng.random() < 0.95 else None,
            "scores": {"accuracy": [rng.choice([1, 2, 3, 4, 5, None]), rng.randint(1, 5)],
                       "coherence": [rng.randint(1, 5), rng.randint(1, 5)]} if rng.random() < 0.8 else {},
            "flags": rng.sample(["unsafe", "cannot_judge", "both_unacceptable"], rng.randint(0, 1)),
            "shown_order": rng.choice([[0, 1], [1, 0], None]),
            "active_ms": rng.choice([None, rng.randint(500, 90_000)]),
        }
    if kind == "ranking":
        return {"ranks": [rng.randint(1, 3) for _ in range(3)], "active_ms": rng.randint(500, 9000),
                "shown_order": [0, 1, 2]}
    ratings = [rng.choice([1, 1, 1, 0, -1]) for _ in range(3)]
    if -1 in ratings:
        ratings = ratings[: ratings.index(-1) + 1] + [None] * (2 - ratings.index(-1))
    return {
        "step_ratings": ratings,
        "step_notes": [({"category": rng.choice(["arithmetic", "logic, misc"]), "comment": "", "correction": ""}
                        if r == -1 else None) for r in ratings],
        "final_answer_correct": rng.choice([True, False, None]),
        "active_ms": rng.randint(500, 9000),
    }


def _check(project_ids=None):
    """The trigger-kept tables equal the Python recomputation."""
    expected = expected_summaries(connection)
    patterns = {(r.item_id, r.metric, r.unit): (r.project_id, r.pattern, r.size) for r in ItemUnitPattern.objects.all()}
    assert patterns == expected.patterns
    counts = {(r.project_id, r.metric, r.pattern): (r.size, r.units) for r in PatternCount.objects.filter(units__gt=0)}
    assert counts == expected.counts
    splits = {r.item_id: (r.project_id, r.metric, r.labels, r.pairs, r.disagreeing, r.distance)
              for r in ItemSplit.objects.filter(labels__gt=0)}
    assert splits.keys() == expected.splits.keys()
    for item_id, row in splits.items():
        assert row[:5] == expected.splits[item_id][:5]
        assert math.isclose(row[5], expected.splits[item_id][5])
    tallies = {(t.project_id, t.annotator_id): {f: getattr(t, f) for f in TALLY_FIELDS}
               for t in AnnotatorTally.objects.all() if any(getattr(t, f) for f in TALLY_FIELDS)}
    assert tallies == expected.tallies


def _random_sequence(rng, project, items, annotators, kind, steps=60):
    for _ in range(steps):
        op = rng.random()
        current = list(Label.objects.filter(item__project=project, is_current=True))
        if op < 0.45 or not current:  # submit
            item = rng.choice(items)
            taken = set(Label.objects.filter(item=item, is_current=True).values_list("annotator_id", flat=True))
            free = [a for a in annotators if a.pk not in taken]
            if free and len(taken) < item.overlap:
                Label.objects.create(item=item, annotator=rng.choice(free), **_judgement(rng, kind))
        elif op < 0.65:  # edit: the old version stays, no longer current
            old = rng.choice(current)
            Label.objects.filter(pk=old.pk).update(is_current=False)
            Label.objects.create(item=old.item, annotator=old.annotator, version=old.version + 1, previous=old,
                                 **_judgement(rng, kind))
        elif op < 0.75:  # delete a label nobody points at
            victim = rng.choice([lab for lab in current if lab.previous_id is None] or [None])
            if victim is not None:
                Label.objects.filter(pk=victim.pk).delete()
        elif op < 0.85:  # one statement changing many rows
            ids = [lab.pk for lab in rng.sample(current, min(len(current), 4))]
            if kind == "pair":
                Label.objects.filter(pk__in=ids).update(preference=rng.choice([-1, 0, 1]), flags=["unsafe"])
            elif kind == "ranking":
                Label.objects.filter(pk__in=ids).update(ranks=[1, 1, 2])
            else:
                Label.objects.filter(pk__in=ids).update(step_ratings=[1, 1, 1], final_answer_correct=True)
        else:  # bulk insert: COPY or bulk_create, several items in one statement
            rows = []
            for item in rng.sample(items, min(3, len(items))):
                taken = set(Label.objects.filter(item=item, is_current=True).values_list("annotator_id", flat=True))
                free = [a for a in annotators if a.pk not in taken]
                room = item.overlap - len(taken)
                for annotator in rng.sample(free, min(room, len(free), 2)):
                    j = _judgement(rng, kind)
                    rows.append((item.pk, annotator.pk, j.get("preference"), j.get("ranks"), j.get("step_ratings"),
                                 j.get("scores", {}), j.get("flags", []), j.get("active_ms"), ""))
            insert_rows(Label, ["item_id", "annotator_id", "preference", "ranks", "step_ratings", "scores", "flags",
                                "active_ms", "rationale"], rows, use_copy=rng.random() < 0.5)


@pytest.fixture
def annotators(db):
    return [make_user(f"rater{i}") for i in range(5)]


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_pairwise_summaries_equal_recomputation(lead, annotators, seed):
    project = project_create(user=lead, name=f"Pairs {seed}", dimensions=DEFAULT_DIMENSIONS, overlap=4)
    items = _items(project, 8, gold_every=3)
    _random_sequence(random.Random(seed), project, items, annotators, "pair")
    _check()


@pytest.mark.parametrize("kind,task", [("ranking", "ranking"), ("steps", "steps")])
def test_ranking_and_step_summaries_equal_recomputation(lead, annotators, kind, task):
    project = project_create(user=lead, name=f"P {kind}", task_type=task, overlap=3,
                             **({"ranking_k": 3} if kind == "ranking" else {}))
    items = _items(project, 6, kind=kind, gold_every=2)
    _random_sequence(random.Random(7), project, items, annotators, kind)
    _check()


def test_deleting_items_and_projects_empties_the_summaries(lead, annotators):
    project = project_create(user=lead, name="Short lived", overlap=3)
    items = _items(project, 4)
    _random_sequence(random.Random(3), project, items, annotators, "pair", steps=20)
    Label.objects.filter(item=items[0]).update(previous=None)
    Label.objects.filter(item=items[0]).delete()
    items[0].delete()
    _check()
    Label.objects.filter(item__project=project).update(previous=None)
    Label.objects.filter(item__project=project).delete()
    project.delete()
    assert not PatternCount.objects.filter(project_id=project.pk, units__gt=0).exists()
    assert not ItemUnitPattern.objects.filter(project_id=project.pk).exists()
    _check()


def test_rebuild_repairs_tampered_summaries(lead, annotators):
    project = project_create(user=lead, name="Tampered", overlap=3)
    items = _items(project, 5)
    _random_sequence(random.Random(5), project, items, annotators, "pair", steps=25)
    PatternCount.objects.filter(project_id=project.pk).update(units=99)
    rebuild_summaries(connection, project.pk)
    _check()


def _reliability(project, field):
    raters = sorted(set(Label.objects.filter(item__project=project, is_current=True).values_list("annotator_id",
                                                                                                flat=True)))
    items = sorted(set(Label.objects.filter(item__project=project, is_current=True).values_list("item_id", flat=True)))
    data = np.full((len(raters), len(items)), np.nan)
    for label in Label.objects.filter(item__project=project, is_current=True):
        value = field(label)
        if value is not None:
            data[raters.index(label.annotator_id), items.index(label.item_id)] = value
    return data


def test_live_coefficients_equal_reference_implementations(lead, annotators):
    project = project_create(user=lead, name="Reference", dimensions=DEFAULT_DIMENSIONS, overlap=4)
    items = _items(project, 12)
    _random_sequence(random.Random(11), project, items, annotators, "pair", steps=80)
    board = selectors.project_dashboard(project)

    prefs = _reliability(project, lambda lab: lab.preference)
    want = krippendorff.alpha(reliability_data=prefs, level_of_measurement="ordinal", value_domain=[-2, -1, 0, 1, 2])
    assert board["preference"]["alpha_ordinal"]["value"] == pytest.approx(want, abs=1e-9)
    assert board["headline"]["alpha"]["value"] == pytest.approx(want, abs=1e-9)
    dirs = np.sign(prefs)
    want_dir = krippendorff.alpha(reliability_data=dirs, level_of_measurement="nominal")
    assert board["preference"]["alpha_direction"]["value"] == pytest.approx(want_dir, abs=1e-9)

    acc = _reliability(project, lambda lab: (lab.scores.get("accuracy") or [None])[0])
    acc2 = _reliability(project, lambda lab: (lab.scores.get("accuracy") or [None, None])[1])
    both = np.concatenate([acc, acc2], axis=1)
    row = next(r for r in board["dimensions"] if r["key"] == "accuracy")
    for level in ("ordinal", "interval"):
        want = krippendorff.alpha(reliability_data=both, level_of_measurement=level, value_domain=[1, 2, 3, 4, 5])
        assert row[f"alpha_{level}"]["value"] == pytest.approx(want, abs=1e-9)
    units = [[v for v in both[:, j] if not np.isnan(v)] for j in range(both.shape[1])]
    assert row["ac2_quadratic"]["value"] == pytest.approx(ac2(units, categories=[1, 2, 3, 4, 5]).value, abs=1e-9)

    labels = Label.objects.filter(item__project=project, is_current=True)
    assert board["headline"]["labels"] == labels.count()
    assert board["headline"]["items_complete"] == sum(1 for i in items if labels.filter(item=i).count() >= 4)
    by_rater = {r["id"]: r for r in board["annotators"]}
    for annotator in annotators:
        mine = [lab for lab in labels if lab.annotator_id == annotator.pk]
        if mine:
            assert by_rater[annotator.pk]["labels"] == len(mine)


def test_error_category_ac1_equals_irrcac_over_every_category_of_the_taxonomy(lead, annotators):
    taxonomy = ["arithmetic", "logic, misc", "never used"]
    project = project_create(user=lead, name="Categories", task_type="steps", overlap=4, error_categories=taxonomy)
    items = _items(project, 10, kind="steps")
    for item in items[:2]:  # ratings without any error note: AC1 on categories is not defined, and says why
        for a in annotators[:2]:
            Label.objects.create(item=item, annotator=a, step_ratings=[1, 1, 1])
    steps = selectors.project_dashboard(project)["steps"]
    assert steps["category_ac1"]["value"] is None and steps["category_ac1"]["reason"]

    rng = random.Random(23)
    for item in items[2:]:
        for a in rng.sample(annotators, rng.randint(2, 4)):
            notes = [({"category": rng.choice(taxonomy[:2]), "comment": ""} if rng.random() < 0.7 else None)
                     for _ in range(3)]
            Label.objects.create(item=item, annotator=a, step_ratings=[-1 if n else 1 for n in notes],
                                 step_notes=notes)
    board = selectors.project_dashboard(project)

    # the reference: one row per (item, step), one column per annotator; categories as codes 1..3 (identity
    # weights: AC1 does not depend on the names), every category of the taxonomy passed, the unused one too
    codes = {"arithmetic": 1, "logic, misc": 2, "never used": 3}
    cells: dict = {}
    for lab in Label.objects.filter(item__project=project, is_current=True):
        for step, note in enumerate(lab.step_notes or []):
            if note and note.get("category"):
                cells.setdefault((lab.item_id, step), {})[f"r{lab.annotator_id}"] = float(codes[note["category"]])
    frame = pd.DataFrame(list(cells.values()))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        want = CAC(frame, categories=[1.0, 2.0, 3.0], digits=15).gwet()["est"]["coefficient_value"]
    got = board["steps"]["category_ac1"]
    assert got["value"] == pytest.approx(float(want), abs=1e-9)
    # the unused category counts: AC1 over the two used ones alone differs
    assert got["value"] != pytest.approx(ac1([list(u.values()) for u in cells.values()], categories=[1.0, 2.0]).value,
                                         abs=1e-9)


def test_undefined_alpha_says_why(lead, annotators):
    project = project_create(user=lead, name="Empty", overlap=3)
    board = selectors.project_dashboard(project)
    assert board["headline"]["alpha"]["value"] is None
    assert board["headline"]["alpha"]["reason"]
    assert board["headline"]["alpha_interval"]["reason"]
    item = _items(project, 1)[0]
    Label.objects.create(item=item, annotator=annotators[0], preference=1)
    Label.objects.create(item=item, annotator=annotators[1], preference=1)
    board = selectors.project_dashboard(project)
    assert board["headline"]["alpha"]["value"] is None
    assert "same" in board["headline"]["alpha"]["reason"]
    assert board["preference"]["percent_agreement"]["value"] == 1.0


def test_disagreement_queue_lists_the_most_split_items_first(lead, annotators):
    project = project_create(user=lead, name="Queue", overlap=3)
    agree, mild, strong = _items(project, 3)
    for a in annotators[:3]:
        Label.objects.create(item=agree, annotator=a, preference=1)
    for a, p in zip(annotators, [1, 1, 0]):
        Label.objects.create(item=mild, annotator=a, preference=p)
    for a, p in zip(annotators, [2, -2, 1]):
        Label.objects.create(item=strong, annotator=a, preference=p)
    queue = selectors.disagreement_queue(project, limit=10, offset=0)
    assert [row["item_id"] for row in queue] == [strong.pk, mild.pk]
    assert queue[0]["values"] == {"-2": 1, "1": 1, "2": 1}
    assert queue[0]["split"] == pytest.approx(1.0)
    assert selectors.disagreement_queue(project, limit=1, offset=1)[0]["item_id"] == mild.pk
