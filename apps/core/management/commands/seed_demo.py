"""``python manage.py seed_demo``: the demo users, projects and items, then the logins to use."""
import os

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.shortcuts import resolve_url

from apps.core.demo.projects import USERS
from apps.core.demo.seeding import seed_demo


class Command(BaseCommand):
    help = "Create the demo users, projects and items (safe to run again: it changes nothing then)."

    def add_arguments(self, parser):
        host, port = os.environ.get("HOST", "127.0.0.1"), os.environ.get("PORT", "8000")
        parser.add_argument("--url", default=f"http://{host}:{port}",
                            help="Where the site is served, for the printed links (default from HOST and PORT).")

    def handle(self, *args, url: str, **options):
        try:
            report = seed_demo()
        except ValidationError as error:
            raise CommandError(" ".join(error.messages)) from None
        for seeded in report.projects:
            project, batch = seeded.project, seeded.imported
            state = "created" if seeded.created else "already there"
            added = f", {batch.items_created} imported now" if batch else ""
            self.stdout.write(
                f"Project {project.name!r} ({project.slug}): {state}; "
                f"{seeded.items} items, {seeded.gold_items} gold{added}."
            )
        if report.users_created:
            self.stdout.write(f"Users created: {', '.join(report.users_created)}.")

        self.stdout.write("\nDemo logins (accounts that already existed keep their passwords):")
        self.stdout.write(f"  {'username':<12} {'password':<17} role")
        for user in USERS:
            role = f"{user.role} (site staff, superuser)" if user.staff else user.role
            self.stdout.write(f"  {user.username:<12} {user.password:<17} {role}")
        login = url.rstrip("/") + resolve_url(settings.LOGIN_URL)
        self.stdout.write(self.style.SUCCESS(f"\nOpen {login}"))
