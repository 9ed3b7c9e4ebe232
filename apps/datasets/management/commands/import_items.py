"""``manage.py import_items PROJECT FILE [--format F] [--user USERNAME]``: import a file from the shell."""
import os

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from apps.accounts.models import User
from apps.datasets.models import ImportBatch, ImportFormat
from apps.datasets.services import import_file
from apps.projects.models import Project


class Command(BaseCommand):
    help = "Import prompts, responses and labels from a file into a project (all rows or none)."

    def add_arguments(self, parser):
        parser.add_argument("project", help="the project's slug")
        parser.add_argument("file", help="path of the file to import")
        parser.add_argument("--format", choices=ImportFormat.values, help="the file's format (default: sniffed)")
        parser.add_argument("--user", help="username recorded as the uploader")

    def handle(self, *args, project, file, format=None, user=None, **options):
        target = Project.objects.filter(slug=project).first()
        if target is None:
            raise CommandError(f"no project with slug {project!r}")
        uploader = None
        if user:
            uploader = User.objects.filter(username=user, is_external=False).first()
            if uploader is None:
                raise CommandError(f"no user named {user!r}")
        try:
            with open(file, "rb") as handle:
                data = handle.read(settings.IMPORT_MAX_BYTES + 1)  # one byte over is enough to reject it
        except OSError as error:
            raise CommandError(f"cannot read {file}: {error.strerror}") from None
        batch = import_file(project=target, user=uploader, data=data, filename=os.path.basename(file), fmt=format)
        if batch.status == ImportBatch.Status.REJECTED:
            for error in batch.errors:
                where = f"line {error['line']}" if error["line"] is not None else "file"
                self.stderr.write(f"{where}: {error['reason']}")
            raise CommandError(f"{batch.filename} rejected ({len(batch.errors)} errors listed); nothing imported")
        self.stdout.write(
            f"Imported {batch.filename} ({batch.get_format_display()}) into {target.slug}: "
            f"{batch.rows_read} rows read, {batch.items_created} items created, {batch.items_skipped} skipped, "
            f"{batch.labels_created} labels created, {len(batch.warnings)} warnings"
        )
        for warning in batch.warnings:
            where = f"line {warning['line']}" if warning["line"] is not None else "file"
            self.stdout.write(f"warning: {where}: {warning['reason']}")
