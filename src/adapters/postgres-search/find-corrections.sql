-- The corrections of a query's words that are not in an index: the index's
-- words within $2 edits, found by trigram similarity (through the trigram
-- index), or for a word under 6 characters, which shares too few trigrams with
-- its corrections, by length; then kept by edit distance.
-- Inputs: $1 the query text, $2 edits allowed (at least 1).
-- {{words}}: the index's word table; {{similar}}: pg_trgm's % operator and
-- {{levenshtein}}: fuzzystrmatch's levenshtein_less_equal, both schema-qualified.
-- Also returns the query as websearch_to_tsquery parses it (printed).
WITH terms AS (
  SELECT DISTINCT unnest(tsvector_to_array(to_tsvector('simple', $1))) AS term
),
unknown AS (
  SELECT t.term FROM terms AS t
  WHERE length(t.term) <= 255
    AND NOT EXISTS (SELECT 1 FROM {{words}} AS k WHERE k.word = t.term AND k.docs > 0)
)
SELECT websearch_to_tsquery('simple', $1)::text AS query,
  coalesce(
    (SELECT json_object_agg(u.term, near.words)
     FROM unknown AS u
     CROSS JOIN LATERAL (
       SELECT array_agg(c.word ORDER BY c.edits, c.word) AS words
       FROM (
         SELECT w.word, {{levenshtein}}(w.word, u.term, $2) AS edits
         FROM (
           SELECT word, docs FROM {{words}} WHERE word {{similar}} u.term
           UNION
           SELECT word, docs FROM {{words}}
           WHERE length(u.term) < 6 AND length(word) BETWEEN length(u.term) - $2 AND length(u.term) + $2
         ) AS w
         WHERE w.docs > 0 AND length(w.word) <= 255
       ) AS c
       WHERE c.edits <= $2
     ) AS near
     WHERE near.words IS NOT NULL),
    '{}'
  ) AS corrections
