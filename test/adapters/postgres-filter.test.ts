import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compileFilter, compileOrderBy, EntityTables, SqlParams } from '../../src/adapters/postgres-shared/index.js';
import { entityTableStatements } from '../../src/adapters/postgres-shared/postgres-ddl.js';
import type { FilterNode, JsonValue } from '../../src/contracts/filter-ast.js';
import type { EntityTableSpec } from '../../src/contracts/home-store.js';
import { useSharedPglite } from '../support/pglite-template.js';
import { uniqueName } from '../support/temp-dir.js';

const pglite = useSharedPglite();
const tables = new EntityTables('public');
const docs: EntityTableSpec = { entity: 'docs', table: uniqueName('docs'), storage: 'document', columns: [] };
const people: EntityTableSpec = {
  entity: 'people',
  table: uniqueName('people'),
  storage: 'relational',
  columns: [
    { name: 'name', type: 'text', nullable: false },
    { name: 'born', type: 'timestamp', nullable: true },
    { name: 'extra', type: 'json', nullable: true },
  ],
};

function compile(spec: EntityTableSpec, node: FilterNode) {
  const params = new SqlParams();
  return { sql: compileFilter(tables.resolve(spec), node, params), params: params.values };
}

describe('compileFilter', () => {
  it('binds every value as a parameter, never as SQL text', () => {
    const evil = "'); DROP TABLE people; --";
    const node: FilterNode = {
      kind: 'or',
      nodes: [
        { kind: 'compare', path: ['name'], op: 'eq', value: evil },
        { kind: 'in', path: ['extra', 'tags'], negate: true, values: [evil, { k: evil }] },
        { kind: 'compare', path: ['born'], op: 'gt', value: 0 },
      ],
    };
    const { sql, params } = compile(people, node);
    expect(sql).not.toContain('DROP');
    expect(params).toContain(evil);
    expect(params).toContain('1970-01-01T00:00:00.000Z');
    expect(sql).toMatch(/"born" > \$\d+::timestamptz/);
  });

  it('uses containment for scalar document equality and only binds parameters it uses', () => {
    const { sql, params } = compile(docs, { kind: 'compare', path: ['a', 'b'], op: 'eq', value: 5 });
    expect(sql).toBe('(doc @> $1::jsonb OR doc @> $2::jsonb)');
    expect(params).toEqual(['{"a":{"b":5}}', '{"a":{"b":[5]}}']);
    const indexed = compile(docs, { kind: 'compare', path: ['items', '0', 'sku'], op: 'eq', value: 'a' });
    expect(indexed.sql).toContain('doc #> $1::text[]');
    expect(indexed.params[0]).toEqual(['items', '0', 'sku']);
  });

  it('breaks order ties by id', () => {
    const params = new SqlParams();
    const orderBy = compileOrderBy(tables.resolve(docs), [{ path: ['rank'], direction: 'desc' }], params);
    expect(orderBy).toBe('(doc #> $1::text[]) DESC NULLS LAST, id ASC');
  });

  it('lets the planner serve document equality from the GIN index', async () => {
    const db = await pglite();
    const { sql, params } = compile(docs, { kind: 'compare', path: ['tag'], op: 'eq', value: 'red' });
    for (const statement of entityTableStatements('public', docs)) await db.query(statement);
    const plan = await db.transaction(async (tx) => {
      await tx.query('SET LOCAL enable_seqscan = off');
      return tx.query<{ 'QUERY PLAN': string }>(`EXPLAIN SELECT id FROM "${docs.table}" WHERE ${sql}`, params);
    });
    expect(plan.rows.map((r) => r['QUERY PLAN']).join('\n')).toContain(`${docs.table}_doc_gin`);
  });

  it('never yields NULL on documents, so NOT is an exact complement', async () => {
    const db = await pglite();
    const table = uniqueName('complement');
    const spec: EntityTableSpec = { entity: table, table, storage: 'document', columns: [] };
    const rows: JsonValue[] = [
      {},
      { a: null },
      { a: 1 },
      { a: 'x' },
      { a: [1, 'x', null] },
      { a: { b: 2 } },
      { a: { b: [2] } },
    ];
    await db.query(`CREATE TABLE "${table}" (id text PRIMARY KEY, _version bigint NOT NULL, doc jsonb NOT NULL)`);
    for (const [i, doc] of rows.entries()) {
      await db.query(`INSERT INTO "${table}" VALUES ($1, 1, $2::jsonb)`, [String(i), JSON.stringify(doc)]);
    }
    const value = fc.constantFrom<JsonValue>(null, 1, 2, 'x', [1], { b: 2 });
    const path = fc.constantFrom(['a'], ['a', 'b'], ['a', '0'], ['z']);
    const leaf: fc.Arbitrary<FilterNode> = fc.oneof(
      fc.record({ kind: fc.constant('compare' as const), path, op: fc.constantFrom('eq', 'ne', 'gt', 'lte'), value }),
      fc.record({
        kind: fc.constant('in' as const),
        path,
        negate: fc.boolean(),
        values: fc.array(value, { maxLength: 3 }),
      }),
      fc.record({ kind: fc.constant('exists' as const), path, exists: fc.boolean() }),
    );
    const filter = fc.oneof(
      leaf,
      fc.record({ kind: fc.constantFrom('and' as const, 'or' as const), nodes: fc.array(leaf, { maxLength: 3 }) }),
    );
    await fc.assert(
      fc.asyncProperty(filter, async (node) => {
        const { sql, params } = compile(spec, node);
        const { rows: counts } = await db.query<{ yes: number; no: number }>(
          `SELECT count(*) FILTER (WHERE ${sql}) AS yes, count(*) FILTER (WHERE NOT ${sql}) AS no FROM "${table}"`,
          params,
        );
        expect(Number(counts[0]!.yes) + Number(counts[0]!.no)).toBe(rows.length);
      }),
      { numRuns: 150 },
    );
  });
});
