"""Load drill: N concurrent simulated annotators (default 50) for a duration (default 300 s) on gunicorn +
PostgreSQL, then the invariants checked in the database.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/ap_drill .venv/bin/python bench/drill_load.py \\
        [--annotators 50] [--seconds 300] [--items 20000] [--workers 3] [--threads 4] [--restart-postgres-at S]

Reuses ``bench/annotate_load.py``'s machinery (data, gunicorn start and stop, percentiles). Each annotator is a
thread with its own keep-alive connection looping POST …/assignments/next/ → POST …/submit/ over the API with a
token, as a client script would, and RETRIES: a failed connection or a 5xx on ``next`` asks again; on
``submit`` it sends the same submit again (submitting is idempotent per assignment: a repeat returns the label
stored the first time with 200), so a request lost in flight never becomes a lost or duplicated label. A label
counts as acknowledged when a submit answered 201 or 200 with its id.

Checks afterwards: zero 5xx (outside a PostgreSQL restart window when ``--restart-postgres-at`` is given, see
``drill_postgres_restart.py``), every acknowledged label stored and nothing else (``lost``,
``unacknowledged``), no duplicate (one annotator twice on an item), no item over its overlap. Prints latency
percentiles per call and, as its LAST line, one JSON object. Exits 1 when a check fails.
"""
import argparse
import http.client
import json
import multiprocessing
import os
import random
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))

import annotate_load as kit  # noqa: E402  (the shared machinery: data rows, gunicorn, percentiles)

RETRY_PAUSE = 0.2


def _annotator(port, slug, token, deadline, out, seed):
    rng = random.Random(seed)
    headers = {"Authorization": f"Token {token}", "Content-Type": "application/json", "Accept": "application/json"}
    conn = None
    calls, acked, failures, done = [], [], [], False

    def call(kind, path, body=b""):
        nonlocal conn
        started = time.time()
        try:
            if conn is None:
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            conn.request("POST", path, body=body, headers=headers)
            response = conn.getresponse()
            data = response.read()
            status = response.status
        except (OSError, http.client.HTTPException) as error:
            if conn is not None:
                conn.close()
            conn = None
            failures.append((kind, started, type(error).__name__))
            status, data = 0, b""
        calls.append((kind, started, time.time() - started, status))
        return status, data

    while time.time() < deadline:
        status, data = call("next", f"/api/projects/{slug}/assignments/next/")
        if status == 204:
            done = True
            break
        if status != 200:
            time.sleep(RETRY_PAUSE)  # a failed connection or a 5xx: ask again
            continue
        assignment = json.loads(data)
        body = json.dumps({
            "preference": rng.choice((-1, 0, 1)),
            "scores": {"helpfulness": [rng.randint(1, 5), rng.randint(1, 5)],
                       "honesty": [rng.randint(1, 5), rng.randint(1, 5)]},
            "active_ms": rng.randint(2000, 60000),
        }).encode()
        url = f"/api/projects/{slug}/assignments/{assignment['id']}/submit/"
        for _attempt in range(100):  # the same submit until it is answered (idempotent)
            status, data = call("submit", url, body)
            if status in (200, 201):
                acked.append(json.loads(data)["id"])
                break
            if status == 409 or 400 <= status < 500:
                break  # refused (e.g. the lease ran out): nothing acknowledged, move on
            time.sleep(RETRY_PAUSE)
    if conn is not None:
        conn.close()
    out.append({"calls": calls, "acked": acked, "failures": failures, "done": done})


def restart_postgres() -> tuple[float, float, str]:
    version = sorted(os.listdir("/etc/postgresql"))[-1]
    began = time.time()
    result = subprocess.run(["pg_ctlcluster", "--skip-systemctl-redirect", version, "main", "restart"],
                            capture_output=True, text=True)
    for _ in range(60):
        if subprocess.run(["pg_isready", "-h", "127.0.0.1", "-p", "5432", "-q"]).returncode == 0:
            break
        time.sleep(0.5)
    return began, time.time(), (result.stdout + result.stderr).strip()


def run_drill(args, during=None) -> dict:
    """The drill; ``during(project=, port=, begin=, users=)``, when given, runs in this process while the
    clients label (e.g. a fault and what must hold during it); the dict it returns joins the figures, and
    users it appends to ``users`` are deleted at the end."""
    if not os.environ.get("DATABASE_URL", "").startswith(("postgres://", "postgresql://")):
        sys.exit("set DATABASE_URL to a PostgreSQL database (it is migrated first)")
    sys.path.insert(0, str(ROOT))
    os.environ["DJANGO_SETTINGS_MODULE"] = "annotation_platform.settings"
    os.environ.setdefault("SECRET_KEY", "drill-only-secret")
    os.environ.update(SECURE_SSL_REDIRECT="0", SECURE_COOKIES="0", SECURE_HSTS_SECONDS="0", QUERY_COUNT_HEADER="0")
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.db.models import Count, F

    from apps.accounts.models import Membership, Role, User
    from apps.accounts.services import token_create
    from apps.datasets.models import Item
    from apps.datasets.services import import_file
    from apps.labeling.models import Label
    from apps.projects.services import DimensionSpec, project_create, project_delete

    call_command("migrate", verbosity=0)
    args.port = kit._free_port(args.port)
    run = f"{int(time.time())}-{os.getpid()}"
    project = project_create(
        user=None, name=f"drill {run}", overlap=3, randomize_sides=True,
        dimensions=[DimensionSpec("helpfulness", "Helpfulness", "", 1, 5, {}),
                    DimensionSpec("honesty", "Honesty", "", 1, 5, {})],
    )
    users = []
    try:
        batch = import_file(project=project, user=None, data=kit._rows(0, args.items, 0), filename="drill.jsonl",
                            fmt="native")
        if batch.status != "accepted":
            raise SystemExit(f"import rejected: {batch.errors[:3]}")
        tokens = []
        for i in range(args.annotators):
            user = User.objects.create_user(username=f"drill-{run}-{i}", password=None)
            users.append(user)
            Membership.objects.create(user=user, project=project, role=Role.ANNOTATOR)
            tokens.append(token_create(user=user, name="drill")[1])
        print(f"project {project.slug}: {args.items} items (overlap 3), {args.annotators} annotators")

        args.worker_class, args.worker_connections, args.gunicorn_config = "gthread", 0, None
        server = kit._start_gunicorn(args)
        restart = None
        try:
            queue = multiprocessing.get_context("fork").Queue()
            begin = time.time()
            deadline = begin + args.seconds
            groups = [tokens[i::args.client_processes] for i in range(args.client_processes)]
            connection.close()
            procs = [multiprocessing.get_context("fork").Process(
                target=kit._client_process, args=(args.port, project.slug, group, deadline, queue, 1000 * i, _annotator))
                for i, group in enumerate(groups) if group]
            for proc in procs:
                proc.start()
            extra = during(project=project, port=args.port, begin=begin, users=users) if during else {}
            if args.restart_postgres_at is not None:
                time.sleep(args.restart_postgres_at)
                print(f"restarting PostgreSQL at +{time.time() - begin:.1f} s ...", flush=True)
                restart = restart_postgres()
                print(f"PostgreSQL back after {restart[1] - restart[0]:.1f} s {restart[2]}", flush=True)
            results = [client for _ in procs for client in queue.get(timeout=args.seconds + 300)]
            for proc in procs:
                proc.join()
            finished = time.time()
        finally:
            kit._stop(server)

        connection.close()
        errors = [r["error"] for r in results if "error" in r]
        if errors:
            raise SystemExit(f"a client failed: {errors[0]}")
        calls = [c for r in results for c in r["calls"]]
        acked = [label for r in results for label in r["acked"]]
        failures = [f for r in results for f in r["failures"]]
        # Requests that started during the restart (plus a margin for those in flight when it began).
        window = (restart[0] - 30, restart[1] + 10) if restart else None

        def in_window(t):
            return window is not None and window[0] <= t <= window[1]

        server_errors = [c for c in calls if c[3] >= 500]
        outside = [c for c in server_errors if not in_window(c[1])]
        stored = set(Label.objects.filter(item__project=project).values_list("pk", flat=True))
        lost = len(set(acked) - stored)
        unacknowledged = len(stored - set(acked))
        duplicate_acks = len(acked) - len(set(acked))
        over_overlap = (
            Label.objects.filter(item__project=project, is_current=True).values("item", "item__overlap")
            .annotate(n=Count("pk")).filter(n__gt=F("item__overlap")).count()
            + Item.objects.filter(project=project, labels_count__gt=F("overlap")).count()
        )
        twice = (Label.objects.filter(item__project=project, is_current=True).values("item", "annotator")
                 .annotate(n=Count("pk")).filter(n__gt=1).count())
        ok_calls = [c for c in calls if 200 <= c[3] < 300]
        figures = {
            "annotators": args.annotators, "seconds": round(finished - begin, 1), "items": args.items,
            "requests": len(calls), "labels_acknowledged": len(set(acked)), "labels_stored": len(stored),
            "lost": lost, "unacknowledged": unacknowledged, "duplicated": duplicate_acks + twice,
            "over_overlap": over_overlap, "status_5xx": len(server_errors), "status_5xx_outside_restart": len(outside),
            "connection_failures": len(failures),
            "labels_per_s": round(len(set(acked)) / max(1e-9, finished - begin), 1),
        }
        for kind in ("next", "submit"):
            latencies = [c[2] * 1000 for c in ok_calls if c[0] == kind]
            for q in (50, 95, 99):
                value = kit._pct(latencies, q)
                figures[f"{kind}_p{q}_ms"] = round(value, 1) if value is not None else None
        figures.update(extra or {})
        if restart:
            figures["postgres_restart_s"] = round(restart[1] - restart[0], 2)
        figures["ok"] = (lost == 0 and unacknowledged == 0 and figures["duplicated"] == 0 and over_overlap == 0
                         and not outside and len(stored) == len(set(acked)))
        print(f"requests {len(calls)}, 5xx {len(server_errors)} ({len(outside)} outside a restart window), "
              f"connection failures {len(failures)}")
        print(f"labels acknowledged {len(set(acked))}, stored {len(stored)}: lost {lost}, unacknowledged "
              f"{unacknowledged}, duplicated {figures['duplicated']}, items over overlap {over_overlap}")
        print("latency ms: " + ", ".join(f"{k} {v}" for k, v in figures.items() if k.endswith("_ms")))
        return figures
    finally:
        if not args.keep:
            project_delete(project)
            User.objects.filter(pk__in=[u.pk for u in users]).delete()


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--annotators", type=int, default=50)
    p.add_argument("--seconds", type=float, default=300)
    p.add_argument("--items", type=int, default=20000, help="enough that 50 annotators do not empty the queue in 5 minutes")
    p.add_argument("--port", type=int, default=0)
    p.add_argument("--workers", type=int, default=3)
    p.add_argument("--threads", type=int, default=4)
    p.add_argument("--client-processes", type=int, default=2)
    p.add_argument("--restart-postgres-at", type=float, default=None,
                   help="restart PostgreSQL this many seconds into the load")
    p.add_argument("--keep", action="store_true")
    return p


def main() -> None:
    figures = run_drill(parser().parse_args())
    print(json.dumps(figures))
    sys.exit(0 if figures["ok"] else 1)


if __name__ == "__main__":
    main()
