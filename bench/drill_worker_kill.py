"""Worker-kill drill: a real Celery worker SIGKILLed (its whole process group) mid-training and mid-rescoring.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/ap_drill .venv/bin/python bench/drill_worker_kill.py \\
        [--labelled 48] [--unlabelled 500] [--epochs 2] [--max-length 64] [--kill-rescore-after 1]

It starts its own ``redis-server`` on a free port (never the shared one on 6379) and, pointed at it and at
``DATABASE_URL``, two Celery workers as docker-compose.yml's ``worker`` and ``gpu-worker``: one on queue
``default`` carrying beat (``-B``), one on queue ``gpu`` (prefork, concurrency 1), the one that is killed. The
model store is a temporary folder. The data: a project of generated HH-style pairs (``bench/rm_pairs.py``),
``--labelled`` of them labelled, the rest open; the base model is the packaged MiniLM.

1. Training: a run starts; once the worker reports a training step, ``SIGKILL`` goes to the gpu worker's
   process group. The run must end failed (the code's policy when the whole worker is gone: its heartbeat
   stops and beat's sweep fails it after ``RM_STALE_SECONDS``; the drill runs beat every ``--beat-seconds``
   and stale after ``--stale-seconds`` to finish in minutes, production's defaults are 30 s and 120 s), with
   no ModelVersion row and no model folder for it in the store (a ``.tmp-*`` leftover would not be a version).
   A fresh gpu worker then trains the next run to success.
2. Rescoring: that version is promoted; the rescore task reads every response of the project, scores them
   (the long part) and writes the scores. The drill watches ``pg_stat_activity``: once the worker's last query
   is that read of the responses, it is scoring; ``--kill-rescore-after`` seconds later, still scoring (no
   query since), its process group gets SIGKILL. The version's scores must be all there or none (they are
   written in one transaction), and the queue untouched.
   Then, with a fresh gpu worker, "promote again" (what the page offers for a rescoring that did not
   complete) sends the rescoring again and it completes: one score per response.

Prints what it saw and, as its LAST line, one JSON object. Exits 1 when a check fails.
"""
import argparse
import json
import os
import random
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import annotate_load as kit  # noqa: E402  (the shared machinery: stopping process groups)
import drill_services as svc  # noqa: E402  (the drills' own Redis, Celery workers)
from rm_pairs import generate  # noqa: E402  (generated HH-style pairs)


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--labelled", type=int, default=48, help="labelled pairs (the training data)")
    p.add_argument("--unlabelled", type=int, default=500, help="open pairs (only rescored)")
    p.add_argument("--epochs", type=int, default=2)
    p.add_argument("--batch-size", type=int, default=4)
    p.add_argument("--max-length", type=int, default=64)
    p.add_argument("--kill-rescore-after", type=float, default=1.0,
                   help="seconds after the worker read the responses and began scoring them")
    p.add_argument("--beat-seconds", type=float, default=2.0, help="RM_BEAT_SECONDS (production: 30)")
    p.add_argument("--stale-seconds", type=int, default=6, help="RM_STALE_SECONDS (production: 120)")
    p.add_argument("--redis-port", type=int, default=0, help="default: a free port")
    p.add_argument("--keep", action="store_true", help="keep the project, the store and the logs")
    return p


def rows(labelled: int, unlabelled: int) -> bytes:
    rng = random.Random(7)
    lines = []
    for i, pair in enumerate(generate(labelled + unlabelled, seed=11)):
        first_chosen = rng.random() < 0.5
        row = {"id": f"k{i}", "prompt": pair.prompt,
               "responses": [pair.chosen, pair.rejected] if first_chosen else [pair.rejected, pair.chosen]}
        if i < labelled:
            row["labels"] = [{"annotator": "drill-kill-a1", "preference": 1 if first_chosen else -1}]
        lines.append(json.dumps(row))
    return "\n".join(lines).encode()


def wait_until(check, timeout: float, every: float = 0.1):
    deadline = time.time() + timeout
    while time.time() < deadline:
        value = check()
        if value:
            return value
        time.sleep(every)
    return None


def main() -> None:
    args = parser().parse_args()
    if not os.environ.get("DATABASE_URL", "").startswith(("postgres://", "postgresql://")):
        sys.exit("set DATABASE_URL to a PostgreSQL database (it is migrated first)")
    redis = svc.RedisServer(args.redis_port).start()
    workdir = Path(tempfile.mkdtemp(prefix="drill-kill-"))
    store_dir = workdir / "store"
    settings = {"CELERY_BROKER_URL": redis.url(0), "CACHE_URL": redis.url(1), "MODEL_STORE": store_dir,
                "RM_BEAT_SECONDS": args.beat_seconds, "RM_STALE_SECONDS": args.stale_seconds,
                "RM_HEARTBEAT_SECONDS": max(0.5, args.stale_seconds / 4)}
    os.environ.update({k: str(v) for k, v in settings.items()})  # this process sends tasks to the drill's Redis
    env = svc.drill_env(**settings)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "annotation_platform.settings")
    os.environ.setdefault("SECRET_KEY", env["SECRET_KEY"])
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from apps.datasets.models import Item, Response
    from apps.datasets.services import import_file
    from apps.projects.services import project_create, project_delete
    from apps.rewardmodels import services
    from apps.rewardmodels.models import ModelVersion, RunStatus, Score, TrainingRun

    call_command("migrate", verbosity=0)
    procs, logs = {}, {}
    figures: dict = {"redis_port": redis.port}
    checks: dict[str, bool] = {}
    project = None

    def start_worker(name: str, queues: str, beat: bool = False):
        logs[name] = workdir / f"{name}.log"
        procs[name] = svc.celery_worker(env, logs[name], queues=queues,
                                        beat_schedule=workdir / "beat-schedule" if beat else None)
        svc.wait_for_log(logs[name], r"ready\.", process=procs[name])

    def run_state(run_id):
        return TrainingRun.objects.filter(pk=run_id).values("status", "step", "total_steps", "error",
                                                            "attempts").first()

    def reading_responses():
        """(pid, last query) of the backend whose last query read the project's responses to score them."""
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT pid, query FROM pg_stat_activity WHERE datname = current_database() AND pid <> "
                "pg_backend_pid() AND query LIKE %s AND query LIKE %s",
                ['SELECT "datasets_response"."id"%',
                 '%"datasets_prompt"."messages"% FROM "datasets_response" INNER JOIN%'])
            return cursor.fetchone()

    def last_query(pid):
        with connection.cursor() as cursor:
            cursor.execute("SELECT query FROM pg_stat_activity WHERE pid = %s", [pid])
            row = cursor.fetchone()
        return row[0] if row else None

    def store_view():
        """Folders in the model store: what a reader can see as a version, and temporary leftovers."""
        names = sorted(p.name for p in store_dir.iterdir()) if store_dir.is_dir() else []
        return [n for n in names if not n.startswith(".")], [n for n in names if n.startswith(".")]

    parameters = {"epochs": args.epochs, "batch_size": args.batch_size, "max_length": args.max_length,
                  "ensemble_size": 1, "heldout_share": 0.25, "learning_rate": 5e-5}
    began = time.time()
    try:
        project = project_create(user=None, name=f"kill drill {int(began)}-{os.getpid()}", overlap=1)
        batch = import_file(project=project, user=None, data=rows(args.labelled, args.unlabelled),
                            filename="drill.jsonl", fmt="native")
        if batch.status != "accepted":
            raise SystemExit(f"import rejected: {batch.errors[:3]}")
        responses = Response.objects.filter(project=project).count()
        print(f"project {project.slug}: {args.labelled} labelled and {args.unlabelled} open pairs, {responses} "
              f"responses; own redis-server on port {redis.port}; logs in {workdir}", flush=True)
        start_worker("default", "default", beat=True)
        start_worker("gpu-1", "gpu")

        # --- 1. SIGKILL mid-training ------------------------------------------------------------------------
        run1, enqueued = services.run_start(project, parameters=parameters)
        at_kill = wait_until(lambda: (lambda s: s if s and s["status"] == RunStatus.RUNNING and s["step"] >= 1
                                      else None)(run_state(run1.pk)), 240)
        if at_kill is None:
            raise SystemExit(f"run {run1.pk} never reported a training step: {run_state(run1.pk)}\n"
                             f"{svc.tail(logs['gpu-1'])}")
        svc.kill_group(procs.pop("gpu-1"))
        killed_at = time.time()
        print(f"SIGKILL to the gpu worker's process group at step {at_kill['step']} of {at_kill['total_steps']} "
              f"of run {run1.pk}", flush=True)
        ended = wait_until(lambda: (lambda s: s if s["status"] not in (RunStatus.QUEUED, RunStatus.RUNNING)
                                    else None)(run_state(run1.pk)), args.stale_seconds + 10 * args.beat_seconds + 60)
        state = run_state(run1.pk)
        visible, temporary = store_view()
        registered = set(ModelVersion.objects.filter(project=project).values_list("path", flat=True))
        print(f"run {run1.pk} ended {state['status']} {time.time() - killed_at:.1f} s after the kill: "
              f"{state['error'][:120]!r}; versions {len(registered)}, model folders {visible}, "
              f"temporary leftovers {temporary}", flush=True)
        figures.update({
            "train_killed_at_step": at_kill["step"], "train_total_steps": at_kill["total_steps"],
            "killed_run_status": state["status"], "killed_run_ended_after_s": round(time.time() - killed_at, 1)
            if ended else None,
            "killed_run_versions": ModelVersion.objects.filter(run_id=run1.pk).count(),
            "killed_run_folder": services.version_name(run1) in visible,
            "store_temporary_leftovers": len(temporary),
        })
        checks["killed run ends failed (or retried)"] = state["status"] in (RunStatus.FAILED, RunStatus.SUCCEEDED) \
            and (state["status"] == RunStatus.FAILED or state["attempts"] > 1)
        checks["killed run registered no version"] = figures["killed_run_versions"] == 0
        checks["no model folder for the killed run"] = not figures["killed_run_folder"]
        checks["store shows only registered versions"] = set(visible) == registered

        start_worker("gpu-2", "gpu")
        run2, enqueued = services.run_start(project, parameters=parameters)
        wait_until(lambda: run_state(run2.pk)["status"] not in (RunStatus.QUEUED, RunStatus.RUNNING), 300, 0.5)
        run2.refresh_from_db()
        version = ModelVersion.objects.filter(run=run2).first()
        trained_s = (run2.finished_at - run2.started_at).total_seconds() if run2.finished_at and run2.started_at else 0
        print(f"next run {run2.pk} on a fresh worker: {run2.status} in {trained_s:.1f} s"
              f"{f', version {version.number} at {version.path}' if version else ''}", flush=True)
        figures.update({"next_run_status": run2.status,
                        "next_run_accuracy": version.metrics.get("pairwise_accuracy") if version else None})
        checks["next run succeeds with its files in the store"] = bool(
            run2.status == RunStatus.SUCCEEDED and version and (store_dir / version.path / "metadata.json").is_file())
        if not version:
            raise SystemExit(f"no version to promote; gpu worker log:\n{svc.tail(logs['gpu-2'])}")
        # The evaluation of the new version (queue default) first, so that it does not share the CPU with rescoring.
        wait_until(lambda: "current_heldout" in ModelVersion.objects.get(pk=version.pk).metrics, 180, 0.5)

        # --- 2. SIGKILL mid-rescore -------------------------------------------------------------------------
        priorities_before = dict(Item.objects.filter(project=project).values_list("pk", "priority"))
        offset = logs["gpu-2"].stat().st_size
        version, enqueued = services.version_promote(version)
        received = svc.wait_for_log(logs["gpu-2"], r"worker\.tasks\.gpu\.rescore\[[^\]]+\] received", after=offset,
                                    timeout=60, process=procs["gpu-2"])
        reader = wait_until(reading_responses, 120, 0.05)
        time.sleep(args.kill_rescore_after)
        scoring = reader is not None and last_query(reader[0]) == reader[1]  # no query since: still scoring
        done_before_kill = ModelVersion.objects.filter(pk=version.pk, rescored_at__isnull=False).exists()
        svc.kill_group(procs.pop("gpu-2"))
        kill_after = time.time() - received
        scores_after_kill = Score.objects.filter(version=version).count()
        priorities_after = dict(Item.objects.filter(project=project).values_list("pk", "priority"))
        print(f"SIGKILL to the gpu worker's process group {kill_after:.1f} s after it received the rescoring, "
              f"while scoring: {scoring} (finished before the kill: {done_before_kill}); scores of version "
              f"{version.number} visible: {scores_after_kill} of "
              f"{responses}; queue priorities changed: {priorities_after != priorities_before}", flush=True)
        figures.update({"rescore_killed_after_s": round(kill_after, 1), "rescore_killed_while_scoring": scoring,
                        "rescore_finished_before_kill": done_before_kill,
                        "scores_visible_after_kill": scores_after_kill, "responses": responses})
        checks["rescore was killed mid-way (scoring, not finished)"] = scoring and not done_before_kill
        checks["scores of the version all there or none after the kill"] = scores_after_kill in (0, responses)
        checks["queue untouched by the killed rescore"] = (scores_after_kill == responses
                                                           or priorities_after == priorities_before)

        if done_before_kill:
            raise SystemExit("the rescoring finished before the kill: nothing to check (a slower machine than this?)")
        start_worker("gpu-3", "gpu")
        offset = logs["gpu-3"].stat().st_size
        version, resent = services.version_promote(ModelVersion.objects.get(pk=version.pk))  # "promote again"
        received = svc.wait_for_log(logs["gpu-3"], r"worker\.tasks\.gpu\.rescore\[[^\]]+\] received", after=offset,
                                    timeout=60, process=procs["gpu-3"])
        rescored = wait_until(lambda: ModelVersion.objects.filter(pk=version.pk, rescored_at__isnull=False).exists(),
                              300, 0.2)
        took = time.time() - received
        final_scores = Score.objects.filter(version=version).count()
        print(f"promote again: rescoring sent again ({resent}) and {'completed' if rescored else 'NOT completed'} in "
              f"{took:.1f} s on a fresh worker: {final_scores} of {responses} responses scored", flush=True)
        figures.update({"rescore_retry_sent": resent, "rescore_retry_completed": bool(rescored),
                        "rescore_retry_s": round(took, 1), "scores_after_retry": final_scores,
                        "rescore_killed_at_fraction": round(kill_after / took, 2) if took else None})
        checks["retried rescore completes with one score per response"] = bool(resent and rescored
                                                                               and final_scores == responses)
    finally:
        for proc in procs.values():
            kit._stop(proc)
        redis.stop()
        connection.close()
        if project is not None and not args.keep:
            ModelVersion.objects.filter(project=project).delete()  # versions protect their runs
            project_delete(project)
    figures["seconds"] = round(time.time() - began, 1)
    for name, passed in checks.items():
        print(f"{'ok  ' if passed else 'FAIL'} {name}")
    figures["failed_checks"] = [name for name, passed in checks.items() if not passed]
    figures["ok"] = bool(checks) and all(checks.values())
    if figures["ok"] and not args.keep:
        shutil.rmtree(workdir, ignore_errors=True)
    else:
        print(f"logs and model store kept in {workdir}")
    print(json.dumps(figures))
    sys.exit(0 if figures["ok"] else 1)


if __name__ == "__main__":
    main()
