"""``manage.py train_reward_model PROJECT [options] [--wait] [--json]``: start a training run from the shell.

The run goes to the Celery queue like one started on the Models page. ``--wait`` follows it until it
finishes (progress on standard error); ``--json`` (implies ``--wait``) prints the run's metrics as one
JSON object on standard output when it is done. ``--inline`` trains in this process instead of a
worker (no broker needed). ``--promote`` promotes the new version when the run succeeds. The exit
status is 1 when the run fails or is cancelled.
"""
import json
import sys
import time

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from apps.projects.models import Project
from apps.rewardmodels import services
from apps.rewardmodels.models import FINISHED_STATUSES, RunStatus, TrainingRun

OPTIONS = {
    "base_model": str, "epochs": int, "learning_rate": float, "batch_size": int, "max_length": int,
    "ensemble_size": int, "heldout_share": float, "seed": int, "warmup_ratio": float,
}


class Command(BaseCommand):
    help = "Start a reward-model training run on a project's current labels."

    def add_arguments(self, parser):
        parser.add_argument("project", help="the project's slug")
        parser.add_argument("--kind", choices=["outcome", "process"], help="default: from the project's task type")
        for name, kind in OPTIONS.items():
            parser.add_argument("--" + name.replace("_", "-"), dest=name, type=kind)
        parser.add_argument("--tie-policy", choices=["drop", "equal"], dest="tie_policy")
        parser.add_argument("--use-margin", action="store_true", dest="use_margin", default=None)
        parser.add_argument("--wait", action="store_true", help="follow the run until it finishes")
        parser.add_argument("--json", action="store_true", help="print the run's metrics as JSON when done")
        parser.add_argument("--inline", action="store_true", help="train in this process, not on a worker")
        parser.add_argument("--promote", action="store_true", help="promote the new version when the run succeeds")
        parser.add_argument("--timeout", type=float, default=0, help="give up waiting after this many seconds")
        parser.add_argument("--poll", type=float, default=1.0, help=argparse_suppress())

    def handle(self, *args, **opts):
        project = Project.objects.filter(slug=opts["project"]).first()
        if project is None:
            raise CommandError(f"No project with slug {opts['project']!r}.")
        parameters = {name: opts[name] for name in [*OPTIONS, "tie_policy", "use_margin"] if opts.get(name) is not None}
        try:
            run, enqueued = services.run_start(project, kind=opts["kind"], parameters=parameters,
                                               enqueue=not opts["inline"])
        except ValidationError as error:
            raise CommandError(" ".join(error.messages)) from None
        self.stderr.write(f"Run {run.pk} queued ({run.kind}, {run.snapshot_label_ids.__len__()} labels).")
        if opts["inline"]:
            from worker.tasks.rewardmodels import train

            train.apply(args=[run.pk])
        elif not enqueued:
            self.stderr.write(services.QUEUE_UNAVAILABLE)
        if not (opts["wait"] or opts["json"] or opts["inline"]):
            return
        run = self._follow(run, opts["timeout"], opts["poll"])
        if opts["promote"] and run.status == RunStatus.SUCCEEDED:
            version, _ = services.version_promote(run.version)
            self.stderr.write(f"Version {version.number} promoted.")
        if opts["json"]:
            self.stdout.write(json.dumps({k: v for k, v in run.metrics.items() if k != "heldout_groups"}))
        if run.status != RunStatus.SUCCEEDED:
            raise CommandError(f"Run {run.pk} {run.status}: {run.error.strip().splitlines()[-1] if run.error else ''}")

    def _follow(self, run: TrainingRun, timeout: float, poll: float) -> TrainingRun:
        started, last = time.monotonic(), None
        while True:
            run = TrainingRun.objects.get(pk=run.pk)
            line = f"{run.status}: step {run.step}/{run.total_steps} {run.progress_message}"
            if line != last:
                self.stderr.write(line)
                last = line
            if run.status in FINISHED_STATUSES:
                return run
            if timeout and time.monotonic() - started > timeout:
                raise CommandError(f"Run {run.pk} still {run.status} after {timeout:g} s.")
            time.sleep(poll)


def argparse_suppress():
    import argparse

    return argparse.SUPPRESS
