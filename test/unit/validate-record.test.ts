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
    await expect(validateRecord(users, good)).resolves.toMatchObject({ id: 'u1' });
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

  it('rejects a payload over the limit', async () => {
    const big = { ...good, tags: Array.from({ length: 2000 }, () => 'x'.repeat(600)) };
    expect(await codeOf(validateRecord(users, big))).toMatchObject({
      code: 'PS_ERR_PAYLOAD_TOO_LARGE',
      field: 'users',
    });
    expect(await codeOf(validateRecord(users, { ...good, tags: ['x'.repeat(200)] }, 100))).toMatchObject({
      code: 'PS_ERR_PAYLOAD_TOO_LARGE',
    });
  });
});
