"""The database triggers that keep the quality summaries equal to the current labels, on every code path.

Whatever changes ``labeling_label`` (the services, an import's ``COPY``, ``bulk_create``, a queryset
``update``/``delete``, raw SQL, Django's cascading deletes), the triggers recompute the *patterns* of the
items it touched from their current labels and move each unit's count from its old pattern to its new one
(``quality_patterncount``), so the counts always equal a recomputation from scratch. They also keep the
per-annotator counts (``quality_annotatortally``, by adding the changed rows and subtracting the replaced
ones) and each item's split on the project's headline metric (``quality_itemsplit``).

- PostgreSQL: statement-level triggers with transition tables: one call per statement, however many rows
  (a 600,000-label ``COPY`` is one call). The items touched are locked first (``FOR UPDATE``, in id order),
  so two transactions changing labels of one item never compute from stale patterns. The same refresh is
  compiled twice: ``quality_refresh_one(item)`` for statements touching few items (a submit: its plan is cached
  per connection, ~0.5 ms), ``quality_refresh_many(items)`` for bulk statements (planned per statement, with the
  work memory a 20,000-item chunk needs; old unit rows deleted first, new ones inserted plainly);
  ``quality_refresh_items`` picks one by the number of items.
- Also ``datasets_item`` has triggers: they keep each project's item count (``quality_patterncount`` row with
  metric ``items``), so a dashboard never counts a project's items.
- SQLite (``make run``): row triggers doing the same for the row's item. SQLite drops a table's triggers
  when Django rebuilds the table in a later migration: ``apps.quality.trigger_guard`` runs after every
  ``migrate`` and reinstalls them (and the label-count triggers of ``apps.labeling.label_count_sql``), rebuilding
  the summaries when any was missing.

:mod:`apps.quality.rebuild` computes the same tables in Python from the labels (the full recomputation the
tests compare against, also used to fill the tables when the triggers are installed).
The value extraction here and ``apps.quality.metrics.label_values`` must stay twins.
"""
from apps.labeling.judgements import FLAGS

FLAG_KEYS = tuple(FLAGS)
HEADLINE = {"pair": "preference", "ranking": "rank_pair", "steps": "step"}
TRIGGER_NAMES_SQLITE = ("quality_label_insert", "quality_label_delete", "quality_label_update")
ITEM_TRIGGER_NAMES = ("quality_item_insert", "quality_item_delete")  # keep the ``items`` count (metric "items")
ITEMS_METRIC = "items"

# --------------------------------------------------------------------------------------------------------------
# PostgreSQL
# --------------------------------------------------------------------------------------------------------------

_PG_FLAGS = "ARRAY[" + ", ".join(f"'{k}'" for k in FLAG_KEYS) + "]::text[]"

PG_FUNCTIONS = r"""
CREATE OR REPLACE FUNCTION quality_first_wrong(ratings jsonb) RETURNS int LANGUAGE sql IMMUTABLE AS $$
  SELECT COALESCE((SELECT (min(e.ord) - 1)::int FROM jsonb_array_elements(
           CASE WHEN jsonb_typeof(ratings) = 'array' THEN ratings ELSE '[]'::jsonb END) WITH ORDINALITY e(v, ord)
         WHERE e.v = '-1'::jsonb), -1)
$$;

CREATE OR REPLACE FUNCTION quality_gold_correct(
  kind text, is_gold boolean, gold jsonb, preference int, ranks jsonb, step_ratings jsonb
) RETURNS int LANGUAGE sql IMMUTABLE AS $$
  SELECT CASE
    WHEN is_gold IS NOT TRUE OR gold IS NULL THEN NULL
    WHEN kind = 'pair' THEN CASE
      WHEN preference IS NULL OR COALESCE(jsonb_typeof(gold -> 'preference'), '') <> 'number' THEN NULL
      WHEN sign(preference) = sign((gold ->> 'preference')::numeric) THEN 1 ELSE 0 END
    WHEN kind = 'ranking' THEN CASE
      WHEN COALESCE(jsonb_typeof(ranks), '') <> 'array'
        OR COALESCE(jsonb_typeof(gold -> 'ranks'), '') <> 'array' THEN NULL
      WHEN ranks = gold -> 'ranks' THEN 1 ELSE 0 END
    WHEN kind = 'steps' THEN CASE
      WHEN COALESCE(jsonb_typeof(step_ratings), '') <> 'array'
        OR COALESCE(jsonb_typeof(gold -> 'steps'), '') <> 'array' THEN NULL
      WHEN quality_first_wrong(step_ratings) = quality_first_wrong(gold -> 'steps') THEN 1 ELSE 0 END
    ELSE NULL END
$$;

"""

_PG_REFRESH_BODY = r"""
CREATE OR REPLACE FUNCTION __NAME__(item_ids bigint[]) RETURNS void LANGUAGE plpgsql __SETTINGS__ AS $$
BEGIN
  PERFORM 1 FROM datasets_item WHERE id = ANY(item_ids) ORDER BY id FOR UPDATE;
__BEFORE__  WITH items AS (
    SELECT i.id AS item_id, i.project_id,
           CASE i.kind WHEN 'pair' THEN 'preference' WHEN 'ranking' THEN 'rank_pair' ELSE 'step' END AS headline
    FROM datasets_item i WHERE i.id = ANY(item_ids)
  ),
  lab AS (
    SELECT l.item_id, it.project_id, l.preference, l.scores, l.flags, l.step_ratings, l.step_notes,
           l.final_answer_correct, l.ranks
    FROM labeling_label l JOIN items it ON it.item_id = l.item_id
    WHERE l.item_id = ANY(item_ids) AND l.is_current
  ),
  vals AS (
    SELECT project_id, item_id, 'labels'::text AS metric, 0 AS unit, '1'::text AS value FROM lab
    UNION ALL
    SELECT project_id, item_id, 'preference', 0, preference::text FROM lab WHERE preference IS NOT NULL
    UNION ALL
    SELECT lab.project_id, lab.item_id, 'score:' || s.key, (e.ord - 1)::int, e.v #>> '{}'
      FROM lab
      CROSS JOIN LATERAL jsonb_each(CASE WHEN jsonb_typeof(lab.scores) = 'object' THEN lab.scores
                                         ELSE '{}'::jsonb END) s
      CROSS JOIN LATERAL jsonb_array_elements(CASE WHEN jsonb_typeof(s.value) = 'array' THEN s.value
                                                   ELSE '[]'::jsonb END) WITH ORDINALITY e(v, ord)
      WHERE jsonb_typeof(e.v) = 'number'
    UNION ALL
    SELECT lab.project_id, lab.item_id, 'flag:' || f.key, 0,
           CASE WHEN jsonb_typeof(lab.flags) = 'array' AND lab.flags ? f.key THEN '1' ELSE '0' END
      FROM lab CROSS JOIN unnest(__FLAGS__) f(key)
    UNION ALL
    SELECT lab.project_id, lab.item_id, 'step', (e.ord - 1)::int, e.v #>> '{}'
      FROM lab
      CROSS JOIN LATERAL jsonb_array_elements(CASE WHEN jsonb_typeof(lab.step_ratings) = 'array'
                                                   THEN lab.step_ratings ELSE '[]'::jsonb END) WITH ORDINALITY e(v, ord)
      WHERE jsonb_typeof(e.v) = 'number'
    UNION ALL
    SELECT project_id, item_id, 'first_wrong', 0, quality_first_wrong(step_ratings)::text
      FROM lab WHERE jsonb_typeof(step_ratings) = 'array'
    UNION ALL
    SELECT project_id, item_id, 'final_answer', 0, CASE WHEN final_answer_correct THEN '1' ELSE '0' END
      FROM lab WHERE final_answer_correct IS NOT NULL
    UNION ALL
    SELECT lab.project_id, lab.item_id, 'step_category', (e.ord - 1)::int, translate(e.v ->> 'category', ',:', '  ')
      FROM lab
      CROSS JOIN LATERAL jsonb_array_elements(CASE WHEN jsonb_typeof(lab.step_notes) = 'array'
                                                   THEN lab.step_notes ELSE '[]'::jsonb END) WITH ORDINALITY e(v, ord)
      WHERE jsonb_typeof(e.v) = 'object' AND jsonb_typeof(e.v -> 'category') = 'string' AND e.v ->> 'category' <> ''
    UNION ALL
    SELECT lab.project_id, lab.item_id, 'rank_pair', ((a.i - 1) * 16 + (b.j - 1))::int,
           sign((b.w #>> '{}')::numeric - (a.v #>> '{}')::numeric)::int::text
      FROM lab
      CROSS JOIN LATERAL jsonb_array_elements(CASE WHEN jsonb_typeof(lab.ranks) = 'array' THEN lab.ranks
                                                   ELSE '[]'::jsonb END) WITH ORDINALITY a(v, i)
      CROSS JOIN LATERAL jsonb_array_elements(CASE WHEN jsonb_typeof(lab.ranks) = 'array' THEN lab.ranks
                                                   ELSE '[]'::jsonb END) WITH ORDINALITY b(w, j)
      WHERE a.i < b.j AND jsonb_typeof(a.v) = 'number' AND jsonb_typeof(b.w) = 'number'
  ),
  counts AS (
    SELECT project_id, item_id, metric, unit, value, count(*)::int AS n
    FROM vals GROUP BY project_id, item_id, metric, unit, value
  ),
  new_p AS (
    SELECT project_id, item_id, metric, unit,
           string_agg(value || ':' || n, ',' ORDER BY value COLLATE "C") AS pattern, sum(n)::int AS size
    FROM counts GROUP BY project_id, item_id, metric, unit
  ),
__UNITS__  headline AS (
    SELECT c.item_id, c.unit, c.value::numeric AS v, c.n
    FROM counts c JOIN items it ON it.item_id = c.item_id AND c.metric = it.headline
  ),
  unit_split AS (
    SELECT item_id, unit, sum(n) AS m, sum(n * (n - 1)) AS agree FROM headline GROUP BY item_id, unit
  ),
  item_distance AS (
    SELECT a.item_id, sum(a.n * b.n * abs(a.v - b.v)) AS distance
    FROM headline a JOIN headline b ON a.item_id = b.item_id AND a.unit = b.unit AND a.v <> b.v
    GROUP BY a.item_id
  ),
  splits AS (
    SELECT it.item_id, it.project_id, it.headline, COALESCE(lc.labels, 0) AS labels,
           COALESCE(sum(us.m * (us.m - 1)), 0) AS pairs,
           COALESCE(sum(us.m * (us.m - 1) - us.agree), 0) AS disagreeing
    FROM items it LEFT JOIN unit_split us ON us.item_id = it.item_id
    LEFT JOIN (SELECT item_id, count(*) AS labels FROM lab GROUP BY item_id) lc ON lc.item_id = it.item_id
    GROUP BY it.item_id, it.project_id, it.headline, lc.labels
  )
  INSERT INTO quality_itemsplit AS s (item_id, project_id, metric, labels, pairs, disagreeing, distance, split,
                                      updated_at)
  SELECT sp.item_id, sp.project_id, sp.headline, sp.labels, sp.pairs, sp.disagreeing,
         COALESCE(d.distance, 0), CASE WHEN sp.pairs > 0 THEN sp.disagreeing::float / sp.pairs ELSE 0 END, now()
  FROM splits sp LEFT JOIN item_distance d ON d.item_id = sp.item_id
  ORDER BY sp.item_id
  ON CONFLICT (item_id) DO UPDATE SET labels = EXCLUDED.labels, pairs = EXCLUDED.pairs,
    disagreeing = EXCLUDED.disagreeing, distance = EXCLUDED.distance, split = EXCLUDED.split,
    metric = EXCLUDED.metric, updated_at = EXCLUDED.updated_at;
END
$$;
""".replace("__FLAGS__", _PG_FLAGS)

_PG_UNITS_FEW = r"""
  old_p AS (
    SELECT project_id, metric, pattern, size FROM quality_itemunitpattern WHERE item_id = ANY(item_ids)
  ),
  delta AS (
    SELECT project_id, metric, pattern, max(size) AS size, sum(d) AS d FROM (
      SELECT project_id, metric, pattern, size, -1 AS d FROM old_p
      UNION ALL
      SELECT project_id, metric, pattern, size, 1 AS d FROM new_p
    ) x GROUP BY project_id, metric, pattern HAVING sum(d) <> 0
  ),
  counted AS (
    INSERT INTO quality_patterncount AS t (project_id, metric, pattern, size, units)
    SELECT project_id, metric, pattern, size, d FROM delta ORDER BY project_id, metric, pattern
    ON CONFLICT (project_id, metric, pattern) DO UPDATE SET units = t.units + EXCLUDED.units
    RETURNING 1
  ),
  gone AS (
    DELETE FROM quality_itemunitpattern p WHERE p.item_id = ANY(item_ids) AND NOT EXISTS (
      SELECT 1 FROM new_p n WHERE n.item_id = p.item_id AND n.metric = p.metric AND n.unit = p.unit)
    RETURNING 1
  ),
  put AS (
    INSERT INTO quality_itemunitpattern AS p (project_id, item_id, metric, unit, pattern, size)
    SELECT project_id, item_id, metric, unit, pattern, size FROM new_p
    ON CONFLICT (item_id, metric, unit) DO UPDATE SET pattern = EXCLUDED.pattern, size = EXCLUDED.size
      WHERE p.pattern IS DISTINCT FROM EXCLUDED.pattern
    RETURNING 1
  ),
"""
_PG_BEFORE_MANY = r"""
  -- many items: take their units' old patterns out first (one DELETE), then insert the new ones plainly (an
  -- INSERT ... ON CONFLICT per unit row costs a speculative insertion each)
  WITH gone AS (
    DELETE FROM quality_itemunitpattern WHERE item_id = ANY(item_ids) RETURNING project_id, metric, pattern, size
  )
  INSERT INTO quality_patterncount AS t (project_id, metric, pattern, size, units)
  SELECT project_id, metric, pattern, max(size), -count(*) FROM gone
  GROUP BY project_id, metric, pattern ORDER BY project_id, metric, pattern
  ON CONFLICT (project_id, metric, pattern) DO UPDATE SET units = t.units + EXCLUDED.units;
"""
_PG_UNITS_MANY = r"""
  counted AS (
    INSERT INTO quality_patterncount AS t (project_id, metric, pattern, size, units)
    SELECT project_id, metric, pattern, max(size), count(*) FROM new_p
    GROUP BY project_id, metric, pattern ORDER BY project_id, metric, pattern
    ON CONFLICT (project_id, metric, pattern) DO UPDATE SET units = t.units + EXCLUDED.units
    RETURNING 1
  ),
  put AS (
    INSERT INTO quality_itemunitpattern (project_id, item_id, metric, unit, pattern, size)
    SELECT project_id, item_id, metric, unit, pattern, size FROM new_p
    RETURNING 1
  ),
"""

# One body, planned two ways. A submit touches one item: re-planning this large statement on every call (what
# PL/pgSQL does with an array parameter, whose custom plans look cheaper than the generic one) costs ~10 ms, the
# cached generic plan (index lookups for one item id) ~0.5 ms; with a scalar parameter the plan cache settles on
# the generic plan after its first five calls on a connection (forcing it with a function-level SET clause measured
# slower per call). A bulk statement touches thousands of items: there a generic plan's nested loops are a
# disaster and one planning per statement is nothing. The dispatcher picks.
SMALL_REFRESH = 64

PG_REFRESH = (
    "DROP FUNCTION IF EXISTS quality_refresh_few(bigint[]);\n"  # an earlier variant
    + _PG_REFRESH_BODY.replace("__BEFORE__", "").replace("__UNITS__", _PG_UNITS_FEW)
    .replace("__NAME__(item_ids bigint[])", "quality_refresh_one(one_id bigint)")
    .replace("__SETTINGS__", "")
    .replace("ANY(item_ids)", "ANY(ARRAY[one_id])")
    + _PG_REFRESH_BODY.replace("__BEFORE__", _PG_BEFORE_MANY).replace("__UNITS__", _PG_UNITS_MANY)
    .replace("__NAME__", "quality_refresh_many").replace(
        "__SETTINGS__", "SET plan_cache_mode = force_custom_plan SET work_mem = '256MB' SET jit = off")
    + f"""
CREATE OR REPLACE FUNCTION quality_refresh_items(item_ids bigint[]) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
  IF item_ids IS NULL OR cardinality(item_ids) = 0 THEN
    RETURN;
  ELSIF cardinality(item_ids) <= {SMALL_REFRESH} THEN
    FOR i IN 1 .. cardinality(item_ids) LOOP  -- in id order, as the caller sorted them
      PERFORM quality_refresh_one(item_ids[i]);
    END LOOP;
  ELSE
    PERFORM quality_refresh_many(item_ids);
  END IF;
END
$$;
"""
)

_PG_TALLY_COLUMNS = "item_id, annotator_id, is_current, preference, shown_order, active_ms, ranks, step_ratings, created_at"

_PG_TALLY = """
  INSERT INTO quality_annotatortally AS t (project_id, annotator_id, labels, preferences, ties, decisive, left_picks,
                                           timed, active_ms_total, gold_total, gold_correct, first_label_at,
                                           last_label_at)
  SELECT it.project_id, r.annotator_id,
         sum(r.sign),
         sum(CASE WHEN r.preference IS NOT NULL THEN r.sign ELSE 0 END),
         sum(CASE WHEN r.preference = 0 THEN r.sign ELSE 0 END),
         sum(CASE WHEN r.preference <> 0 AND jsonb_typeof(r.shown_order) = 'array' THEN r.sign ELSE 0 END),
         sum(CASE WHEN r.preference <> 0 AND jsonb_typeof(r.shown_order) = 'array'
                   AND (r.preference > 0) = (r.shown_order ->> 0 = '0') THEN r.sign ELSE 0 END),
         sum(CASE WHEN r.active_ms IS NOT NULL THEN r.sign ELSE 0 END),
         sum(COALESCE(r.active_ms, 0)::bigint * r.sign),
         sum(CASE WHEN g.correct IS NOT NULL THEN r.sign ELSE 0 END),
         sum(COALESCE(g.correct, 0) * r.sign),
         min(CASE WHEN r.sign > 0 THEN r.created_at END),
         max(CASE WHEN r.sign > 0 THEN r.created_at END)
  FROM (__ROWS__) r
  JOIN datasets_item it ON it.id = r.item_id
  CROSS JOIN LATERAL (SELECT quality_gold_correct(it.kind, it.is_gold, it.gold_answer, r.preference, r.ranks,
                                                  r.step_ratings) AS correct) g
  GROUP BY it.project_id, r.annotator_id
  ORDER BY it.project_id, r.annotator_id
  ON CONFLICT (project_id, annotator_id) DO UPDATE SET
    labels = t.labels + EXCLUDED.labels, preferences = t.preferences + EXCLUDED.preferences,
    ties = t.ties + EXCLUDED.ties, decisive = t.decisive + EXCLUDED.decisive,
    left_picks = t.left_picks + EXCLUDED.left_picks, timed = t.timed + EXCLUDED.timed,
    active_ms_total = t.active_ms_total + EXCLUDED.active_ms_total, gold_total = t.gold_total + EXCLUDED.gold_total,
    gold_correct = t.gold_correct + EXCLUDED.gold_correct,
    first_label_at = LEAST(t.first_label_at, EXCLUDED.first_label_at),
    last_label_at = GREATEST(t.last_label_at, EXCLUDED.last_label_at);
"""


def _pg_rows(*sources: tuple[str, int]) -> str:
    return " UNION ALL ".join(
        f"SELECT {_PG_TALLY_COLUMNS}, {sign} AS sign FROM {table} WHERE is_current" for table, sign in sources
    )


PG_TRIGGERS = f"""
CREATE OR REPLACE FUNCTION quality_label_inserted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM quality_refresh_items(ARRAY(SELECT DISTINCT item_id FROM new_rows ORDER BY item_id));
  {_PG_TALLY.replace("__ROWS__", _pg_rows(("new_rows", 1)))}
  RETURN NULL;
END
$$;
CREATE OR REPLACE FUNCTION quality_label_deleted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  {_PG_TALLY.replace("__ROWS__", _pg_rows(("old_rows", -1)))}
  PERFORM quality_refresh_items(ARRAY(SELECT DISTINCT item_id FROM old_rows ORDER BY item_id));
  RETURN NULL;
END
$$;
CREATE OR REPLACE FUNCTION quality_label_updated() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM quality_refresh_items(ARRAY(
    SELECT item_id FROM new_rows UNION SELECT item_id FROM old_rows ORDER BY 1));
  {_PG_TALLY.replace("__ROWS__", _pg_rows(("new_rows", 1), ("old_rows", -1)))}
  RETURN NULL;
END
$$;
CREATE OR REPLACE FUNCTION quality_items_inserted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO quality_patterncount AS t (project_id, metric, pattern, size, units)
  SELECT project_id, 'items', '', 0, count(*) FROM new_rows GROUP BY project_id ORDER BY project_id
  ON CONFLICT (project_id, metric, pattern) DO UPDATE SET units = t.units + EXCLUDED.units;
  RETURN NULL;
END
$$;
CREATE OR REPLACE FUNCTION quality_items_deleted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO quality_patterncount AS t (project_id, metric, pattern, size, units)
  SELECT project_id, 'items', '', 0, -count(*) FROM old_rows GROUP BY project_id ORDER BY project_id
  ON CONFLICT (project_id, metric, pattern) DO UPDATE SET units = t.units + EXCLUDED.units;
  RETURN NULL;
END
$$;
DROP TRIGGER IF EXISTS quality_label_insert ON labeling_label;
DROP TRIGGER IF EXISTS quality_label_delete ON labeling_label;
DROP TRIGGER IF EXISTS quality_label_update ON labeling_label;
DROP TRIGGER IF EXISTS quality_item_insert ON datasets_item;
DROP TRIGGER IF EXISTS quality_item_delete ON datasets_item;
CREATE TRIGGER quality_item_insert AFTER INSERT ON datasets_item
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION quality_items_inserted();
CREATE TRIGGER quality_item_delete AFTER DELETE ON datasets_item
  REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION quality_items_deleted();
CREATE TRIGGER quality_label_insert AFTER INSERT ON labeling_label
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION quality_label_inserted();
CREATE TRIGGER quality_label_delete AFTER DELETE ON labeling_label
  REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION quality_label_deleted();
CREATE TRIGGER quality_label_update AFTER UPDATE ON labeling_label
  REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION quality_label_updated();
"""

PG_DROP = """
DROP TRIGGER IF EXISTS quality_label_insert ON labeling_label;
DROP TRIGGER IF EXISTS quality_label_delete ON labeling_label;
DROP TRIGGER IF EXISTS quality_label_update ON labeling_label;
DROP TRIGGER IF EXISTS quality_item_insert ON datasets_item;
DROP TRIGGER IF EXISTS quality_item_delete ON datasets_item;
DROP FUNCTION IF EXISTS quality_items_inserted();
DROP FUNCTION IF EXISTS quality_items_deleted();
DROP FUNCTION IF EXISTS quality_label_inserted();
DROP FUNCTION IF EXISTS quality_label_deleted();
DROP FUNCTION IF EXISTS quality_label_updated();
DROP FUNCTION IF EXISTS quality_refresh_items(bigint[]);
DROP FUNCTION IF EXISTS quality_refresh_one(bigint);
DROP FUNCTION IF EXISTS quality_refresh_many(bigint[]);
DROP FUNCTION IF EXISTS quality_gold_correct(text, boolean, jsonb, int, jsonb, jsonb);
DROP FUNCTION IF EXISTS quality_first_wrong(jsonb);
"""

# --------------------------------------------------------------------------------------------------------------
# SQLite: row triggers; no CTEs allowed inside trigger bodies, so the value extraction is a templated subquery.
# --------------------------------------------------------------------------------------------------------------

_SQLITE_NUMBER = "('integer', 'real')"
_SQLITE_FLAGS = " UNION ALL ".join(f"SELECT '{k}' AS key" for k in FLAG_KEYS)


def _sqlite_first_wrong(expr: str) -> str:
    return (
        f"COALESCE((SELECT min(CAST(fw.key AS INTEGER)) FROM json_each(CASE WHEN json_type({expr}) = 'array' "
        f"THEN {expr} ELSE '[]' END) fw WHERE fw.type = 'integer' AND fw.value = -1), -1)"
    )


def _sqlite_values(x: str) -> str:
    """``(project_id, item_id, metric, unit, value)`` of the current labels of item ``x``."""
    base = f"FROM labeling_label l JOIN datasets_item i ON i.id = l.item_id"
    where = f"l.item_id = {x} AND l.is_current"
    return f"""
      SELECT i.project_id, l.item_id, 'labels' AS metric, 0 AS unit, '1' AS value {base} WHERE {where}
      UNION ALL
      SELECT i.project_id, l.item_id, 'preference', 0, CAST(l.preference AS TEXT)
        {base} WHERE {where} AND l.preference IS NOT NULL
      UNION ALL
      SELECT i.project_id, l.item_id, 'score:' || s.key, CAST(e.key AS INTEGER), CAST(e.value AS TEXT)
        {base}, json_each(CASE WHEN json_type(l.scores) = 'object' THEN l.scores ELSE '{{}}' END) s,
        json_each(CASE WHEN s.type = 'array' THEN s.value ELSE '[]' END) e
        WHERE {where} AND e.type IN {_SQLITE_NUMBER}
      UNION ALL
      SELECT i.project_id, l.item_id, 'flag:' || f.key, 0,
             CASE WHEN json_type(l.flags) = 'array' AND EXISTS (
               SELECT 1 FROM json_each(l.flags) fl WHERE fl.type = 'text' AND fl.value = f.key) THEN '1' ELSE '0' END
        {base}, ({_SQLITE_FLAGS}) f WHERE {where}
      UNION ALL
      SELECT i.project_id, l.item_id, 'step', CAST(e.key AS INTEGER), CAST(e.value AS TEXT)
        {base}, json_each(CASE WHEN json_type(l.step_ratings) = 'array' THEN l.step_ratings ELSE '[]' END) e
        WHERE {where} AND e.type IN {_SQLITE_NUMBER}
      UNION ALL
      SELECT i.project_id, l.item_id, 'first_wrong', 0, CAST({_sqlite_first_wrong('l.step_ratings')} AS TEXT)
        {base} WHERE {where} AND json_type(l.step_ratings) = 'array'
      UNION ALL
      SELECT i.project_id, l.item_id, 'final_answer', 0, CASE WHEN l.final_answer_correct THEN '1' ELSE '0' END
        {base} WHERE {where} AND l.final_answer_correct IS NOT NULL
      UNION ALL
      SELECT i.project_id, l.item_id, 'step_category', CAST(e.key AS INTEGER),
             replace(replace(json_extract(e.value, '$.category'), ',', ' '), ':', ' ')
        {base}, json_each(CASE WHEN json_type(l.step_notes) = 'array' THEN l.step_notes ELSE '[]' END) e
        WHERE {where} AND e.type = 'object' AND json_type(e.value, '$.category') = 'text'
          AND json_extract(e.value, '$.category') <> ''
      UNION ALL
      SELECT i.project_id, l.item_id, 'rank_pair', CAST(a.key AS INTEGER) * 16 + CAST(b.key AS INTEGER),
             CASE WHEN b.value > a.value THEN '1' WHEN b.value < a.value THEN '-1' ELSE '0' END
        {base}, json_each(CASE WHEN json_type(l.ranks) = 'array' THEN l.ranks ELSE '[]' END) a,
        json_each(CASE WHEN json_type(l.ranks) = 'array' THEN l.ranks ELSE '[]' END) b
        WHERE {where} AND CAST(a.key AS INTEGER) < CAST(b.key AS INTEGER)
          AND a.type IN {_SQLITE_NUMBER} AND b.type IN {_SQLITE_NUMBER}
    """


def _sqlite_counts(x: str) -> str:
    return (
        f"SELECT project_id, item_id, metric, unit, value, count(*) AS n FROM ({_sqlite_values(x)}) "
        "GROUP BY project_id, item_id, metric, unit, value"
    )


def _sqlite_refresh(x: str) -> str:
    """Statements that move item ``x``'s units from their stored patterns to the patterns of its labels now."""
    headline = (
        f"(SELECT CASE kind WHEN 'pair' THEN 'preference' WHEN 'ranking' THEN 'rank_pair' ELSE 'step' END "
        f"FROM datasets_item WHERE id = {x})"
    )
    heads = f"(SELECT unit, CAST(value AS REAL) AS v, n FROM ({_sqlite_counts(x)}) WHERE metric = {headline})"
    return f"""
  UPDATE quality_patterncount SET units = units - (
      SELECT count(*) FROM quality_itemunitpattern p WHERE p.item_id = {x} AND p.project_id = quality_patterncount.project_id
        AND p.metric = quality_patterncount.metric AND p.pattern = quality_patterncount.pattern)
    WHERE (project_id, metric, pattern) IN (
      SELECT project_id, metric, pattern FROM quality_itemunitpattern WHERE item_id = {x});
  DELETE FROM quality_itemunitpattern WHERE item_id = {x};
  INSERT INTO quality_itemunitpattern (project_id, item_id, metric, unit, pattern, size)
    SELECT project_id, item_id, metric, unit, group_concat(value || ':' || n, ','), sum(n) FROM (
      {_sqlite_counts(x)} ORDER BY project_id, item_id, metric, unit, value
    ) GROUP BY project_id, item_id, metric, unit;
  INSERT INTO quality_patterncount (project_id, metric, pattern, size, units)
    SELECT project_id, metric, pattern, max(size), count(*) FROM quality_itemunitpattern WHERE item_id = {x}
    GROUP BY project_id, metric, pattern
    ON CONFLICT (project_id, metric, pattern) DO UPDATE SET units = units + excluded.units;
  INSERT INTO quality_itemsplit (item_id, project_id, metric, labels, pairs, disagreeing, distance, split, updated_at)
    SELECT i.id, i.project_id, {headline},
           (SELECT count(*) FROM labeling_label l WHERE l.item_id = {x} AND l.is_current),
           COALESCE(u.pairs, 0), COALESCE(u.dis, 0),
           COALESCE((SELECT sum(a.n * b.n * abs(a.v - b.v)) FROM {heads} a JOIN {heads} b
                     ON a.unit = b.unit AND a.v <> b.v), 0),
           CASE WHEN u.pairs > 0 THEN 1.0 * u.dis / u.pairs ELSE 0 END,
           strftime('%Y-%m-%d %H:%M:%f', 'now')
    FROM datasets_item i LEFT JOIN (
      SELECT sum(m * (m - 1)) AS pairs, sum(m * (m - 1) - agree) AS dis FROM (
        SELECT unit, sum(n) AS m, sum(n * (n - 1)) AS agree FROM {heads} GROUP BY unit)
    ) u ON 1 WHERE i.id = {x}
    ON CONFLICT (item_id) DO UPDATE SET labels = excluded.labels, pairs = excluded.pairs,
      disagreeing = excluded.disagreeing, distance = excluded.distance, split = excluded.split,
      metric = excluded.metric, updated_at = excluded.updated_at;
"""


def _sqlite_gold(r: str) -> str:
    gold = "i.gold_answer"
    return f"""CASE
      WHEN NOT i.is_gold OR {gold} IS NULL THEN NULL
      WHEN i.kind = 'pair' THEN CASE
        WHEN {r}.preference IS NULL OR json_type({gold}, '$.preference') NOT IN {_SQLITE_NUMBER}
          OR json_type({gold}, '$.preference') IS NULL THEN NULL
        WHEN ({r}.preference > 0) = (json_extract({gold}, '$.preference') > 0)
         AND ({r}.preference < 0) = (json_extract({gold}, '$.preference') < 0) THEN 1 ELSE 0 END
      WHEN i.kind = 'ranking' THEN CASE
        WHEN json_type({r}.ranks) IS NOT 'array' OR json_type({gold}, '$.ranks') IS NOT 'array' THEN NULL
        WHEN json({r}.ranks) = json_extract({gold}, '$.ranks') THEN 1 ELSE 0 END
      WHEN i.kind = 'steps' THEN CASE
        WHEN json_type({r}.step_ratings) IS NOT 'array' OR json_type({gold}, '$.steps') IS NOT 'array' THEN NULL
        WHEN {_sqlite_first_wrong(f'{r}.step_ratings')} = {_sqlite_first_wrong(f"json_extract({gold}, '$.steps')")}
          THEN 1 ELSE 0 END
      ELSE NULL END"""


def _sqlite_tally(r: str, sign: int) -> str:
    decisive = f"({r}.preference <> 0 AND json_type({r}.shown_order) = 'array')"
    left = f"({decisive} AND ({r}.preference > 0) = (json_extract({r}.shown_order, '$[0]') = 0))"
    first = f"{r}.created_at" if sign > 0 else "NULL"
    return f"""
  INSERT INTO quality_annotatortally (project_id, annotator_id, labels, preferences, ties, decisive, left_picks, timed,
                                      active_ms_total, gold_total, gold_correct, first_label_at, last_label_at)
    SELECT i.project_id, {r}.annotator_id, {sign},
           CASE WHEN {r}.preference IS NOT NULL THEN {sign} ELSE 0 END,
           CASE WHEN {r}.preference = 0 THEN {sign} ELSE 0 END,
           CASE WHEN {decisive} THEN {sign} ELSE 0 END,
           CASE WHEN {left} THEN {sign} ELSE 0 END,
           CASE WHEN {r}.active_ms IS NOT NULL THEN {sign} ELSE 0 END,
           COALESCE({r}.active_ms, 0) * {sign},
           CASE WHEN ({_sqlite_gold(r)}) IS NOT NULL THEN {sign} ELSE 0 END,
           COALESCE(({_sqlite_gold(r)}), 0) * {sign},
           {first}, {first}
    FROM datasets_item i WHERE i.id = {r}.item_id AND {r}.is_current
    ON CONFLICT (project_id, annotator_id) DO UPDATE SET
      labels = labels + excluded.labels, preferences = preferences + excluded.preferences,
      ties = ties + excluded.ties, decisive = decisive + excluded.decisive,
      left_picks = left_picks + excluded.left_picks, timed = timed + excluded.timed,
      active_ms_total = active_ms_total + excluded.active_ms_total, gold_total = gold_total + excluded.gold_total,
      gold_correct = gold_correct + excluded.gold_correct,
      first_label_at = CASE WHEN excluded.first_label_at IS NOT NULL
        AND (first_label_at IS NULL OR excluded.first_label_at < first_label_at) THEN excluded.first_label_at
        ELSE first_label_at END,
      last_label_at = CASE WHEN excluded.last_label_at IS NOT NULL
        AND (last_label_at IS NULL OR excluded.last_label_at > last_label_at) THEN excluded.last_label_at
        ELSE last_label_at END;
"""


SQLITE_TRIGGERS = [
    f"""CREATE TRIGGER IF NOT EXISTS quality_label_insert AFTER INSERT ON labeling_label BEGIN
      {_sqlite_tally("NEW", 1)}
      {_sqlite_refresh("NEW.item_id")}
    END""",
    f"""CREATE TRIGGER IF NOT EXISTS quality_label_delete AFTER DELETE ON labeling_label BEGIN
      {_sqlite_tally("OLD", -1)}
      {_sqlite_refresh("OLD.item_id")}
    END""",
    f"""CREATE TRIGGER IF NOT EXISTS quality_label_update AFTER UPDATE ON labeling_label BEGIN
      {_sqlite_tally("OLD", -1)}
      {_sqlite_tally("NEW", 1)}
      {_sqlite_refresh("OLD.item_id")}
      {_sqlite_refresh("NEW.item_id")}
    END""",
]
_SQLITE_ITEMS = """INSERT INTO quality_patterncount (project_id, metric, pattern, size, units)
      VALUES ({r}.project_id, 'items', '', 0, {sign})
      ON CONFLICT (project_id, metric, pattern) DO UPDATE SET units = units + excluded.units;"""
SQLITE_TRIGGERS += [
    f"""CREATE TRIGGER IF NOT EXISTS quality_item_insert AFTER INSERT ON datasets_item BEGIN
      {_SQLITE_ITEMS.format(r="NEW", sign=1)}
    END""",
    f"""CREATE TRIGGER IF NOT EXISTS quality_item_delete AFTER DELETE ON datasets_item BEGIN
      {_SQLITE_ITEMS.format(r="OLD", sign=-1)}
    END""",
]
SQLITE_DROP = [f"DROP TRIGGER IF EXISTS {name}" for name in TRIGGER_NAMES_SQLITE + ITEM_TRIGGER_NAMES]


def refresh_functions(connection) -> None:
    """PostgreSQL: replace the trigger functions' bodies with this version's (no table lock: the triggers
    themselves stay)."""
    with connection.cursor() as cursor:
        cursor.execute(PG_FUNCTIONS)
        cursor.execute(PG_REFRESH)
        cursor.execute(PG_TRIGGERS[: PG_TRIGGERS.index("DROP TRIGGER")])


def install(connection) -> None:
    """Create (or replace) the triggers on this connection's database."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(PG_FUNCTIONS)
            cursor.execute(PG_REFRESH)
            cursor.execute(PG_TRIGGERS)
        elif connection.vendor == "sqlite":
            for statement in SQLITE_TRIGGERS:
                cursor.execute(statement)
        else:  # pragma: no cover - the platform runs on PostgreSQL and SQLite only
            raise NotImplementedError(f"no quality triggers for {connection.vendor}")


def uninstall(connection) -> None:
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(PG_DROP)
        elif connection.vendor == "sqlite":
            for statement in SQLITE_DROP:
                cursor.execute(statement)


def installed(connection) -> bool:
    """Whether all the triggers exist (SQLite loses them when Django rebuilds ``labeling_label`` or
    ``datasets_item``)."""
    names = list(TRIGGER_NAMES_SQLITE + ITEM_TRIGGER_NAMES)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT count(*) FROM pg_trigger WHERE tgrelid IN ('labeling_label'::regclass, "
                "'datasets_item'::regclass) AND tgname = ANY(%s)", [names],
            )
        else:
            cursor.execute(
                "SELECT count(*) FROM sqlite_master WHERE type = 'trigger' "
                f"AND name IN ({', '.join(['%s'] * len(names))})",
                names,
            )
        return cursor.fetchone()[0] == len(names)


def rebuild(connection, project_id: int | None = None) -> None:
    """Refill the summaries from the labels (all projects, or one). See :mod:`apps.quality.rebuild`."""
    from .rebuild import rebuild_summaries

    rebuild_summaries(connection, project_id)
