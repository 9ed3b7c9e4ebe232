"""``manage.py export_scores PROJECT [--model-version N] [--format jsonl|csv] [--output FILE]``: a version's scores.

Every response the version scored, in response id order (``selectors.score_lines``: the same rows the Models page
and ``GET /api/projects/<slug>/models/versions/<number>/scores/`` download). Without ``--model-version``, the
project's active version. Writes to standard output, or to FILE (written beside it first and moved into place when
complete, so a failed export never leaves a half file under the name). A summary goes to standard error.
"""
from django.core.management.base import BaseCommand, CommandError

from apps.core.streaming import write_whole

from apps.projects.models import Project
from apps.rewardmodels import selectors, services


class Command(BaseCommand):
    help = "Export a reward-model version's scores as JSON lines or CSV."

    def add_arguments(self, parser):
        parser.add_argument("project", help="the project's slug")
        parser.add_argument("--model-version", type=int, dest="number",
                            help="version number (default: the active one)")
        parser.add_argument("--format", choices=list(selectors.SCORE_FORMATS), default="jsonl", dest="fmt")
        parser.add_argument("--output", help="file to write (default: standard output)")

    def handle(self, *args, project, number=None, fmt="jsonl", output=None, **options):
        target = Project.objects.filter(slug=project).first()
        if target is None:
            raise CommandError(f"no project with slug {project!r}")
        if number is None:
            version = selectors.active_version(target, services.kind_for(target))
            if version is None:
                raise CommandError(f"{target.slug} has no active model version; name one with --model-version")
        else:
            version = selectors.version_get(target, number)
            if version is None:
                raise CommandError(f"{target.slug} has no model version {number}")
        rows = 0
        lines = selectors.score_lines(version, fmt)
        if output:
            try:
                rows = write_whole(output, lines)
            except OSError as error:
                raise CommandError(f"cannot write {output}: {error.strerror}") from None
        else:
            for line in lines:
                self.stdout.write(line, ending="")
                rows += 1
        rows -= fmt == "csv"  # the header row
        self.stderr.write(f"Exported {rows} scores of {target.slug} model v{version.number} "
                          f"to {output or 'standard output'}")
