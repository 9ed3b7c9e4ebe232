"""The triggers that keep ``datasets_item.labels_count`` equal to the item's current labels (see
``migrations/0003_label_count_trigger.py``), in a form that can be (re)installed at any time.

- PostgreSQL: statement-level triggers with transition tables: one ``UPDATE`` of the touched items per
  statement, however many rows (a ``COPY`` of 60,000 labels updates each item once instead of running
  60,000 row triggers: the row version of 0003 made bulk label loads several times slower). The items are
  locked in id order first, so concurrent statements never deadlock on them. The check constraint
  ``labels_count <= overlap`` still rejects the statement that would overfill an item.
- SQLite (``make run``): row triggers. SQLite drops a table's triggers whenever Django rebuilds the table in a
  later migration (``labeling/0004`` does), so :func:`ensure` is called after every ``migrate``
  (``apps.quality.apps``' ``post_migrate`` handler): it reinstalls what is missing and recounts.
"""
PG_FUNCTIONS = """
CREATE OR REPLACE FUNCTION labeling_label_count_inserted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  WITH d AS (SELECT item_id, count(*) AS n FROM new_rows WHERE is_current GROUP BY item_id),
  locked AS (SELECT i.id FROM datasets_item i JOIN d ON d.item_id = i.id ORDER BY i.id FOR UPDATE OF i)
  UPDATE datasets_item i SET labels_count = i.labels_count + d.n FROM d, (SELECT count(*) FROM locked) l
   WHERE i.id = d.item_id;
  RETURN NULL;
END
$$;
CREATE OR REPLACE FUNCTION labeling_label_count_deleted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  WITH d AS (SELECT item_id, count(*) AS n FROM old_rows WHERE is_current GROUP BY item_id),
  locked AS (SELECT i.id FROM datasets_item i JOIN d ON d.item_id = i.id ORDER BY i.id FOR UPDATE OF i)
  UPDATE datasets_item i SET labels_count = i.labels_count - d.n FROM d, (SELECT count(*) FROM locked) l
   WHERE i.id = d.item_id;
  RETURN NULL;
END
$$;
CREATE OR REPLACE FUNCTION labeling_label_count_updated() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  WITH d AS (
    SELECT item_id, sum(n) AS n FROM (
      SELECT item_id, 1 AS n FROM new_rows WHERE is_current
      UNION ALL
      SELECT item_id, -1 FROM old_rows WHERE is_current
    ) x GROUP BY item_id HAVING sum(n) <> 0
  ),
  locked AS (SELECT i.id FROM datasets_item i JOIN d ON d.item_id = i.id ORDER BY i.id FOR UPDATE OF i)
  UPDATE datasets_item i SET labels_count = i.labels_count + d.n FROM d, (SELECT count(*) FROM locked) l
   WHERE i.id = d.item_id;
  RETURN NULL;
END
$$;
"""

PG_TRIGGER_NAMES = ("labeling_label_count_insert", "labeling_label_count_delete", "labeling_label_count_update")

PG_TRIGGERS = """
DROP TRIGGER IF EXISTS labeling_label_count ON labeling_label;
DROP TRIGGER IF EXISTS labeling_label_count_insert ON labeling_label;
DROP TRIGGER IF EXISTS labeling_label_count_delete ON labeling_label;
DROP TRIGGER IF EXISTS labeling_label_count_update ON labeling_label;
CREATE TRIGGER labeling_label_count_insert AFTER INSERT ON labeling_label
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION labeling_label_count_inserted();
CREATE TRIGGER labeling_label_count_delete AFTER DELETE ON labeling_label
  REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION labeling_label_count_deleted();
CREATE TRIGGER labeling_label_count_update AFTER UPDATE ON labeling_label
  REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT
  EXECUTE FUNCTION labeling_label_count_updated();
"""

SQLITE_TRIGGER_NAMES = PG_TRIGGER_NAMES
SQLITE_TRIGGERS = [
    """CREATE TRIGGER IF NOT EXISTS labeling_label_count_insert AFTER INSERT ON labeling_label WHEN NEW.is_current
       BEGIN UPDATE datasets_item SET labels_count = labels_count + 1 WHERE id = NEW.item_id; END""",
    """CREATE TRIGGER IF NOT EXISTS labeling_label_count_delete AFTER DELETE ON labeling_label WHEN OLD.is_current
       BEGIN UPDATE datasets_item SET labels_count = labels_count - 1 WHERE id = OLD.item_id; END""",
    """CREATE TRIGGER IF NOT EXISTS labeling_label_count_update AFTER UPDATE OF is_current, item_id ON labeling_label
       BEGIN
         UPDATE datasets_item SET labels_count = labels_count - 1 WHERE id = OLD.item_id AND OLD.is_current;
         UPDATE datasets_item SET labels_count = labels_count + 1 WHERE id = NEW.item_id AND NEW.is_current;
       END""",
]

RECOUNT = """
UPDATE datasets_item SET labels_count = (
  SELECT count(*) FROM labeling_label l WHERE l.item_id = datasets_item.id AND l.is_current)
WHERE labels_count <> (SELECT count(*) FROM labeling_label l WHERE l.item_id = datasets_item.id AND l.is_current)
"""


def installed(connection) -> bool:
    """Whether the three label-count triggers exist on ``labeling_label``."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT count(*) FROM pg_trigger WHERE tgrelid = 'labeling_label'::regclass AND tgname = ANY(%s)",
                [list(PG_TRIGGER_NAMES)],
            )
        else:
            cursor.execute(
                "SELECT count(*) FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'labeling_label' "
                "AND name IN (%s, %s, %s)", list(SQLITE_TRIGGER_NAMES),
            )
        return cursor.fetchone()[0] == len(PG_TRIGGER_NAMES)


def install(connection) -> None:
    """Create (or replace) the triggers; on PostgreSQL this also replaces the row trigger of 0003."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(PG_FUNCTIONS)
            cursor.execute(PG_TRIGGERS)
        elif connection.vendor == "sqlite":
            for statement in SQLITE_TRIGGERS:
                cursor.execute(statement)
        else:  # pragma: no cover - the platform runs on PostgreSQL and SQLite only
            raise NotImplementedError(f"no label-count triggers for {connection.vendor}")


def recount(connection) -> int:
    """Set every item's ``labels_count`` to its current labels (after the triggers were missing); returns
    how many items were wrong."""
    with connection.cursor() as cursor:
        cursor.execute(RECOUNT)
        return cursor.rowcount


def ensure(connection) -> bool:
    """Install the triggers where any is missing (and recount the items, which may have drifted meanwhile); on
    PostgreSQL also move a database from the row trigger of 0003 to the statement-level ones. Returns whether
    it had to install them."""
    if installed(connection):
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute(PG_FUNCTIONS)  # this version's bodies (no lock on the table)
        return False
    install(connection)
    recount(connection)
    return True
