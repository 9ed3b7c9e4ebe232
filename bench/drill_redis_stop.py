"""Redis drill: annotators label over HTTP while the drill's own Redis (broker and cache) is stopped mid-way.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/ap_drill .venv/bin/python bench/drill_redis_stop.py \\
        [--annotators 6] [--seconds 60] [--stop-redis-at S (default: a third of --seconds)] \\
        [--redis-down S (default: a third of --seconds)] [--beat-seconds 30]

It starts its own ``redis-server`` on a free port (never the shared one on 6379), a Celery worker on the queues
``default`` and ``gpu`` with beat (``-B``, ``RM_BEAT_SECONDS`` as in production unless ``--beat-seconds``), and
gunicorn as ``drill_load.py`` does, all with ``CELERY_BROKER_URL`` (db 0) and ``CACHE_URL`` (db 1) on that Redis,
as docker-compose.yml runs them. The annotators are ``drill_load``'s retrying API clients. At ``--stop-redis-at``
Redis is stopped; while it is down the drill

- counts the labels stored meanwhile (labelling goes on),
- logs in through the login page as a browser does (login throttling keeps its counters in the cache: it must
  fail open, not answer 500), then opens the projects page with that session,
- starts a training run through the API as a project admin: the answer must be 201 with ``enqueued: false``
  and the "queue is unavailable" message, and the run must stay queued.

Then Redis comes back (empty, as after a crash without persistence) and the drill waits until the run is
handed to a worker and starts: beat's sweep (``runs_sweep``) sends queued runs the broker refused again. Once
it runs, the drill cancels it through the API (training on the drill's random labels proves nothing) and
waits until it is cancelled.

Checks: zero 5xx (annotators, login, API), labels stored while Redis was down > 0, labels stored == labels
acknowledged (none lost, none unacknowledged, none duplicated), no item over its overlap, the login and the
queued run as above, the run started after Redis returned. Prints what it saw and, as its LAST line, one JSON
object (``drill_load``'s figures plus the Redis ones). Exits 1 when a check fails.
"""
import json
import os
import secrets
import shutil
import sys
import tempfile
import time
from pathlib import Path

import annotate_load as kit
import drill_load
import drill_services as svc

RUN_PARAMETERS = {"epochs": 1, "batch_size": 32, "max_length": 32, "ensemble_size": 1, "heldout_share": 0.1}


def parser():
    p = drill_load.parser()
    p.description = __doc__.split("\n\n")[0]
    p.set_defaults(annotators=6, seconds=60, items=3000)
    p.add_argument("--stop-redis-at", type=float, default=None, help="seconds into the load (default: a third)")
    p.add_argument("--redis-down", type=float, default=None, help="seconds Redis stays down (default: a third)")
    p.add_argument("--redis-port", type=int, default=0, help="default: a free port")
    p.add_argument("--beat-seconds", type=float, default=30.0, help="the worker's RM_BEAT_SECONDS (production: 30)")
    p.add_argument("--start-timeout", type=float, default=180.0, help="how long the run may take to start")
    return p


def _wait_status(port, path, token, wanted, timeout) -> tuple[dict, float | None]:
    deadline = time.time() + timeout
    run = {}
    while time.time() < deadline:
        status, run, _ = svc.api(port, "GET", path, token)
        if status == 200 and run.get("status") in wanted:
            return run, time.time()
        time.sleep(0.5)
    return run, None


def fault(args, redis: svc.RedisServer):
    """The ``during`` hook of drill_load.run_drill: stop Redis, probe, start Redis, wait for the run."""

    def during(*, project, port, begin, users):
        from apps.accounts.models import Membership, Role, User
        from apps.accounts.services import token_create
        from apps.labeling.models import Label
        from apps.rewardmodels.services import QUEUE_UNAVAILABLE

        password = secrets.token_urlsafe(16)
        admin = User.objects.create_user(username=f"drill-admin-{project.pk}", password=password)
        users.append(admin)
        Membership.objects.create(user=admin, project=project, role=Role.ADMIN)
        token = token_create(user=admin, name="drill")[1]
        runs = f"/api/projects/{project.slug}/models/runs/"
        statuses = []  # the drill's own requests (login pages, API)

        def labels() -> int:
            return Label.objects.filter(item__project=project).count()

        login_up = svc.login(port, admin.username, password)
        statuses += [login_up["form"], login_up["post"], login_up["page"]]
        time.sleep(max(0.0, begin + args.stop_redis_at - time.time()))
        labels_at_stop = labels()
        redis.stop()
        down_at = time.time()
        print(f"Redis stopped at +{down_at - begin:.1f} s ({labels_at_stop} labels stored so far)", flush=True)

        login_down = svc.login(port, admin.username, password)
        statuses += [login_down["form"], login_down["post"], login_down["page"]]
        print(f"login while Redis is down: form {login_down['form']}, POST {login_down['post']} "
              f"(session cookie: {login_down['session']}), projects page {login_down['page']}", flush=True)
        start_status, started, start_s = svc.api(port, "POST", runs, token, RUN_PARAMETERS)
        statuses.append(start_status)
        run_id = started.get("id")
        detail = f"{runs}{run_id}/"
        print(f"start a training run while Redis is down: {start_status} in {start_s:.1f} s, enqueued "
              f"{started.get('enqueued')}, status {started.get('status')}: {started.get('progress_message')!r}",
              flush=True)

        time.sleep(max(0.0, down_at + args.redis_down - time.time()))
        seen_status, seen, _ = svc.api(port, "GET", detail, token) if run_id else (0, {}, 0.0)
        statuses.append(seen_status)
        labels_at_restart = labels()
        redis.start()
        up_at = time.time()
        print(f"Redis back at +{up_at - begin:.1f} s after {up_at - down_at:.1f} s down; the run was still "
              f"{seen.get('status')}; {labels_at_restart - labels_at_stop} labels stored while it was down", flush=True)

        running, started_at = _wait_status(port, detail, token, {"running", "succeeded", "failed", "cancelled"},
                                           args.start_timeout) if run_id else ({}, None)
        if started_at is not None:
            print(f"the run was handed to a worker and is {running.get('status')} {started_at - up_at:.1f} s after "
                  f"Redis came back (attempt {running.get('attempts')})", flush=True)
        else:
            print(f"the run did not start within {args.start_timeout:.0f} s of Redis coming back: "
                  f"{running.get('status')} {running.get('progress_message')!r}", flush=True)
        final = running
        if running.get("status") == "running":
            cancel_status, _, _ = svc.api(port, "POST", f"{detail}cancel/", token)
            statuses.append(cancel_status)
            final, _ = _wait_status(port, detail, token, {"succeeded", "failed", "cancelled"}, 120)
            print(f"cancelled it through the API ({cancel_status}): {final.get('status')}", flush=True)
        return {
            "redis_down_s": round(up_at - down_at, 1),
            "labels_while_redis_down": labels_at_restart - labels_at_stop,
            "login_while_redis_down": login_down["post"] == 302 and login_down["session"] and login_down["page"] == 200,
            "login_while_redis_down_status": login_down["post"],
            "run_start_status": start_status,
            "run_start_s": round(start_s, 2),
            "run_enqueued_while_down": started.get("enqueued"),
            "run_queue_unavailable_message": started.get("progress_message") == QUEUE_UNAVAILABLE,
            "run_status_while_down": seen.get("status"),
            "run_started": started_at is not None,
            "run_started_after_redis_back_s": round(started_at - up_at, 1) if started_at else None,
            "run_final_status": final.get("status"),
            "drill_requests_5xx": sum(1 for s in statuses if s >= 500 or s == 0),
        }

    return during


def main() -> None:
    args = parser().parse_args()
    args.stop_redis_at = args.seconds / 3 if args.stop_redis_at is None else args.stop_redis_at
    args.redis_down = args.seconds / 3 if args.redis_down is None else args.redis_down
    if not os.environ.get("DATABASE_URL", "").startswith(("postgres://", "postgresql://")):
        sys.exit("set DATABASE_URL to a PostgreSQL database (it is migrated first)")
    redis = svc.RedisServer(args.redis_port).start()
    workdir = Path(tempfile.mkdtemp(prefix="drill-redis-"))
    worker = None
    try:
        # Celery reads CELERY_BROKER_URL from the environment before the settings: gunicorn (started by
        # run_drill with this environment) and the worker both use the drill's Redis.
        os.environ.update(CELERY_BROKER_URL=redis.url(0), CACHE_URL=redis.url(1))
        print(f"own redis-server on port {redis.port}; worker log {workdir / 'worker.log'}", flush=True)
        worker = svc.celery_worker(
            svc.drill_env(RM_BEAT_SECONDS=args.beat_seconds, MODEL_STORE=workdir / "store"), workdir / "worker.log",
            beat_schedule=workdir / "beat-schedule")
        svc.wait_for_log(workdir / "worker.log", r"ready\.", process=worker)
        figures = drill_load.run_drill(args, during=fault(args, redis))
    finally:
        if worker is not None:
            kit._stop(worker)
        redis.stop()
    figures["redis_port"] = redis.port
    checks = {
        "no 5xx from the annotators": figures["status_5xx"] == 0,
        "no 5xx or dropped connection on the drill's own requests": figures["drill_requests_5xx"] == 0,
        "labels stored while Redis was down": figures["labels_while_redis_down"] > 0,
        "labels stored == acknowledged, none lost or duplicated, no item over its overlap": figures["ok"],
        "login through the login page while Redis was down": figures["login_while_redis_down"],
        "run start answered 201 with enqueued false": figures["run_start_status"] == 201
        and figures["run_enqueued_while_down"] is False,
        "run start said the queue is unavailable": figures["run_queue_unavailable_message"],
        "the run stayed queued while Redis was down": figures["run_status_while_down"] == "queued",
        "the run started after Redis came back": figures["run_started"],
    }
    for name, passed in checks.items():
        print(f"{'ok  ' if passed else 'FAIL'} {name}")
    figures["failed_checks"] = [name for name, passed in checks.items() if not passed]
    figures["ok"] = all(checks.values())
    if figures["ok"]:
        shutil.rmtree(workdir, ignore_errors=True)
    else:
        print(f"worker log kept in {workdir}:\n{svc.tail(workdir / 'worker.log')}")
    print(json.dumps(figures))
    sys.exit(0 if figures["ok"] else 1)


if __name__ == "__main__":
    main()
