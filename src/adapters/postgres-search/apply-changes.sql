-- Applies a batch of versioned changes to one search index, atomically.
-- Inputs: $1 ids text[], $2 versions float8[], $3 documents jsonb[] (NULL: a delete,
-- kept as a tombstone row). Ids are distinct within a batch.
-- {{docs}}: the index's document table; {{words}}: its word table.
-- A change is written only when its version is newer than the row's (a tombstone
-- counts). The word table counts, per word, the live documents holding it: the
-- words of each replaced row are taken off, those of each written row added.
WITH input AS (
  SELECT * FROM unnest($1::text[], $2::float8[], $3::jsonb[]) AS c(id, version, doc)
),
old AS (
  SELECT d.id, d.version, tsvector_to_array(d.search) AS words
  FROM {{docs}} AS d JOIN input AS i ON i.id = d.id
  FOR UPDATE OF d
),
written AS (
  INSERT INTO {{docs}} AS d (id, version, doc)
  SELECT i.id, i.version, i.doc
  FROM input AS i LEFT JOIN old AS o ON o.id = i.id
  WHERE o.id IS NULL OR o.version < i.version
  ORDER BY i.id
  -- A row a concurrent batch inserted meanwhile is still guarded by its version.
  ON CONFLICT (id) DO UPDATE SET version = excluded.version, doc = excluded.doc
  WHERE d.version < excluded.version
  RETURNING d.id, tsvector_to_array(d.search) AS words
),
delta AS (
  SELECT word, sum(change)::int AS change
  FROM (
    SELECT unnest(o.words) AS word, -1 AS change FROM old AS o JOIN written AS w ON w.id = o.id
    UNION ALL
    SELECT unnest(w.words), 1 FROM written AS w
  ) AS changes
  GROUP BY word
  HAVING sum(change) <> 0
),
counted AS (
  -- In word order, so concurrent batches lock shared words in the same order.
  INSERT INTO {{words}} AS w (word, docs)
  SELECT word, change FROM delta ORDER BY word
  ON CONFLICT (word) DO UPDATE SET docs = w.docs + excluded.docs
  RETURNING 1
)
SELECT (SELECT count(*) FROM written)::int AS applied, (SELECT count(*) FROM counted)::int AS words
