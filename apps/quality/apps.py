from django.apps import AppConfig
from django.db.models.signals import post_migrate


class QualityConfig(AppConfig):
    name = "apps.quality"
    label = "quality"

    def ready(self):
        from .trigger_guard import on_post_migrate

        # sender=self: once per migrate (the signal is sent for every app), after all migrations ran
        post_migrate.connect(on_post_migrate, sender=self, dispatch_uid="quality_trigger_guard")
