"""Keep ``datasets_item.labels_count`` equal to the item's current labels, in the database itself.

With the check constraint ``labels_count <= overlap`` on the item, no code path (ORM, bulk insert,
COPY, raw SQL) can give an item more current labels than its overlap: the insert fails.
"""
from django.db import migrations

POSTGRES_FORWARD = """
CREATE OR REPLACE FUNCTION labeling_label_count() RETURNS trigger AS $$
BEGIN
  IF TG_OP IN ('UPDATE', 'DELETE') AND OLD.is_current THEN
    UPDATE datasets_item SET labels_count = labels_count - 1 WHERE id = OLD.item_id;
  END IF;
  IF TG_OP IN ('INSERT', 'UPDATE') AND NEW.is_current THEN
    UPDATE datasets_item SET labels_count = labels_count + 1 WHERE id = NEW.item_id;
  END IF;
  RETURN NULL;
END
$$ LANGUAGE plpgsql;
CREATE TRIGGER labeling_label_count
  AFTER INSERT OR DELETE OR UPDATE OF is_current, item_id ON labeling_label
  FOR EACH ROW EXECUTE FUNCTION labeling_label_count();
"""
POSTGRES_BACKWARD = """
DROP TRIGGER IF EXISTS labeling_label_count ON labeling_label;
DROP FUNCTION IF EXISTS labeling_label_count();
DROP TRIGGER IF EXISTS labeling_label_count_insert ON labeling_label;
DROP TRIGGER IF EXISTS labeling_label_count_delete ON labeling_label;
DROP TRIGGER IF EXISTS labeling_label_count_update ON labeling_label;
"""  # the last three: the statement-level triggers of apps/labeling/label_count_sql.py that replace the row one

SQLITE_FORWARD = [
    """CREATE TRIGGER labeling_label_count_insert AFTER INSERT ON labeling_label WHEN NEW.is_current
       BEGIN UPDATE datasets_item SET labels_count = labels_count + 1 WHERE id = NEW.item_id; END""",
    """CREATE TRIGGER labeling_label_count_delete AFTER DELETE ON labeling_label WHEN OLD.is_current
       BEGIN UPDATE datasets_item SET labels_count = labels_count - 1 WHERE id = OLD.item_id; END""",
    """CREATE TRIGGER labeling_label_count_update AFTER UPDATE OF is_current, item_id ON labeling_label
       BEGIN
         UPDATE datasets_item SET labels_count = labels_count - 1 WHERE id = OLD.item_id AND OLD.is_current;
         UPDATE datasets_item SET labels_count = labels_count + 1 WHERE id = NEW.item_id AND NEW.is_current;
       END""",
]
SQLITE_BACKWARD = [
    "DROP TRIGGER IF EXISTS labeling_label_count_insert",
    "DROP TRIGGER IF EXISTS labeling_label_count_delete",
    "DROP TRIGGER IF EXISTS labeling_label_count_update",
]

BACKFILL = [
    """UPDATE datasets_item SET overlap = (
         SELECT p.overlap FROM projects_project p WHERE p.id = datasets_item.project_id)""",
    """UPDATE datasets_item SET labels_count = (
         SELECT COUNT(*) FROM labeling_label l WHERE l.item_id = datasets_item.id AND l.is_current)""",
]


def forward(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    statements = BACKFILL + ([POSTGRES_FORWARD] if vendor == "postgresql" else SQLITE_FORWARD)
    for statement in statements:
        schema_editor.execute(statement)


def backward(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    for statement in [POSTGRES_BACKWARD] if vendor == "postgresql" else SQLITE_BACKWARD:
        schema_editor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [
        ("labeling", "0002_assignment_and_label_fields"),
        ("datasets", "0002_item_overlap_and_labels_count"),
        ("projects", "0001_initial"),
    ]
    operations = [migrations.RunPython(forward, backward)]
