"""The integer summaries of the labels and the snapshot of heavy statistics, and the database triggers that
keep the summaries (``apps/quality/live_sql.py``: a statement-level trigger on PostgreSQL, row triggers on
SQLite), then a rebuild of the summaries from the labels already stored."""
import django.db.models.deletion
from django.db import migrations, models


def install(apps, schema_editor):
    from apps.quality import live_sql

    live_sql.install(schema_editor.connection)
    live_sql.rebuild(schema_editor.connection)


def uninstall(apps, schema_editor):
    from apps.quality import live_sql

    live_sql.uninstall(schema_editor.connection)


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ("projects", "0002_step_marking_settings"),
        ("datasets", "0002_item_overlap_and_labels_count"),
        ("labeling", "0004_label_step_notes_and_finish"),
    ]

    operations = [
        migrations.CreateModel(
            name="AnnotatorTally",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("project_id", models.BigIntegerField()),
                ("annotator_id", models.BigIntegerField()),
                ("labels", models.BigIntegerField(default=0)),
                ("preferences", models.BigIntegerField(default=0, help_text="Labels with a preference.")),
                ("ties", models.BigIntegerField(default=0)),
                ("decisive", models.BigIntegerField(default=0, help_text="Preferences that are not ties, with a shown order.")),
                ("left_picks", models.BigIntegerField(default=0, help_text="Decisive picks of the response shown first.")),
                ("timed", models.BigIntegerField(default=0)),
                ("active_ms_total", models.BigIntegerField(default=0)),
                ("gold_total", models.BigIntegerField(default=0)),
                ("gold_correct", models.BigIntegerField(default=0)),
                ("first_label_at", models.DateTimeField(blank=True, null=True)),
                ("last_label_at", models.DateTimeField(blank=True, null=True)),
            ],
            options={
                "constraints": [
                    models.UniqueConstraint(fields=("project_id", "annotator_id"), name="quality_annotator_tally_once")
                ],
            },
        ),
        migrations.CreateModel(
            name="ItemSplit",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("item_id", models.BigIntegerField(unique=True)),
                ("project_id", models.BigIntegerField()),
                ("metric", models.CharField(max_length=80)),
                ("labels", models.PositiveSmallIntegerField()),
                ("pairs", models.IntegerField()),
                ("disagreeing", models.IntegerField()),
                ("distance", models.FloatField()),
                ("split", models.FloatField()),
                ("updated_at", models.DateTimeField()),
            ],
            options={
                "indexes": [
                    models.Index(
                        condition=models.Q(("disagreeing__gt", 0)),
                        fields=["project_id", "-split", "-distance", "item_id"],
                        name="quality_item_split_queue",
                    )
                ],
            },
        ),
        migrations.CreateModel(
            name="ItemUnitPattern",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("project_id", models.BigIntegerField()),
                ("item_id", models.BigIntegerField()),
                ("metric", models.CharField(max_length=80)),
                ("unit", models.IntegerField()),
                ("pattern", models.TextField()),
                ("size", models.PositiveSmallIntegerField(help_text="Values in the unit (m).")),
            ],
            options={
                "indexes": [models.Index(fields=["project_id", "metric"], name="quality_unit_pattern_metric")],
                "constraints": [
                    models.UniqueConstraint(fields=("item_id", "metric", "unit"), name="quality_unit_pattern_once")
                ],
            },
        ),
        migrations.CreateModel(
            name="PatternCount",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("project_id", models.BigIntegerField()),
                ("metric", models.CharField(max_length=80)),
                ("pattern", models.TextField()),
                ("size", models.PositiveSmallIntegerField()),
                ("units", models.BigIntegerField()),
            ],
            options={
                "constraints": [
                    models.UniqueConstraint(fields=("project_id", "metric", "pattern"), name="quality_pattern_count_once"),
                ],
            },
        ),
        migrations.CreateModel(
            name="StatsSnapshot",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("computed_at", models.DateTimeField()),
                ("duration_ms", models.PositiveIntegerField(default=0)),
                ("labels_seen", models.BigIntegerField(default=0, help_text="Current labels when computed.")),
                ("data", models.JSONField(default=dict)),
                (
                    "project",
                    models.OneToOneField(
                        on_delete=django.db.models.deletion.CASCADE, related_name="stats_snapshot", to="projects.project"
                    ),
                ),
            ],
        ),
        migrations.RunPython(install, uninstall),
    ]
