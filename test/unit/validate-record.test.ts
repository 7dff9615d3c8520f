import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { isPolystoreError } from '../../src/errors/index.js';
import { defineEntity } from '../../src/model/define-entity.js';
import { validateRecord } from '../../src/model/validate-record.js';

const users = defineEntity({
  name: 'users',
  schema: z.object({
    id: z.string(),
    email: z.email(),
    age: z.number().int().optional(),
    createdAt: z.date(),
    tags: z.array(z.string()),
  }),
});

async function codeOf(promise: Promise<unknown>): Promise<{ code?: string; field?: string; message?: string }> {
  try {
    await promise;
    return {};
  } catch (err) {
    return isPolystoreError(err) ? { code: err.code, field: err.field, message: err.message } : { code: 'other' };
  }
}

describe('entity definition', () => {
  it('maps zod fields to typed columns', () => {
    expect(users.table).toEqual({
      entity: 'users',
      table: 'users',
      storage: 'relational',
      columns: [
        { name: 'email', type: 'text', nullable: false },
        { name: 'age', type: 'integer', nullable: true },
        { name: 'createdAt', type: 'timestamp', nullable: false },
        { name: 'tags', type: 'json', nullable: false },
      ],
    });
  });

  it.each([
    ['a non-identifier name', () => defineEntity({ name: 'users; drop', schema: z.object({ id: z.string() }) })],
    ['no string id', () => defineEntity({ name: 'x', schema: z.object({ id: z.number() }) })],
    ['a reserved field', () => defineEntity({ name: 'x', schema: z.object({ id: z.string(), _version: z.number() }) })],
    [
      'a non-identifier relational field',
      () => defineEntity({ name: 'x', schema: z.object({ id: z.string(), 'a-b': z.string() }) }),
    ],
    [
      'relational storage without introspection',
      () =>
        defineEntity({
          name: 'x',
          storage: 'relational',
          schema: { '~standard': { version: 1, vendor: 'v', validate: (v: unknown) => ({ value: v }) } },
        }),
    ],
  ])('rejects %s as PS_ERR_INVALID_CONFIG', (_label, make) => {
    expect(() => make()).toThrowError(expect.objectContaining({ code: 'PS_ERR_INVALID_CONFIG' }));
  });
});

describe('validateRecord', () => {
  const good = { id: 'u1', email: 'a@example.com', createdAt: new Date(), tags: [] };

  it('accepts a valid record', async () => {
    await expect(validateRecord(users, good)).resolves.toMatchObject({ record: { id: 'u1' } });
  });

  it('rejects an unknown field by name, before the schema runs', async () => {
    const result = await codeOf(validateRecord(users, { ...good, isAdmin: true }));
    expect(result).toMatchObject({ code: 'PS_ERR_UNKNOWN_FIELD', field: 'isAdmin' });
    expect(result.message).toContain('Fix: remove it or declare it');
  });

  it('names the failing field of a schema violation', async () => {
    expect(await codeOf(validateRecord(users, { ...good, email: 'not-an-email' }))).toMatchObject({
      code: 'PS_ERR_VALIDATION',
      field: 'email',
    });
    expect(await codeOf(validateRecord(users, { ...good, tags: ['ok', 3] }))).toMatchObject({
      code: 'PS_ERR_VALIDATION',
      field: 'tags.1',
    });
    expect(await codeOf(validateRecord(users, null))).toMatchObject({ code: 'PS_ERR_VALIDATION' });
  });

  it('refuses an invalid Date with PS_ERR_VALIDATION naming the field', async () => {
    expect(await codeOf(validateRecord(users, { ...good, createdAt: new Date(Number.NaN) }))).toMatchObject({
      code: 'PS_ERR_VALIDATION',
      field: 'createdAt',
    });
  });

  it('rejects a payload over the limit', async () => {
    const big = { ...good, tags: Array.from({ length: 2000 }, () => 'x'.repeat(600)) };
    expect(await codeOf(validateRecord(users, big))).toMatchObject({
      code: 'PS_ERR_PAYLOAD_TOO_LARGE',
      field: 'users',
    });
    const limits = { maxPayloadBytes: 100, maxDepth: 64 };
    expect(await codeOf(validateRecord(users, { ...good, tags: ['x'.repeat(200)] }, limits))).toMatchObject({
      code: 'PS_ERR_PAYLOAD_TOO_LARGE',
    });
  });

  const docs = defineEntity({
    name: 'docs',
    storage: 'document',
    schema: z.object({ id: z.string(), body: z.unknown(), n: z.bigint().optional(), at: z.date().optional() }),
  });

  it('holds any record to its exact JSON size in UTF-8 bytes, at the limit and one byte under it (property)', async () => {
    // Text whose JSON is far longer than its length: escapes, control characters, multi-byte UTF-8.
    const heavy = fc.string({
      unit: fc.constantFrom('\u0001', '"', '\\', '\n', '€', '😀', 'a'),
      minLength: 100,
      maxLength: 400,
    });
    const text = fc.oneof(fc.string(), fc.string({ unit: 'grapheme' }), fc.string({ unit: 'binary' }), heavy);
    const json = fc.letrec((tie) => ({
      value: fc.oneof(
        { depthSize: 'small' },
        text,
        fc.double({ noNaN: true, noDefaultInfinity: true }),
        fc.integer(),
        fc.boolean(),
        fc.constant(null),
        fc.date({ noInvalidDate: true }),
        fc.array(tie('value'), { maxLength: 30 }),
        fc.array(fc.constant(''), { minLength: 200, maxLength: 300 }),
        fc.dictionary(text, tie('value'), { maxKeys: 8 }),
      ),
    })).value;
    await fc.assert(
      fc.asyncProperty(json, fc.option(fc.bigInt(), { nil: undefined }), async (body, n) => {
        const input = n === undefined ? { id: 'd1', body } : { id: 'd1', body, n };
        const exact = Buffer.byteLength(docs.codec.stringify(input), 'utf8');
        const at = { maxPayloadBytes: exact, maxDepth: 1000 };
        const under = { maxPayloadBytes: exact - 1, maxDepth: 1000 };
        const fits = await codeOf(validateRecord(docs, input, at));
        if (fits.code === 'PS_ERR_VALIDATION') return; // NUL or lone surrogate: refused before any size check
        expect(fits).toEqual({});
        expect((await codeOf(validateRecord(docs, input, under))).code).toBe('PS_ERR_PAYLOAD_TOO_LARGE');
      }),
      { numRuns: 300 },
    );
  });

  const notes = defineEntity({
    name: 'notes',
    storage: 'document',
    schema: z.object({ id: z.string(), body: z.unknown() }),
  });

  it.each([
    ['a NUL character in a nested string', { a: ['x\u0000y'] }, 'body.a.0'],
    ['a lone surrogate', { note: 'a\ud800b' }, 'body.note'],
    ['a NUL character in a key', { 'k\u0000': 1 }, 'body.k\u0000'],
    ['a non-finite number', { x: Number.POSITIVE_INFINITY }, 'body.x'],
    ['a BigInt where the schema declares none', { x: 10n }, 'body.x'],
  ])('refuses %s with PS_ERR_VALIDATION naming the field', async (_label, body, field) => {
    expect(await codeOf(validateRecord(notes, { id: 'n1', body }))).toMatchObject({ code: 'PS_ERR_VALIDATION', field });
  });

  it('refuses nesting deeper than the limit, however deep, without overflowing the stack', async () => {
    let deep: unknown = 1;
    for (let i = 0; i < 20_000; i++) deep = { a: deep };
    const result = await codeOf(validateRecord(docs, { id: 'd1', body: deep }));
    expect(result).toMatchObject({ code: 'PS_ERR_VALIDATION' });
    expect(result.message).toContain('nests deeper than 64 levels');
    let shallow: unknown = 1;
    for (let i = 0; i < 60; i++) shallow = { a: shallow };
    await expect(validateRecord(docs, { id: 'd1', body: shallow })).resolves.toBeTruthy();
  });

  it('carries a declared BigInt through its JSON form and back', async () => {
    const { record } = await validateRecord(docs, { id: 'd1', body: null, n: 12345678901234567890n });
    const json = docs.codec.toJson(record);
    expect(json.n).toBe('12345678901234567890');
    expect(docs.codec.fromJson(json).n).toBe(12345678901234567890n);
  });
});

describe('record codec', () => {
  const things = defineEntity({
    name: 'things',
    schema: z.object({
      id: z.string(),
      opt: z.string().optional(),
      nul: z.string().nullable(),
      both: z.number().nullish(),
      at: z.date(),
      meta: z.object({ seen: z.array(z.object({ when: z.date() })), tags: z.record(z.string(), z.date()) }).optional(),
    }),
  });
  const at = new Date('2026-01-02T03:04:05.678Z');

  it('gives the same record from the home row, the event payload and the cache value', async () => {
    const { record } = await validateRecord(things, { id: 't1', nul: null, at });
    // A relational row: NULL columns for everything unset.
    const row = { id: 't1', opt: null, nul: null, both: null, at, meta: null };
    const fromHome = things.codec.fromHome('t1', row);
    const fromJson = things.codec.fromJson(JSON.parse(JSON.stringify(record)));
    expect(fromHome).toEqual(record);
    expect(fromJson).toEqual(record);
    expect(record).toEqual({ id: 't1', nul: null, both: null, at });
    expect('opt' in fromHome).toBe(false);
  });

  it('revives dates nested in objects, arrays and records', () => {
    const json = {
      id: 't1',
      nul: null,
      at: at.toISOString(),
      meta: { seen: [{ when: at.toISOString() }], tags: { x: at.toISOString() } },
    };
    const record = things.codec.fromJson(json) as { meta: { seen: { when: Date }[]; tags: Record<string, Date> } };
    expect(record.meta.seen[0]!.when).toEqual(at);
    expect(record.meta.tags.x).toEqual(at);
    expect(things.codec.toJson(record)).toEqual(json);
  });
});
