import { z } from 'zod';
import {
  analyticsView,
  cacheView,
  defineEntity,
  type GraphSchemaSpec,
  graphView,
  searchView,
} from '../../src/index.js';

/**
 * The model the property drives: one relational entity (typed columns, optional
 * fields, dates, JSON columns) and one document entity (nested, dates at the
 * top and inside, optional fields), pointing at each other so the graph view
 * holds edges between records of both.
 */
const personSchema = z.object({
  id: z.string(),
  name: z.string(),
  email: z.string().optional(),
  level: z.number().int(),
  score: z.number(),
  active: z.boolean(),
  bornAt: z.date(),
  lastSeen: z.date().optional(),
  friendId: z.string().optional(),
  tags: z.array(z.string()),
  profile: z.object({ city: z.string(), langs: z.array(z.string()) }).optional(),
});

const noteSchema = z.object({
  id: z.string(),
  title: z.string(),
  body: z.string(),
  authorId: z.string(),
  refs: z.array(z.string()),
  lang: z.enum(['en', 'fr', 'de']),
  rank: z.number().int(),
  dueAt: z.date(),
  summary: z.string().optional(),
  meta: z.object({ pinned: z.boolean(), color: z.string().optional(), editedAt: z.date().optional() }),
});

export const people = defineEntity({ name: 'people', schema: personSchema });
export const notes = defineEntity({ name: 'notes', storage: 'document', schema: noteSchema });

/** The record types as the schemas declare them (what create takes and reads must return). */
export type PersonRecord = z.infer<typeof personSchema>;
export type NoteRecord = z.infer<typeof noteSchema>;

/** Whether a value is a record of the entity as its schema declares it (Dates as Dates, no nulls for optionals). */
export const SCHEMAS = { people: personSchema, notes: noteSchema } as const;

export type EntityName = 'people' | 'notes';
export const ENTITY_NAMES: readonly EntityName[] = ['people', 'notes'];
export const ENTITIES = { people, notes } as const;

/** One graph shared by both entities' graph views. */
export const graphSchema: GraphSchemaSpec = {
  nodes: { Person: { name: 'string', score: 'double' }, Note: { title: 'string', due: 'string' } },
  edges: {
    KNOWS: { from: 'Person', to: 'Person', properties: { since: 'int64' } },
    WROTE: { from: 'Person', to: 'Note' },
    LINKS: { from: 'Note', to: 'Note', properties: { pos: 'int64' } },
  },
};

/** The analytics tables and their columns (the comparison reads them back by these names). */
export const analyticsTables = {
  people_facts: { person: 'varchar', tag: 'varchar', score: 'double', born: 'timestamp', active: 'boolean' },
  note_facts: {
    note: 'varchar',
    author: 'varchar',
    lang: 'varchar',
    rank: 'bigint',
    due: 'timestamp',
    summary: 'varchar',
  },
} as const;

/** Every kind of view on both entities: cache, search, graph, analytics. */
export function modelViews() {
  return [
    cacheView(people, { store: 'cache' }),
    cacheView(notes, { store: 'cache' }),
    searchView(people, {
      store: 'search',
      fields: { name: 'string', email: 'string', tags: 'string[]', active: 'boolean', level: 'number' },
      searchable: ['name', 'email'],
    }),
    searchView(notes, {
      store: 'search',
      fields: { title: 'string', body: 'string', lang: 'enum', rank: 'number', pinned: 'boolean' },
      searchable: ['title', 'body'],
      document: (n) => ({ title: n.title, body: n.body, lang: n.lang, rank: n.rank, pinned: n.meta.pinned }),
    }),
    graphView(people, {
      store: 'graph',
      schema: graphSchema,
      // An inactive person leaves the graph: the view keeps a tombstone for a live record.
      project: (p) =>
        p.active
          ? {
              nodes: [{ label: 'Person', id: p.id, properties: { name: p.name, score: p.score } }],
              edges: p.friendId
                ? [
                    {
                      type: 'KNOWS',
                      from: { label: 'Person', id: p.id },
                      to: { label: 'Person', id: p.friendId },
                      properties: { since: p.level },
                    },
                  ]
                : [],
            }
          : null,
    }),
    graphView(notes, {
      store: 'graph',
      schema: graphSchema,
      project: (n) => ({
        nodes: [{ label: 'Note', id: n.id, properties: { title: n.title, due: n.dueAt } }],
        edges: [
          { type: 'WROTE', from: { label: 'Person', id: n.authorId }, to: { label: 'Note', id: n.id } },
          ...n.refs.map((ref, pos) => ({
            type: 'LINKS',
            from: { label: 'Note', id: n.id },
            to: { label: 'Note', id: ref },
            properties: { pos },
          })),
        ],
      }),
    }),
    analyticsView(people, {
      store: 'analytics',
      table: 'people_facts',
      columns: analyticsTables.people_facts,
      rows: (p) => p.tags.map((tag) => ({ person: p.id, tag, score: p.score, born: p.bornAt, active: p.active })),
    }),
    analyticsView(notes, {
      store: 'analytics',
      table: 'note_facts',
      columns: analyticsTables.note_facts,
      rows: (n) => [
        {
          note: n.id,
          author: n.authorId,
          lang: n.lang,
          rank: n.rank,
          due: n.dueAt,
          summary: n.summary ?? null,
        },
      ],
    }),
  ];
}
