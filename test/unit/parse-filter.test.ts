import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { isPolystoreError } from '../../src/errors/index.js';
import { defineEntity } from '../../src/model/define-entity.js';
import { parseFilter } from '../../src/model/parse-filter.js';

const products = defineEntity({
  name: 'products',
  storage: 'document',
  schema: z.object({
    id: z.string(),
    name: z.string(),
    price: z.number(),
    specs: z.object({ ram: z.number() }),
    tags: z.array(z.string()),
  }),
});
const users = defineEntity({
  name: 'users',
  schema: z.object({ id: z.string(), age: z.number().int(), meta: z.record(z.string(), z.string()) }),
});

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (err) {
    return isPolystoreError(err) ? err.code : 'not-a-polystore-error';
  }
  return undefined;
}

describe('parseFilter', () => {
  it('turns the Mongo subset into a tree', () => {
    const node = parseFilter(products, {
      name: 'x',
      price: { $gte: 10, $lt: 20 },
      'specs.ram': { $in: [8, 16] },
      tags: { $exists: true },
      $or: [{ price: { $ne: 5 } }, { name: { $nin: ['a'] } }],
    });
    expect(node).toEqual({
      kind: 'and',
      nodes: [
        { kind: 'compare', path: ['name'], op: 'eq', value: 'x' },
        { kind: 'compare', path: ['price'], op: 'gte', value: 10 },
        { kind: 'compare', path: ['price'], op: 'lt', value: 20 },
        { kind: 'in', path: ['specs', 'ram'], negate: false, values: [8, 16] },
        { kind: 'exists', path: ['tags'], exists: true },
        {
          kind: 'or',
          nodes: [
            { kind: 'compare', path: ['price'], op: 'ne', value: 5 },
            { kind: 'in', path: ['name'], negate: true, values: ['a'] },
          ],
        },
      ],
    });
  });

  it('returns null for an empty filter and converts dates to ISO strings', () => {
    expect(parseFilter(products, {})).toBeNull();
    expect(parseFilter(products, undefined)).toBeNull();
    const at = new Date('2026-01-02T03:04:05.000Z');
    expect(parseFilter(products, { name: { $gt: at } })).toEqual({
      kind: 'compare',
      path: ['name'],
      op: 'gt',
      value: at.toISOString(),
    });
  });

  it.each([
    ['an unknown operator', { price: { $regex: 'x' } }, 'PS_ERR_INVALID_FILTER'],
    ['an unknown top-level operator', { $where: 'sleep(1)' }, 'PS_ERR_INVALID_FILTER'],
    ['an injection through a key', { "name'; DROP TABLE products; --": 1 }, 'PS_ERR_INVALID_FILTER'],
    ['a path segment with quotes', { 'specs.ra"m': 1 }, 'PS_ERR_INVALID_FILTER'],
    ['an undeclared field', { colour: 'red' }, 'PS_ERR_UNKNOWN_FIELD'],
    ['$in without an array', { price: { $in: 5 } }, 'PS_ERR_INVALID_FILTER'],
    ['$exists with a string', { price: { $exists: 'yes' } }, 'PS_ERR_INVALID_FILTER'],
    ['$gt with an object', { price: { $gt: { a: 1 } } }, 'PS_ERR_INVALID_FILTER'],
    ['$or with an empty array', { $or: [] }, 'PS_ERR_INVALID_FILTER'],
    ['a function value', { name: () => 1 }, 'PS_ERR_INVALID_FILTER'],
    ['a non-finite number', { price: Number.NaN }, 'PS_ERR_INVALID_FILTER'],
    ['a non-object filter', 'price > 5', 'PS_ERR_INVALID_FILTER'],
    ['mixed operators and values', { specs: { $eq: 1, ram: 2 } }, 'PS_ERR_INVALID_FILTER'],
  ])('rejects %s with a coded error', (_label, filter, code) => {
    expect(codeOf(() => parseFilter(products, filter))).toBe(code);
  });

  it('names the field and the fix in the error', () => {
    try {
      parseFilter(products, { colour: 'red' });
      expect.unreachable();
    } catch (err) {
      expect(isPolystoreError(err) && err.field).toBe('colour');
      expect((err as Error).message).toMatch(/Fix: filter on a declared field \(id, name, price/);
    }
  });

  it('bounds nesting depth and condition count', () => {
    let deep: Record<string, unknown> = { price: 1 };
    for (let i = 0; i < 12; i++) deep = { $and: [deep] };
    expect(codeOf(() => parseFilter(products, deep))).toBe('PS_ERR_INVALID_FILTER');
    const wide = { $or: Array.from({ length: 300 }, (_, i) => ({ price: i })) };
    expect(codeOf(() => parseFilter(products, wide))).toBe('PS_ERR_INVALID_FILTER');
  });

  it('allows nested paths on relational entities only inside JSON columns', () => {
    expect(parseFilter(users, { 'meta.plan': 'pro' })).toEqual({
      kind: 'compare',
      path: ['meta', 'plan'],
      op: 'eq',
      value: 'pro',
    });
    expect(codeOf(() => parseFilter(users, { 'age.x': 1 }))).toBe('PS_ERR_INVALID_FILTER');
  });
});
