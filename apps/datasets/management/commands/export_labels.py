"""``manage.py export_labels PROJECT --format F [--output FILE] [options]``: stream an export from the shell.

Writes JSON lines to standard output, or to FILE (written beside it first and moved into place
when complete, so a failed export never leaves a half file under the name). A summary goes to
standard error.
"""
from django.core.management.base import BaseCommand, CommandError

from apps.core.streaming import write_whole
from apps.datasets import exporters
from apps.datasets.exporters import FORMATS
from apps.datasets.exporters.counts import ExportCounts
from apps.datasets.exporters.options import (
    AGGREGATE_CHOICES,
    CONVERSATIONAL_CHOICES,
    GOLD_CHOICES,
    NEUTRAL_CHOICES,
    ExportOptions,
    OptionError,
)
from apps.datasets.exports import export_lines
from apps.projects.models import Project


class Command(BaseCommand):
    help = "Export a project's labels as JSON lines: " + ", ".join(FORMATS) + "."

    def add_arguments(self, parser):
        parser.add_argument("project", help="the project's slug")
        parser.add_argument("--format", required=True, choices=list(FORMATS), help="the export format")
        parser.add_argument("--output", help="file to write (default: standard output)")
        parser.add_argument("--gold", choices=GOLD_CHOICES, default="include",
                            help="include or leave out gold items (trl, ranking_pairs, fastchat)")
        parser.add_argument("--margin", action="store_true",
                            help="add TRL's margin, the mean preference strength toward the chosen side")
        parser.add_argument("--conversational", choices=CONVERSATIONAL_CHOICES, default="auto",
                            help="message lists when a prompt needs them (auto) or always (trl, ranking_pairs)")
        parser.add_argument("--current-only", action="store_true",
                            help="leave out superseded label versions (labels, step_labels)")
        parser.add_argument("--aggregate", choices=AGGREGATE_CHOICES, default="majority",
                            help="trl: the chosen side by majority of the labels, or by each item's Dawid-Skene "
                                 "label (adjudicated labels win over both)")
        parser.add_argument("--neutral", choices=NEUTRAL_CHOICES, default="project",
                            help="trl_stepwise: neutral (0) steps become false, true, or the project's setting")

    def handle(self, *args, project, format, output=None, **options):
        target = Project.objects.filter(slug=project).first()
        if target is None:
            raise CommandError(f"no project with slug {project!r}")
        try:
            export_options = ExportOptions.from_params({
                "gold": options["gold"], "margin": options["margin"], "conversational": options["conversational"],
                "current_only": options["current_only"], "neutral": options["neutral"],
                "aggregate": options["aggregate"],
            })
        except OptionError as error:
            raise CommandError(str(error)) from None
        fmt = exporters.export_format(format)
        counts = ExportCounts()
        lines = export_lines(target, fmt, export_options, counts)
        if output:
            self._write_file(output, lines)
        else:
            for line in lines:
                self.stdout.write(line, ending="")
        skipped = f", {counts.no_majority} pairs without a majority skipped" if counts.no_majority else ""
        if counts.dawid_skene_fallback:
            skipped += (f", {counts.dawid_skene_fallback} pairs by majority (no Dawid-Skene label for their current "
                        "labels yet)")
        where = output or "standard output"
        self.stderr.write(f"Exported {counts.rows} {fmt.key} rows of {target.slug} to {where}{skipped}")

    @staticmethod
    def _write_file(path: str, lines) -> None:
        try:
            write_whole(path, lines)
        except OSError as error:
            raise CommandError(f"cannot write {path}: {error.strerror}") from None
