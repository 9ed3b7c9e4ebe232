"""After every ``migrate`` (Django's ``post_migrate`` signal), make sure the database triggers the platform
relies on exist and are the current version, whatever the migrations did to the tables since.

SQLite drops a table's triggers when Django rebuilds the table (it does for many ``AlterField``/``AddField``/
constraint operations, e.g. ``labeling/0004``), silently: labels would stop being counted on their items and the
quality summaries would stop following the labels. So on every ``migrate`` (also the no-op one):

- the label-count triggers (:mod:`apps.labeling.label_count_sql`) are reinstalled where missing, and the items'
  ``labels_count`` recounted;
- the quality triggers (:mod:`apps.quality.live_sql`) are (re)created, and where any was missing the summaries
  are rebuilt from the labels (:mod:`apps.quality.rebuild`), since labels may have changed meanwhile.

On PostgreSQL the triggers survive table changes; there the same call verifies them and installs the current
function bodies (``CREATE OR REPLACE``), so a deployment picks up a faster trigger without a migration.
Nothing happens while the tables do not exist yet (a partial ``migrate``).
"""
from django.db import connections, transaction

from apps.labeling import label_count_sql

from . import live_sql

TABLES = {"labeling_label", "datasets_item", "quality_patterncount", "quality_itemunitpattern",
          "quality_itemsplit", "quality_annotatortally"}


def ensure_triggers(connection, verbosity: int = 1) -> dict:
    """Install missing triggers (and repair what they keep); returns ``{"label_count": bool, "quality": bool}``
    telling which had to be reinstalled."""
    done = {"label_count": False, "quality": False}
    if connection.vendor not in ("postgresql", "sqlite"):
        return done
    if not TABLES <= set(connection.introspection.table_names()):
        return done
    with transaction.atomic(using=connection.alias):
        done["label_count"] = label_count_sql.ensure(connection)
        quality_present = live_sql.installed(connection)
        if quality_present and connection.vendor == "postgresql":
            live_sql.refresh_functions(connection)  # this version's bodies; no lock on the tables
        else:
            if connection.vendor == "sqlite":
                live_sql.uninstall(connection)  # trigger bodies may have changed: recreate them
            live_sql.install(connection)
        if not quality_present:
            live_sql.rebuild(connection)
            done["quality"] = True
    if verbosity >= 1:
        for name, reinstalled in done.items():
            if reinstalled:
                print(f"  Reinstalled the {name.replace('_', '-')} triggers on labeling_label and repaired what "
                      "they keep.")
    return done


def on_post_migrate(sender, using="default", verbosity=1, **kwargs):
    ensure_triggers(connections[using], verbosity)
