import fc from 'fast-check';
import type { EntityName, NoteRecord, PersonRecord } from './model-entities.js';

/** Ids many commands hit, so concurrent groups race on them. */
export const HOT_IDS = ['h1', 'h2'] as const;

/**
 * Valid but unusual ids: spaces, a newline, unicode, separators other layers
 * may treat specially (`/`, `:`, `@`), quotes, and one id over 200 bytes.
 */
export const ODD_IDS = [
  ' lead and trail ',
  'a\nb',
  'ünï©ødé ✓ 日本語',
  'a/b/c',
  'k:v:1',
  'x@y.z',
  `q"u'o\`te`,
  'Ω'.repeat(110),
] as const;

export const PLAIN_IDS = ['p1', 'p2', 'p3'] as const;

/** Every id a run may touch, per entity (the same strings for both entities). */
export const ALL_IDS: readonly string[] = [...HOT_IDS, ...ODD_IDS, ...PLAIN_IDS];

export const idArb: fc.Arbitrary<string> = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom(...HOT_IDS) },
  { weight: 4, arbitrary: fc.constantFrom(...ODD_IDS) },
  { weight: 1, arbitrary: fc.constantFrom(...PLAIN_IDS) },
);

/** The id a race is run on: mostly a hot id, sometimes an odd one (so odd ids meet races too). */
export const contestedIdArb: fc.Arbitrary<string> = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom(...HOT_IDS) },
  { weight: 2, arbitrary: fc.constantFrom(...ODD_IDS) },
);

const wordArb = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom('alpha', 'beta', 'gamma', 'über', '日本', "o'neil", 'two words', '') },
  { weight: 1, arbitrary: fc.string({ maxLength: 10 }) },
);

// Millisecond dates across two centuries: every home keeps milliseconds.
const dateArb = fc.date({
  min: new Date('1900-01-01T00:00:00.000Z'),
  max: new Date('2100-01-01T00:00:00.000Z'),
  noInvalidDate: true,
});
const scoreArb = fc.double({ min: -1e6, max: 1e6, noNaN: true });
const intArb = fc.integer({ min: -1000, max: 1000 });
const tagsArb = fc.array(wordArb, { maxLength: 3 });
const profileArb = fc.record({ city: wordArb, langs: fc.array(fc.constantFrom('en', 'fr', 'de'), { maxLength: 2 }) });
const langArb = fc.constantFrom('en' as const, 'fr' as const, 'de' as const);
const metaArb = fc.record(
  { pinned: fc.boolean(), color: fc.constantFrom('red', 'green', 'blue'), editedAt: dateArb },
  { requiredKeys: ['pinned'] },
);

/** A person with some optional fields absent; `friendId` points at another person of the pool. */
export function personArb(id: fc.Arbitrary<string> = idArb): fc.Arbitrary<PersonRecord> {
  return fc.record(
    {
      id,
      name: wordArb,
      email: wordArb,
      level: intArb,
      score: scoreArb,
      active: fc.boolean(),
      bornAt: dateArb,
      lastSeen: dateArb,
      friendId: idArb,
      tags: tagsArb,
      profile: profileArb,
    },
    { requiredKeys: ['id', 'name', 'level', 'score', 'active', 'bornAt', 'tags'] },
  );
}

/** A note written by a person of the pool, linking to notes of the pool. */
export function noteArb(id: fc.Arbitrary<string> = idArb): fc.Arbitrary<NoteRecord> {
  return fc.record(
    {
      id,
      title: wordArb,
      body: wordArb,
      authorId: idArb,
      refs: fc.array(idArb, { maxLength: 2 }),
      lang: langArb,
      rank: intArb,
      dueAt: dateArb,
      summary: wordArb,
      meta: metaArb,
    },
    { requiredKeys: ['id', 'title', 'body', 'authorId', 'refs', 'lang', 'rank', 'dueAt', 'meta'] },
  );
}

export function recordArb(entity: EntityName, id?: fc.Arbitrary<string>): fc.Arbitrary<Record<string, unknown>> {
  return (entity === 'people' ? personArb(id) : noteArb(id)) as fc.Arbitrary<Record<string, unknown>>;
}

/**
 * A patch of top-level fields. Optional fields may be set to `undefined`,
 * which `Partial<T>` allows and which clears them.
 */
export function patchArb(entity: EntityName): fc.Arbitrary<Record<string, unknown>> {
  const clearable = <T>(arb: fc.Arbitrary<T>) =>
    fc.oneof({ weight: 3, arbitrary: arb }, { weight: 1, arbitrary: fc.constant(undefined) });
  const fields: Record<string, fc.Arbitrary<unknown>> = entity === 'people'
    ? {
        name: wordArb,
        email: clearable(wordArb),
        level: intArb,
        score: scoreArb,
        active: fc.boolean(),
        bornAt: dateArb,
        lastSeen: clearable(dateArb),
        friendId: clearable(idArb),
        tags: tagsArb,
        profile: clearable(profileArb),
      }
    : {
        title: wordArb,
        body: wordArb,
        authorId: idArb,
        refs: fc.array(idArb, { maxLength: 2 }),
        lang: langArb,
        rank: intArb,
        dueAt: dateArb,
        summary: clearable(wordArb),
        meta: metaArb,
      };
  return fc.record(fields, { requiredKeys: [] }).filter((patch) => Object.keys(patch).length > 0);
}
