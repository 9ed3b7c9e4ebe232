"""``manage.py agreement PROJECT [--json] [--refresh] [--rebuild]``: every figure of the quality dashboard.

``--refresh`` first computes the heavy statistics (bootstrap intervals, Dawid-Skene, Cohen pairs, trends)
synchronously instead of reading the snapshot the Celery task stored; ``--rebuild`` first recomputes the
trigger-kept summaries from the labels (a repair). ``--json`` prints the dashboard dict as JSON (the same
dict GET /api/projects/<slug>/agreement/ returns); without it, a readable summary.
"""
import json

from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction

from apps.projects.models import Project
from apps.quality import heavy, selectors
from apps.quality.rebuild import rebuild_summaries


def _fmt(stat: dict) -> str:
    if stat.get("value") is None:
        return f"not defined: {stat.get('reason')}"
    return f"{stat['value']:.4f}"


class Command(BaseCommand):
    help = "Print a project's agreement and calibration figures (every figure of its dashboard)."

    def add_arguments(self, parser):
        parser.add_argument("project", help="the project's slug")
        parser.add_argument("--json", action="store_true", help="print the whole dashboard as JSON")
        parser.add_argument("--refresh", action="store_true", help="compute the heavy statistics now")
        parser.add_argument("--rebuild", action="store_true", help="recompute the live summaries from the labels")
        parser.add_argument("--window", choices=selectors.TREND_WINDOW_CHOICES, default="auto",
                            help="the trends' time window (default: the one that suits the labels' time span)")

    def handle(self, *args, project, **options):
        target = Project.objects.filter(slug=project).first()
        if target is None:
            raise CommandError(f"no project with slug {project!r}")
        if options["rebuild"]:
            with transaction.atomic():
                rebuild_summaries(connection, target.pk)
        if options["refresh"]:
            heavy.refresh_snapshot(target)
        board = selectors.project_dashboard(target, trend_window=options["window"])
        if options["json"]:
            self.stdout.write(json.dumps(board, indent=2, default=str))
            return
        h = board["headline"]
        self.stdout.write(f"{target.name} ({target.slug}), {target.task_type}")
        self.stdout.write(f"labels {h['labels']}, items {h['items']} ({h['items_complete']} complete), "
                          f"annotators {h['annotators']}")
        interval = h["alpha_interval"]
        ci = f" [{interval['low']:.3f}, {interval['high']:.3f}]" if interval["low"] is not None else \
            f" (interval: {interval['reason']})"
        self.stdout.write(f"alpha ({h['metric']}, {h['level']}): {_fmt(h['alpha'])}{ci}")
        gold = h["gold_accuracy"]
        self.stdout.write(f"gold accuracy: {gold['accuracy'] if gold['accuracy'] is not None else '-'} "
                          f"({gold['correct']}/{gold['total']}){'; ' + gold['reason'] if gold['reason'] else ''}")
        for name in ("preference", "ranking", "steps"):
            block = board[name]
            if block:
                for key, value in block.items():
                    if isinstance(value, dict) and "value" in value:
                        self.stdout.write(f"{name} {key}: {_fmt(value)}")
        for row in board["dimensions"]:
            self.stdout.write(f"dimension {row['key']}: ordinal alpha {_fmt(row['alpha_ordinal'])}, "
                              f"interval alpha {_fmt(row['alpha_interval'])}, AC2 {_fmt(row['ac2_quadratic'])}")
        for row in board["annotators"]:
            flags = ", ".join(row["flagged"]) or "-"
            self.stdout.write(f"annotator {row['username']}: {row['labels']} labels, flags: {flags}")
        self.stdout.write(f"heavy statistics: {board['heavy']['computed_at'] or board['heavy']['reason']}")
