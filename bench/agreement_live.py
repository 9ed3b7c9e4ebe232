"""Live agreement statistics at size: dashboard read time and the extra cost a submit pays for them.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/ap_bench SECRET_KEY=x .venv/bin/python bench/agreement_live.py \\
        [--items 200000] [--reads 60] [--submits 300]

1. Migrates, creates a pairwise project (overlap 3, a rubric of two 1-5 dimensions) with ``--items`` items and
   three annotators, then loads 3 labels per item with ``COPY`` (``apps.datasets.importers.bulk_insert``, the
   import path) in chunks of 20,000 items with every trigger active (one statement per chunk: the
   statement-level triggers update the label counts and the summaries once per chunk), then ``VACUUM ANALYZE``.
2. Reads the dashboard ``--reads`` times through Django (GET /api/projects/<slug>/agreement/ with the test
   client, as a lead: URL routing, permission check, selectors, JSON rendering) and reports p50/p95; then again
   with the selectors' result cache cleared before each read (every coefficient recomputed from the pattern
   counts, as after a label changed every metric), and the selector's own time and queries.
3. Submits ``--submits`` labels one at a time, each in its own transaction (an ORM insert of a full label, as
   the submit service does), alternating batches with the quality triggers enabled and disabled, and reports
   the median extra time per submit (``submit_overhead_ms``).
4. Checks the summaries equal a full recomputation (the dashboard's alpha against the recomputed one), deletes
   the project, and prints as its LAST line one JSON object: ``read_p95_ms``, ``submit_overhead_ms`` and more.
"""
import argparse
import json
import os
import random
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CHUNK_ITEMS = 20_000
BATCH, WARMUP = 25, 3  # submits timed per batch (triggers on, then off, ...), untimed submits after each switch


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--items", type=int, default=200_000)
    parser.add_argument("--reads", type=int, default=60)
    parser.add_argument("--submits", type=int, default=300)
    args = parser.parse_args()
    if not os.environ.get("DATABASE_URL", "").startswith(("postgres://", "postgresql://")):
        sys.exit("set DATABASE_URL to a PostgreSQL database")
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "annotation_platform.settings")
    os.environ.setdefault("SECRET_KEY", "bench-only")
    os.environ["ALLOWED_HOSTS"] = os.environ.get("ALLOWED_HOSTS", "") + ",testserver"
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection, transaction
    from django.test import Client

    call_command("migrate", verbosity=0)
    from apps.accounts.models import User
    from apps.datasets.importers.bulk_insert import insert_rows
    from apps.datasets.models import Item, Prompt
    from apps.labeling.models import Label
    from apps.projects.services import DimensionSpec, project_create
    from apps.quality import metrics, selectors
    from apps.quality.stats.alpha import alpha_from_value_counts

    rng = random.Random(20261127)
    stamp = f"{time.time():.0f}"
    lead = User.objects.create_user(username=f"bench-lead-{stamp}", password="x", is_staff=True)
    raters = [User.objects.create_user(username=f"bench-rater{i}-{stamp}", password="x") for i in range(4)]
    dims = [DimensionSpec("helpfulness", "Helpfulness", "", 1, 5, {}), DimensionSpec("honesty", "Honesty", "", 1, 5, {})]
    project = project_create(user=lead, name=f"agreement bench {stamp}", dimensions=dims, overlap=3)
    n_items = args.items + args.submits + WARMUP * (args.submits // BATCH + 1)
    print(f"project {project.slug}: loading {args.items} items x 3 labels", flush=True)

    started = time.perf_counter()
    item_ids: list[int] = []
    with transaction.atomic():
        for lo in range(0, n_items, CHUNK_ITEMS):
            hi = min(n_items, lo + CHUNK_ITEMS)
            prompt_ids = insert_rows(Prompt, ["project_id", "messages", "content_hash"], [
                (project.pk, [{"role": "user", "content": f"q{i}"}], f"bench-{stamp}-{i}") for i in range(lo, hi)])
            item_ids += insert_rows(Item, ["project_id", "kind", "prompt_id", "external_id", "content_hash", "overlap"], [
                (project.pk, "pair", pid, f"b{i}", f"bench-{stamp}-{i}", 3) for i, pid in zip(range(lo, hi), prompt_ids)])
    items_s = time.perf_counter() - started

    def judgement():
        base = rng.choice([-2, -1, 0, 1, 2])
        return base, {"helpfulness": [rng.randint(1, 5), rng.randint(1, 5)],
                      "honesty": [rng.randint(1, 5), rng.randint(1, 5)]}

    started = time.perf_counter()
    labelled = item_ids[: args.items]
    columns = ["item_id", "annotator_id", "preference", "scores", "flags", "shown_order", "active_ms", "rationale"]
    for lo in range(0, len(labelled), CHUNK_ITEMS):
        rows = []
        for item_id in labelled[lo: lo + CHUNK_ITEMS]:
            bias = rng.choice([-1, 1])
            for rater in raters[:3]:
                pref, scores = judgement()
                pref = max(-2, min(2, pref + bias)) if rng.random() < 0.6 else pref
                rows.append((item_id, rater.pk, pref, scores, [], rng.choice([[0, 1], [1, 0]]),
                             rng.randint(2000, 60000), ""))
        with transaction.atomic():
            insert_rows(Label, columns, rows)
        print(f"  {lo + len(rows) // 3} items labelled, {time.perf_counter() - started:.0f} s", flush=True)
    labels_s = time.perf_counter() - started
    with connection.cursor() as cursor:
        for table in ("labeling_label", "datasets_item", "quality_patterncount", "quality_itemsplit",
                      "quality_itemunitpattern", "quality_annotatortally"):
            cursor.execute(f"VACUUM ANALYZE {table}")

    # 2. dashboard reads through Django
    client = Client()
    client.force_login(lead)
    url = f"/api/projects/{project.slug}/agreement/"
    reads = []
    for i in range(args.reads + 5):
        t0 = time.perf_counter()
        response = client.get(url, secure=True)
        elapsed = (time.perf_counter() - t0) * 1000
        assert response.status_code == 200, (response.status_code, response.headers, response.content[:300])
        if i >= 5:  # warm-up
            reads.append(elapsed)
    board = response.json()
    # the same read when every coefficient must be recomputed (as right after labels changed every metric)
    cold = []
    for i in range(args.reads // 2 + 2):
        selectors.RESULTS.clear()
        t0 = time.perf_counter()
        assert client.get(url, secure=True).status_code == 200
        if i >= 2:
            cold.append((time.perf_counter() - t0) * 1000)
    # where a read's time goes: the selector alone, and its queries
    from django.test.utils import CaptureQueriesContext
    selector_ms = []
    for _ in range(10):
        t0 = time.perf_counter()
        selectors.project_dashboard(project)
        selector_ms.append((time.perf_counter() - t0) * 1000)
    with CaptureQueriesContext(connection) as captured:
        selectors.project_dashboard(project)
    query_ms = sum(float(q["time"]) for q in captured.captured_queries) * 1000

    def p95(values):
        values = sorted(values)
        return values[min(len(values) - 1, int(round(0.95 * (len(values) - 1))))]

    read_p50 = statistics.median(reads)
    read_p95 = p95(reads)
    cold_p95 = p95(cold)

    # 3. submit overhead: one label per transaction, quality triggers on vs off, alternating batches
    # (ALTER TABLE ... ENABLE/DISABLE TRIGGER invalidates the cached plans of every statement on labeling_label,
    # the triggers' included: the first WARMUP submits after each switch are not timed, as a web worker's
    # long-lived connection has its plans cached)
    free = item_ids[args.items:]
    timings = {True: [], False: []}
    for b in range(0, len(free), BATCH + WARMUP):
        enabled = (b // (BATCH + WARMUP)) % 2 == 0
        with connection.cursor() as cursor:
            for name in ("quality_label_insert",):
                cursor.execute(f"ALTER TABLE labeling_label {'ENABLE' if enabled else 'DISABLE'} TRIGGER {name}")
        for n, item_id in enumerate(free[b: b + BATCH + WARMUP]):
            pref, scores = judgement()
            t0 = time.perf_counter()
            with transaction.atomic():
                Label.objects.create(item_id=item_id, annotator=raters[3], preference=pref, scores=scores,
                                     shown_order=[0, 1], active_ms=5000)
            if n >= WARMUP:
                timings[enabled].append((time.perf_counter() - t0) * 1000)
    with connection.cursor() as cursor:
        cursor.execute("ALTER TABLE labeling_label ENABLE TRIGGER quality_label_insert")
        # the labels inserted with the trigger off are not in the summaries: recount those items
        cursor.execute("SELECT quality_refresh_items(%s)", [free])
    on, off = statistics.median(timings[True]), statistics.median(timings[False])
    overhead = on - off
    # where a submit's extra time goes: the triggers' own execution time, from EXPLAIN ANALYZE of single-label
    # inserts (rolled back), without the commit
    trigger_ms: dict[str, list[float]] = {}
    probe = item_ids[args.items: args.items + 40]

    class Rollback(Exception):
        pass

    try:
        with transaction.atomic(), connection.cursor() as cursor:
            for item_id in probe:
                cursor.execute(
                    "EXPLAIN (ANALYZE, FORMAT JSON) INSERT INTO labeling_label (item_id, annotator_id, preference, "
                    "scores, flags, shown_order, active_ms, rationale, is_current, version, created_at, metadata, "
                    "source, finish_reason) VALUES (%s, %s, 1, '{\"helpfulness\": [1, 2], \"honesty\": [3, 4]}', "
                    "'[]', '[0, 1]', 5000, '', true, 1, now(), '{}', 'ui', '')", [item_id, raters[2].pk])
                for trig in cursor.fetchone()[0][0].get("Triggers", []):
                    trigger_ms.setdefault(trig["Trigger Name"], []).append(trig["Time"])
            raise Rollback
    except Rollback:
        pass
    trigger_medians = {name: round(statistics.median(v[5:]), 3) for name, v in trigger_ms.items()}

    # 4. check against a recomputation of the headline alpha from the labels
    counts: dict[int, dict] = {}
    for item_id, pref in Label.objects.filter(item__project=project, is_current=True).values_list("item_id", "preference"):
        c = counts.setdefault(item_id, {})
        c[pref] = c.get(pref, 0) + 1
    want = alpha_from_value_counts(counts.values(), "ordinal").value
    got = selectors.project_dashboard(project)["headline"]["alpha"]["value"]
    assert abs(want - got) < 1e-9, (want, got)

    print(f"loaded items in {items_s:.1f} s, {3 * args.items} labels in {labels_s:.1f} s by COPY with every trigger "
          f"active ({3 * args.items / labels_s:.0f} labels/s)")
    print(f"dashboard read through Django: p50 {read_p50:.1f} ms, p95 {read_p95:.1f} ms "
          f"(alpha {got:.4f}, {board['headline']['labels']} labels); with every coefficient recomputed "
          f"(cache cleared): p50 {statistics.median(cold):.1f} ms, p95 {cold_p95:.1f} ms")
    print(f"  of which the selector: median {statistics.median(selector_ms):.1f} ms, its "
          f"{len(captured.captured_queries)} queries {query_ms:.1f} ms; the rest is routing, auth and JSON")
    print(f"submit: median {on:.2f} ms with the quality triggers, {off:.2f} ms without: +{overhead:.2f} ms")
    print(f"  the triggers' own time per single-label insert (EXPLAIN ANALYZE, median): {trigger_medians}")

    # clean up: the project's rows, without the triggers (they would recount 200,000 items on the way out)
    with connection.cursor() as cursor:
        cursor.execute("ALTER TABLE labeling_label DISABLE TRIGGER quality_label_delete")
        try:
            cursor.execute("DELETE FROM labeling_label WHERE item_id IN (SELECT id FROM datasets_item WHERE project_id = %s)",
                           [project.pk])
        finally:
            cursor.execute("ALTER TABLE labeling_label ENABLE TRIGGER quality_label_delete")
    project.delete()
    with connection.cursor() as cursor:
        for table in ("quality_patterncount", "quality_itemsplit", "quality_itemunitpattern", "quality_annotatortally"):
            cursor.execute(f"DELETE FROM {table} WHERE project_id = %s", [project.pk])
    User.objects.filter(pk__in=[lead.pk] + [r.pk for r in raters]).delete()
    print(json.dumps({
        "items": args.items, "labels": 3 * args.items, "load_labels_s": round(labels_s, 1),
        "labels_per_s": round(3 * args.items / labels_s),
        "read_p50_ms": round(read_p50, 2), "read_p95_ms": round(read_p95, 2),
        "read_recomputed_p95_ms": round(cold_p95, 2), "selector_ms": round(statistics.median(selector_ms), 2),
        "submit_ms_with": round(on, 3), "submit_ms_without": round(off, 3),
        "submit_overhead_ms": round(overhead, 3), "trigger_ms": trigger_medians, "alpha": got,
    }))


if __name__ == "__main__":
    main()
