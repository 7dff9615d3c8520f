import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  ERROR_CATALOGUE,
  isPolystoreError,
  PolystoreError,
  redactSecrets,
  wrapStoreError,
} from '../../src/errors/index.js';

describe('error catalogue', () => {
  const doc = readFileSync(new URL('../../docs/errors.md', import.meta.url), 'utf8');
  const rows = doc
    .split('\n')
    .filter((line) => line.startsWith('|'))
    .map((line) => line.split('|').map((cell) => cell.trim()))
    .filter((cells) => /^`PS_ERR_[A-Z_]+`$/.test(cells[1] ?? ''));

  it.each(Object.keys(ERROR_CATALOGUE))('documents %s in docs/errors.md with its status and a fix', (code) => {
    const row = rows.find((cells) => cells[1] === `\`${code}\``);
    expect(row, `${code} is missing from docs/errors.md`).toBeDefined();
    expect(row![2]).toBe(String(ERROR_CATALOGUE[code as keyof typeof ERROR_CATALOGUE].status));
    expect(row![4]?.length).toBeGreaterThan(5);
  });

  it('documents no code that the catalogue lacks', () => {
    const documented = rows.map((cells) => cells[1]!.slice(1, -1));
    expect(documented.sort()).toEqual(Object.keys(ERROR_CATALOGUE).sort());
  });

  it('brands errors so they are recognised without instanceof', () => {
    const err = new PolystoreError('PS_ERR_NOT_FOUND', 'No users has the id "x"', { field: 'id', fix: 'check it' });
    expect(isPolystoreError(err)).toBe(true);
    expect(isPolystoreError(err, 'PS_ERR_NOT_FOUND')).toBe(true);
    expect(isPolystoreError(err, 'PS_ERR_VALIDATION')).toBe(false);
    expect(isPolystoreError(new Error('x'))).toBe(false);
    expect(isPolystoreError({ code: 'PS_ERR_NOT_FOUND' })).toBe(false);
    expect(err.status).toBe(404);
    expect(err.message).toContain('Fix: check it');
  });

  it('redacts credentials from connection strings and key=value pairs', () => {
    const text = redactSecrets(
      'cannot reach postgres://admin:s3cret@db:5432/app and redis://:hunter2@cache:6379 password=abc token=xyz',
    );
    expect(text).not.toMatch(/s3cret|hunter2|abc|xyz/);
    expect(text).toContain('postgres://admin:***@db:5432/app');
    const err = new PolystoreError('PS_ERR_STORE_UNAVAILABLE', 'cannot connect to postgres://u:pw123@h/db');
    expect(err.message).not.toContain('pw123');
    // A NATS token travels as bare userinfo.
    const nats = redactSecrets('cannot reach nats://s3cr3tT0ken@127.0.0.1:4222 or nats://u:p@h:1');
    expect(nats).not.toMatch(/s3cr3tT0ken|u:p@/);
    expect(nats).toContain('nats://***@127.0.0.1:4222');
  });

  it('wraps driver errors with the cause kept and the message not copied', () => {
    const driver = new Error('duplicate key value (id)=(secret-value)');
    const err = wrapStoreError(driver, 'PS_ERR_STORE_QUERY', 'The insert into users failed');
    expect(err.cause).toBe(driver);
    expect(err.message).not.toContain('secret-value');
    expect(err.stack).toContain('--- caller ---');
  });
});
