import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { inspect } from 'node:util';
import { Pool } from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { type PgPoolLike, postgresHome } from '../../src/adapters/postgres/index.js';
import { resolvePostgresOptions } from '../../src/adapters/postgres/postgres-options.js';
import type { ChangeEvent } from '../../src/contracts/change-event.js';
import type { EntityTableSpec, HomeStore } from '../../src/contracts/home-store.js';
import { parseOutboxPosition } from '../../src/contracts/log-position.js';
import { isPolystoreError, type PolystoreError } from '../../src/errors/index.js';
import { describeError } from '../../src/runtime/logger.js';
import { describeHomeContract } from '../contracts/home-contract.js';
import { describeSagaLogContract } from '../contracts/saga-log-contract.js';
import { describeWithServer, SERVER_URLS } from '../support/servers.js';
import { uniqueName } from '../support/temp-dir.js';

const PASSWORD = `pw-${randomUUID()}`;
/** Pool size of the contract's homes: every writer of a race gets its own connection. */
const RACERS = 12;
const CAPABILITIES = { concurrentTransactions: true, batchWrites: true, fusedCreate: true, connections: RACERS };

/**
 * `home`, whose ensureSchema is run by `creator` instead: `home` then knows no
 * create-row function and writes with its separate statements, as a process
 * that did not create the tables itself does.
 */
function withSchemaFrom(home: HomeStore, creator: HomeStore): HomeStore {
  return new Proxy(home, {
    get(target, key) {
      if (key === 'ensureSchema') return (specs: readonly EntityTableSpec[]) => creator.ensureSchema(specs);
      const value: unknown = Reflect.get(target, key);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}

function docSpec(): EntityTableSpec {
  const name = uniqueName('note');
  return { entity: name, table: name, storage: 'document', columns: [] };
}

async function failure(promise: Promise<unknown>): Promise<PolystoreError> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!isPolystoreError(err)) throw new Error(`expected a PolystoreError, got ${String(err)}`);
  return err;
}

describe('postgres home options', () => {
  it('passes the ssl option through to the pool it opens, untouched', () => {
    const ssl = { ca: '-----BEGIN CERTIFICATE-----', rejectUnauthorized: true, servername: 'db.internal' };
    const resolved = resolvePostgresOptions({ connectionString: 'postgres://app@db.internal/shop', ssl, max: 7 });
    expect(resolved.kind).toBe('url');
    if (resolved.kind !== 'url') return;
    expect(resolved.config).toMatchObject({ connectionString: 'postgres://app@db.internal/shop', max: 7 });
    expect(resolved.config.ssl).toBe(ssl);
    const on = resolvePostgresOptions({ connectionString: 'postgres://app@db/shop', ssl: true });
    expect(on.kind === 'url' && on.config.ssl).toBe(true);
    // Without the option, pg's own default (and PGSSLMODE) applies.
    const plain = resolvePostgresOptions({ connectionString: 'postgres://app@db/shop' });
    expect(plain.kind === 'url' && 'ssl' in plain.config).toBe(false);
  });

  it('makes mixing a pool with URL options a type error, and accepts a pg.Pool as PgPoolLike', () => {
    const pool = new Pool();
    const like: PgPoolLike = pool;
    // @ts-expect-error a pool comes configured: max belongs on the pool
    expect(() => postgresHome({ pool: like, max: 5 })).toThrow(/both pool and max/);
    // @ts-expect-error TLS is set where the pool is created
    expect(() => postgresHome({ pool: like, ssl: true })).toThrow(/both pool and ssl/);
  });

  it('takes the URL from POLYSTORE_POSTGRES_URL by default', () => {
    const resolved = resolvePostgresOptions({}, { POLYSTORE_POSTGRES_URL: 'postgresql://app@db:6543/shop' });
    expect(resolved.kind === 'url' && resolved.config.connectionString).toBe('postgresql://app@db:6543/shop');
    expect(resolved.target.startHint).toContain('db:6543');
  });

  it('validates its options at construction, never echoing the connection string', () => {
    const url = `postgres://app:${PASSWORD}@db/shop`;
    const pool = new Pool();
    const cases: [unknown, string][] = [
      [{ connectionString: url, colour: 'red' }, 'colour'],
      [{ pool, max: 5 }, 'max'],
      [{ pool, connectionString: url }, 'connectionString'],
      [{ pool, ssl: true }, 'ssl'],
      [{ pool: { query() {} } }, 'pool'],
      [{ connectionString: `mysql://app:${PASSWORD}@db/shop` }, 'connectionString'],
      [{ connectionString: '' }, 'connectionString'],
      [{ connectionString: `${url}?sslmode=require`, ssl: { ca: 'x' } }, 'ssl'],
      [{ connectionString: url, ssl: 'yes' }, 'ssl'],
      [{ connectionString: url, max: 0 }, 'max'],
      [{ connectionString: url, max: 1.5 }, 'max'],
      [{ connectionString: url, schema: 'bad-name; drop' }, 'schema'],
    ];
    for (const [options, field] of cases) {
      let thrown: unknown;
      try {
        postgresHome(options as Parameters<typeof postgresHome>[0]);
      } catch (err) {
        thrown = err;
      }
      expect(isPolystoreError(thrown, 'PS_ERR_INVALID_CONFIG'), JSON.stringify(field)).toBe(true);
      expect((thrown as PolystoreError).field).toBe(field);
      expect((thrown as PolystoreError).message).not.toContain(PASSWORD);
    }
    expect(() => resolvePostgresOptions({}, {})).toThrow(/POLYSTORE_POSTGRES_URL/);
  });

  it('reports a server that is down as unavailable, naming it without the password', async () => {
    const home = postgresHome({ connectionString: `postgres://app:${PASSWORD}@127.0.0.1:1/shop` });
    try {
      const err = await failure(home.ready());
      expect(err.code).toBe('PS_ERR_STORE_UNAVAILABLE');
      expect(err.message).toContain('postgres://app:***@127.0.0.1:1/shop');
      expect(err.message).toContain('start PostgreSQL on 127.0.0.1:1');
      expect(err.details).toEqual({ code: 'ECONNREFUSED' });
      const rendered = [err.message, err.stack, JSON.stringify(err), inspect(err, { depth: 10 }), describeError(err)];
      for (const text of rendered) expect(text).not.toContain(PASSWORD);
      // A failed open is retried by the next call, which fails the same way.
      expect((await failure(home.readOutbox(null, 10))).code).toBe('PS_ERR_STORE_UNAVAILABLE');
    } finally {
      await home.close();
    }
  });
});

await describeWithServer('postgres', 'postgres server home', () => {
  let admin: Pool | undefined;
  const created: string[] = [];
  const adminPool = () => {
    if (!admin) {
      admin = new Pool({ connectionString: SERVER_URLS.postgres, max: 2 });
      admin.on('error', () => undefined);
    }
    return admin;
  };
  /** A schema the store creates in ensureSchema() and the test drops. */
  const freshSchema = () => {
    const schema = `test_${randomUUID().replaceAll('-', '')}`;
    created.push(schema);
    return schema;
  };
  const dropSchema = (schema: string) => adminPool().query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
  const sharedPool = new Pool({ connectionString: SERVER_URLS.postgres, max: RACERS });
  sharedPool.on('error', () => undefined);

  afterAll(async () => {
    await sharedPool.end();
    const pool = adminPool();
    const { rows } = await pool.query('SELECT nspname FROM pg_namespace WHERE nspname = ANY($1::text[])', [created]);
    await pool.end();
    expect(rows, 'schemas left behind').toEqual([]);
  });

  /** A home on a pool of RACERS connections in a fresh schema, dropped afterwards. */
  const freshHome = async () => {
    const schema = freshSchema();
    const home = postgresHome({ connectionString: SERVER_URLS.postgres, schema, max: RACERS });
    return {
      home,
      cleanup: async () => {
        await home.close();
        await dropSchema(schema);
      },
    };
  };

  describeHomeContract('postgres (connection string)', freshHome, CAPABILITIES);
  describeSagaLogContract('postgres', freshHome, { concurrent: true, recordsReturnSaga: true });

  describeHomeContract(
    'postgres (unprepared statements)',
    async () => {
      const schema = freshSchema();
      const home = postgresHome({
        connectionString: SERVER_URLS.postgres,
        schema,
        max: RACERS,
        preparedStatements: false,
      });
      return {
        home,
        cleanup: async () => {
          await home.close();
          await dropSchema(schema);
        },
      };
    },
    CAPABILITIES,
  );

  describeHomeContract(
    'postgres (tables created by another process: plain statements, no create-row function)',
    async () => {
      const schema = freshSchema();
      const creator = postgresHome({ connectionString: SERVER_URLS.postgres, schema, max: 1 });
      const writer = postgresHome({ connectionString: SERVER_URLS.postgres, schema, max: RACERS });
      return {
        home: withSchemaFrom(writer, creator),
        cleanup: async () => {
          await Promise.all([writer.close(), creator.close()]);
          await dropSchema(schema);
        },
      };
    },
    CAPABILITIES,
  );

  describeHomeContract(
    'postgres (injected pool)',
    async () => {
      const schema = freshSchema();
      const home = postgresHome({ pool: sharedPool, schema });
      return {
        home,
        cleanup: async () => {
          await home.close();
          await dropSchema(schema);
        },
      };
    },
    CAPABILITIES,
  );

  /** Runs `body` with a home on a fresh schema, then closes it and drops the schema. */
  async function withHome(
    options: { connectionString?: string; pool?: Pool; max?: number; preparedStatements?: boolean },
    body: (home: HomeStore, spec: EntityTableSpec) => Promise<void>,
  ): Promise<void> {
    const schema = freshSchema();
    const home = options.pool
      ? postgresHome({ pool: options.pool, schema, preparedStatements: options.preparedStatements })
      : postgresHome({ connectionString: options.connectionString ?? SERVER_URLS.postgres, schema, max: options.max });
    const spec = docSpec();
    try {
      await home.ensureSchema([spec]);
      await body(home, spec);
    } finally {
      await home.close();
      await dropSchema(schema);
    }
  }

  /** A URL whose sessions are tagged, so a test can find (and terminate) exactly its own. */
  function taggedUrl(): { url: string; tag: string } {
    const tag = uniqueName('ps');
    const url = new URL(SERVER_URLS.postgres);
    url.searchParams.set('application_name', tag);
    return { url: url.toString(), tag };
  }

  async function terminateSessions(sql: string, params: unknown[]): Promise<number[]> {
    const { rows } = await adminPool().query<{ pid: number }>(sql, params);
    const pids = rows.map((row) => row.pid);
    await adminPool().query('SELECT pg_terminate_backend(pid) FROM unnest($1::int[]) AS t(pid)', [pids]);
    for (let i = 0; i < 100; i++) {
      const alive = await adminPool().query('SELECT 1 FROM pg_stat_activity WHERE pid = ANY($1::int[])', [pids]);
      if (alive.rows.length === 0) break;
      await sleep(20);
    }
    return pids;
  }

  describe('postgres home', () => {
    it('leaves an injected pool open on close and gives back every client it checked out', async () => {
      const pool = new Pool({ connectionString: SERVER_URLS.postgres, max: 3 });
      pool.on('error', () => undefined);
      try {
        await withHome({ pool }, async (home, spec) => {
          await home.transaction((tx) => tx.insert(spec, 'n1', { n: 1 }));
          expect((await failure(home.transaction((tx) => tx.insert(spec, 'n1', { n: 2 })))).code).toBe(
            'PS_ERR_ALREADY_EXISTS',
          );
          const boom = new Error('boom');
          const thrown = home.transaction(async (tx) => {
            await tx.insert(spec, 'n2', { n: 2 });
            throw boom;
          });
          await expect(thrown).rejects.toBe(boom);
          // More transactions than the pool has clients: they queue, then all succeed.
          const many = Array.from({ length: 12 }, (_, i) => home.transaction((tx) => tx.insert(spec, `m${i}`, { i })));
          expect(await Promise.all(many)).toEqual(Array(12).fill(1));
          expect(await home.count(spec, null)).toBe(13);
          expect(pool.idleCount).toBe(pool.totalCount);
          expect(pool.waitingCount).toBe(0);
        });
        expect((await pool.query('SELECT 1 AS one')).rows).toEqual([{ one: 1 }]);
      } finally {
        await pool.end();
      }
    });

    it('runs its statements prepared once per connection, unless preparedStatements is false', async () => {
      for (const preparedStatements of [true, false]) {
        // One connection, so the pool's session is the one that holds the prepared statements.
        const pool = new Pool({ connectionString: SERVER_URLS.postgres, max: 1 });
        pool.on('error', () => undefined);
        try {
          await withHome({ pool, preparedStatements }, async (home, spec) => {
            for (let i = 0; i < 3; i++) {
              await home.transaction((tx) => tx.insert(spec, `p${i}`, { i }));
              await home.get(spec, `p${i}`);
            }
            const { rows } = await pool.query<{ name: string }>(
              `SELECT name FROM pg_prepared_statements WHERE name LIKE 'polystore\\_%'`,
            );
            if (preparedStatements) {
              // The insert and the read, each prepared once however often it ran.
              expect(rows.length).toBeGreaterThanOrEqual(2);
              expect(new Set(rows.map((r) => r.name)).size).toBe(rows.length);
            } else {
              expect(rows).toEqual([]);
            }
            expect((await home.getMany(spec, ['p0', 'p2'])).map((r) => r.id)).toEqual(['p0', 'p2']);
          });
        } finally {
          await pool.end();
        }
      }
    });

    it('refuses a preparedStatements option that is not a boolean', () => {
      expect(() =>
        postgresHome({ connectionString: SERVER_URLS.postgres, preparedStatements: 'yes' as never }),
      ).toThrow(/preparedStatements/);
    });

    it('destroys a client whose session ended mid-transaction and reports the loss as unavailable', async () => {
      const pool = new Pool({ connectionString: SERVER_URLS.postgres, max: 1 });
      pool.on('error', () => undefined);
      const releasedWith: unknown[] = [];
      pool.on('release', (err) => releasedWith.push(err));
      try {
        await withHome({ pool }, async (home, spec) => {
          const pidOf = async () => (await pool.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0]!.pid;
          const before = await pidOf();
          const failed = home.transaction(async (tx) => {
            await tx.insert(spec, 'n1', { n: 1 });
            // The pool has one client, so this transaction holds the session `before`.
            await terminateSessions('SELECT $1::int AS pid', [before]);
            await tx.get(spec, 'n1');
          });
          expect((await failure(failed)).code).toBe('PS_ERR_STORE_UNAVAILABLE');
          expect(releasedWith.at(-1)).toBeInstanceOf(Error);
          // The dead client was destroyed, not pooled: the next call opens a new session.
          expect(await home.get(spec, 'n1')).toBeNull();
          expect(await pidOf()).not.toBe(before);
          expect(pool.totalCount).toBe(1);
        });
      } finally {
        await pool.end();
      }
    });

    it('survives the server ending idle sessions of its own pool, reporting only unavailability meanwhile', async () => {
      const { url, tag } = taggedUrl();
      await withHome({ connectionString: url, max: 3 }, async (home, spec) => {
        await Promise.all([home.get(spec, 'a'), home.get(spec, 'b'), home.count(spec, null)]);
        const pids = await terminateSessions('SELECT pid FROM pg_stat_activity WHERE application_name = $1', [tag]);
        expect(pids.length).toBeGreaterThan(0);
        // An unheard 'error' event from the pool would crash this process here.
        const codes = new Set<string>();
        let recovered = false;
        for (let attempt = 0; attempt < 50 && !recovered; attempt++) {
          try {
            await home.get(spec, 'a');
            recovered = true;
          } catch (err) {
            codes.add(isPolystoreError(err) ? err.code : String(err));
            await sleep(20);
          }
        }
        expect(recovered).toBe(true);
        expect([...codes].filter((code) => code !== 'PS_ERR_STORE_UNAVAILABLE')).toEqual([]);
      });
    });

    it('maps an administrator shutdown during a statement (57P01) to unavailable, so projectors retry', async () => {
      const { url, tag } = taggedUrl();
      await withHome({ connectionString: url, max: 2 }, async (home) => {
        await home.ready();
        const schema = created.at(-1)!;
        const locker = await adminPool().connect();
        try {
          await locker.query('BEGIN');
          await locker.query(`LOCK TABLE "${schema}"."_ps_outbox" IN ACCESS EXCLUSIVE MODE`);
          const blocked = failure(home.readOutbox(null, 10)); // handled from now on
          let pids: number[] = [];
          for (let i = 0; i < 100 && pids.length === 0; i++) {
            await sleep(20);
            pids = await terminateSessions(
              `SELECT pid FROM pg_stat_activity WHERE application_name = $1 AND wait_event_type = 'Lock'`,
              [tag],
            );
          }
          const err = await blocked;
          expect(err.code).toBe('PS_ERR_STORE_UNAVAILABLE');
          expect(err.details).toEqual({ sqlstate: '57P01' });
          expect(err.message).toContain('reading the outbox');
        } finally {
          await locker.query('ROLLBACK');
          locker.release();
        }
        expect(await home.readOutbox(null, 10)).toEqual([]);
      });
    });

    it.each([
      { shape: '4 writers x 50 single-row transactions', writers: 4, perTransaction: 1, transactions: 50 },
      { shape: '4 overlapping transactions x 50 rows', writers: 4, perTransaction: 50, transactions: 1 },
    ])('reads concurrent writers back in full, in order, without gaps: $shape', async (shape) => {
      const total = shape.writers * shape.perTransaction * shape.transactions;
      await withHome({ max: shape.writers + 1 }, async (home, spec) => {
        // Every writer's first transaction waits until all writers hold one open,
        // which proves the transactions really overlap (a serialising home times out).
        let arrived = 0;
        let allArrived!: () => void;
        const barrier = new Promise<void>((resolve) => (allArrived = resolve));
        const meet = async () => {
          if (++arrived === shape.writers) allArrived();
          await Promise.race([
            barrier,
            sleep(10_000, undefined, { ref: false }).then(() =>
              Promise.reject(new Error('transactions did not overlap')),
            ),
          ]);
        };
        const writer = async (w: number) => {
          for (let t = 0; t < shape.transactions; t++) {
            await home.transaction(async (tx) => {
              for (let r = 0; r < shape.perTransaction; r++) {
                const key = `w${w}-t${t}-r${r}`;
                const version = await tx.insert(spec, key, { w, t, r });
                await tx.appendOutbox({ entity: spec.entity, key, version, op: 'create', payload: { w, t, r } });
                if (t === 0 && r === 0) await meet();
              }
            });
          }
        };
        // A projector-like reader tails the outbox while the writers run.
        const tail = async (): Promise<ChangeEvent[]> => {
          const seen: ChangeEvent[] = [];
          const deadline = Date.now() + 30_000;
          while (seen.length < total && Date.now() < deadline) {
            const page = await home.readOutbox(seen.at(-1)?.position ?? null, 17);
            seen.push(...page);
            if (page.length === 0) await sleep(5);
          }
          return seen;
        };
        const [tailed] = await Promise.all([tail(), ...Array.from({ length: shape.writers }, (_, w) => writer(w))]);

        const all = await home.readOutbox(null, total + 10);
        expect(all).toHaveLength(total);
        expect(tailed.map((e) => e.position)).toEqual(all.map((e) => e.position));
        expect(all.every((e, i) => i === 0 || all[i - 1]!.position < e.position)).toBe(true);
        expect(new Set(all.map((e) => e.eventId)).size).toBe(total);
        // One sequence, no rollbacks: the seq values are exactly 1..total.
        const seqs = all.map((e) => Number(parseOutboxPosition(e.position).seq)).sort((a, b) => a - b);
        expect(seqs).toEqual(Array.from({ length: total }, (_, i) => i + 1));
        expect(new Set(all.map((e) => parseOutboxPosition(e.position).txId)).size).toBe(
          shape.writers * shape.transactions,
        );
        expect(await home.count(spec, null)).toBe(total);
      });
    });

    it('hands the ssl option to pg (this server has TLS off, so ssl: true is refused)', async (ctx) => {
      const { rows } = await adminPool().query<{ ssl: string }>('SHOW ssl');
      if (rows[0]?.ssl === 'on') ctx.skip();
      const home = postgresHome({ connectionString: SERVER_URLS.postgres, ssl: true });
      try {
        const err = await failure(home.ready());
        expect(err.code).toBe('PS_ERR_STORE_UNAVAILABLE');
        expect(String((err.cause as Error).message)).toMatch(/SSL/);
      } finally {
        await home.close();
      }
    });
  });
});
