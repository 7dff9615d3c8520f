import { describe, expect, it } from 'vitest';
import { PolystoreError, pinoLogger } from '../../src/index.js';

/** Collects the JSON lines pino writes. */
function sink() {
  const lines: string[] = [];
  return { lines, destination: { write: (line: string) => lines.push(line) } };
}

describe('the pino logger', () => {
  it('writes one JSON line per call, without any password, API key or authorization header', async () => {
    const { lines, destination } = sink();
    const logger = await pinoLogger({ level: 'debug', destination, base: { service: 'worker' } });
    const cause = new Error('connect ECONNREFUSED postgres://app:s3cret-pw@db.internal:5432/shop');
    const error = new PolystoreError('PS_ERR_STORE_UNAVAILABLE', 'home unreachable', { cause });
    logger.error(
      {
        error: cause,
        wrapped: error,
        url: 'redis://:hunter2@cache:6379/0',
        headers: { authorization: 'Bearer eyJhbGciOi.payload.sig', accept: 'application/json' },
        apiKey: 'sk-live-123456',
        request: { query: 'https://api.example.com/v1?token=tok-987&page=2' },
      },
      'could not reach postgres://app:s3cret-pw@db.internal:5432/shop',
    );
    logger.debug({ attempt: 2 }, 'retrying');
    expect(lines).toHaveLength(2);
    const text = lines.join('');
    for (const secret of ['s3cret-pw', 'hunter2', 'eyJhbGciOi', 'sk-live-123456', 'tok-987']) {
      expect(text).not.toContain(secret);
    }
    const line = JSON.parse(lines[0]!);
    expect(line).toMatchObject({
      level: 50,
      service: 'worker',
      msg: 'could not reach postgres://app:***@db.internal:5432/shop',
      error: { type: 'Error', message: 'connect ECONNREFUSED postgres://app:***@db.internal:5432/shop' },
      wrapped: { code: 'PS_ERR_STORE_UNAVAILABLE', cause: { message: expect.stringContaining('app:***@') } },
      headers: { authorization: '[redacted]', accept: 'application/json' },
      apiKey: '[redacted]',
      request: { query: 'https://api.example.com/v1?token=***&page=2' },
    });
    expect(line.error.stack).toContain('app:***@');
    expect(JSON.parse(lines[1]!)).toMatchObject({ level: 20, attempt: 2, msg: 'retrying' });
  });

  it('honours its level', async () => {
    const { lines, destination } = sink();
    const logger = await pinoLogger({ level: 'warn', destination });
    logger.info({}, 'not written');
    logger.warn({ view: 'items_cache' }, 'written');
    expect(lines.map((l) => JSON.parse(l).msg)).toEqual(['written']);
  });
});
