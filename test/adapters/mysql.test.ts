import { randomBytes } from 'node:crypto';
import { createPool, type Pool } from 'mysql2/promise';
import { afterAll, describe, expect, it } from 'vitest';
import { mysqlHome } from '../../src/adapters/mysql/index.js';
import type { ChangeEvent } from '../../src/contracts/change-event.js';
import type { EntityTableSpec, HomeStore } from '../../src/contracts/home-store.js';
import type { LogPosition } from '../../src/contracts/log-position.js';
import { type ErrorCode, isPolystoreError, type PolystoreError } from '../../src/errors/index.js';
import { describeHomeContract } from '../contracts/home-contract.js';
import { describeSagaLogContract } from '../contracts/saga-log-contract.js';
import { describeWithServer, SERVER_URLS } from '../support/servers.js';
import { uniqueName } from '../support/temp-dir.js';

let admin: Pool | undefined;
const adminPool = (): Pool => {
  admin ??= createPool({ uri: SERVER_URLS.mysql, connectionLimit: 2 });
  return admin;
};
afterAll(async () => {
  await admin?.end();
});

/** A database of its own per test, `test_<random>`; `drop()` removes it. */
async function freshDatabase(create = true): Promise<{ name: string; drop: () => Promise<void> }> {
  const name = `test_${randomBytes(8).toString('hex')}`;
  if (create) await adminPool().query(`CREATE DATABASE \`${name}\``);
  return { name, drop: async () => void (await adminPool().query(`DROP DATABASE IF EXISTS \`${name}\``)) };
}

function docSpec(): EntityTableSpec {
  const name = uniqueName('note');
  return { entity: name, table: name, storage: 'document', columns: [] };
}

/** A home in a fresh database with one document entity. */
async function openHome(): Promise<{
  home: HomeStore;
  spec: EntityTableSpec;
  db: string;
  cleanup: () => Promise<void>;
}> {
  const db = await freshDatabase();
  const home = mysqlHome({ uri: SERVER_URLS.mysql, database: db.name });
  const spec = docSpec();
  await home.ensureSchema([spec]);
  return {
    home,
    spec,
    db: db.name,
    cleanup: async () => {
      await home.close();
      await db.drop();
    },
  };
}

function create(home: HomeStore, spec: EntityTableSpec, key: string, payload: Record<string, unknown> = {}) {
  return home.transaction(async (tx) => {
    const version = await tx.insert(spec, key, payload);
    return tx.appendOutbox({ entity: spec.entity, key, version, op: 'create', payload });
  });
}

async function expectCode(promise: Promise<unknown>, code: ErrorCode): Promise<PolystoreError> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(isPolystoreError(err, code), `expected ${code}, got ${String(err)}`).toBe(true);
  return err as PolystoreError;
}

function strictlyIncreasing(positions: readonly LogPosition[]): boolean {
  return positions.every((p, i) => i === 0 || positions[i - 1]! < p);
}

await describeWithServer('mysql', 'mysql home (MariaDB)', () => {
  /** A home in a fresh database, dropped afterwards. */
  const freshHome = async () => {
    const db = await freshDatabase();
    const home = mysqlHome({ uri: SERVER_URLS.mysql, database: db.name });
    return {
      home,
      cleanup: async () => {
        await home.close();
        await db.drop();
      },
    };
  };

  describeHomeContract(
    'mysql',
    freshHome,
    // mysql2's default pool: 10 connections. Batches raced against deletes and
    // re-creates of their ids can deadlock (InnoDB error 1213: the transaction is
    // rolled back, nothing half-written, to be retried), which the ledger counts
    // as a broken round; they race once it accepts a retryable conflict.
    { concurrentTransactions: true, batchWrites: true, connections: 10 },
  );

  describeSagaLogContract('mysql', freshHome, { concurrent: true, recordsReturnSaga: false });

  describe('mysql home', () => {
    it('hands a concurrent reader every event of 4 parallel writers once, in increasing positions', async () => {
      const { home, spec, cleanup } = await openHome();
      try {
        let writing = true;
        const seen: ChangeEvent[] = [];
        const reader = (async () => {
          let after: LogPosition | null = null;
          for (;;) {
            const last = !writing; // read before the page: a page read after the writers finished sees them all
            const page = await home.readOutbox(after, 64);
            seen.push(...page);
            if (page.length > 0) after = page.at(-1)!.position;
            else if (last) return;
          }
        })();
        const returned = await Promise.all(
          [0, 1, 2, 3].map(async (writer) => {
            const positions: LogPosition[] = [];
            for (let i = 0; i < 50; i++) positions.push(await create(home, spec, `w${writer}-${i}`, { writer, i }));
            return positions;
          }),
        );
        writing = false;
        await reader;

        const all = await home.readOutbox(null, 1000);
        expect(all).toHaveLength(200);
        expect(new Set(all.map((e) => e.eventId)).size).toBe(200);
        expect(strictlyIncreasing(all.map((e) => e.position))).toBe(true);
        expect(new Set(all.map((e) => e.position))).toEqual(new Set(returned.flat()));
        for (const positions of returned) expect(strictlyIncreasing(positions)).toBe(true);
        expect(seen.map((e) => e.position)).toEqual(all.map((e) => e.position));
        expect(await home.outboxHead()).toBe(all.at(-1)!.position);
      } finally {
        await cleanup();
      }
    });

    it('holds events back behind a writer whose connection died, then reaps it', async () => {
      const { home, spec, db, cleanup } = await openHome();
      try {
        let appended!: () => void;
        let release!: () => void;
        const aHasAppended = new Promise<void>((resolve) => (appended = resolve));
        const aMayFinish = new Promise<void>((resolve) => (release = resolve));
        const txA = home.transaction(async (tx) => {
          await tx.insert(spec, 'a', {});
          await tx.appendOutbox({ entity: spec.entity, key: 'a', version: 1, op: 'create', payload: {} });
          appended();
          await aMayFinish;
        });
        const failedA = expectCode(txA, 'PS_ERR_STORE_UNAVAILABLE');
        await aHasAppended;
        await create(home, spec, 'b');
        expect(await home.readOutbox(null, 10)).toEqual([]);

        const [writers] = await adminPool().query(`SELECT conn_id FROM \`${db}\`.\`_ps_outbox_writers\``);
        const [writer] = writers as { conn_id: number }[];
        await adminPool().query(`KILL CONNECTION ${Number(writer!.conn_id)}`);
        let events: ChangeEvent[] = [];
        for (let i = 0; i < 100 && events.length === 0; i++) {
          events = await home.readOutbox(null, 10);
          if (events.length === 0) await new Promise((resolve) => setTimeout(resolve, 50));
        }
        expect(events.map((e) => e.key)).toEqual(['b']);

        release();
        await failedA;
        expect(await home.get(spec, 'a')).toBeNull();
        expect((await home.readOutbox(null, 10)).map((e) => e.key)).toEqual(['b']);
        const [left] = await adminPool().query(`SELECT COUNT(*) AS n FROM \`${db}\`.\`_ps_outbox_writers\``);
        expect(Number((left as { n: number }[])[0]!.n)).toBe(0);
      } finally {
        await cleanup();
      }
    });

    it('keeps ids distinct by case and trailing spaces', async () => {
      const { home, spec, cleanup } = await openHome();
      try {
        for (const id of ['a', 'A', 'a ']) await create(home, spec, id, { id });
        expect((await home.listVersions(spec)).map((row) => row.id)).toEqual(['A', 'a', 'a ']);
        expect((await home.get(spec, 'a '))?.id).toBe('a ');
      } finally {
        await cleanup();
      }
    });

    it('creates its database in ensureSchema when it does not exist yet', async () => {
      const db = await freshDatabase(false);
      const home = mysqlHome({ uri: SERVER_URLS.mysql, database: db.name });
      try {
        const spec = docSpec();
        await home.ensureSchema([spec]);
        expect(await create(home, spec, 'n1')).toMatch(/^\d{20}:\d{20}$/);
      } finally {
        await home.close();
        await db.drop();
      }
    });

    it('refuses a writers table that is not MEMORY, on which readers could skip events', async () => {
      const db = await freshDatabase();
      const home = mysqlHome({ uri: SERVER_URLS.mysql, database: db.name });
      try {
        await adminPool().query(
          `CREATE TABLE \`${db.name}\`.\`_ps_outbox_writers\` (conn_id BIGINT UNSIGNED PRIMARY KEY, tx_no BIGINT UNSIGNED NOT NULL) ENGINE=InnoDB`,
        );
        const err = await expectCode(home.ensureSchema([docSpec()]), 'PS_ERR_STORE_QUERY');
        expect(err.message).toContain('not MEMORY');
      } finally {
        await home.close();
        await db.drop();
      }
    });

    it('uses the current database of an injected pool, decodes by its own rules and leaves the pool open', async () => {
      const db = await freshDatabase();
      // Options that would change how mysql2 decodes rows must not change what the home returns.
      const pool = createPool({
        uri: SERVER_URLS.mysql,
        database: db.name,
        connectionLimit: 3,
        timezone: '+05:00',
        supportBigNumbers: false,
      });
      const home = mysqlHome({ pool });
      try {
        const spec: EntityTableSpec = {
          entity: 'events',
          table: 'events',
          storage: 'relational',
          columns: [
            { name: 'at', type: 'timestamp', nullable: false },
            { name: 'big', type: 'integer', nullable: false },
            { name: 'meta', type: 'json', nullable: true },
          ],
        };
        await home.ensureSchema([spec]);
        const at = new Date('2024-03-01T12:34:56.789Z');
        await home.transaction((tx) => tx.insert(spec, 'e1', { at, big: 2 ** 53 - 1, meta: 'just a string' }));
        expect((await home.get(spec, 'e1'))?.data).toEqual({ id: 'e1', at, big: 2 ** 53 - 1, meta: 'just a string' });
        await home.close();
        const [rows] = await pool.query('SELECT DATABASE() AS db');
        expect((rows as { db: string }[])[0]?.db).toBe(db.name);
      } finally {
        await home.close();
        await pool.end();
        await db.drop();
      }
    });

    it('reports an unreachable server as unavailable, naming it without its password', async () => {
      const home = mysqlHome({ uri: 'mysql://root:s3cret-pw@127.0.0.1:1/test' });
      try {
        const err = await expectCode(home.ready(), 'PS_ERR_STORE_UNAVAILABLE');
        expect(err.message).toContain('mysql://root:***@127.0.0.1:1/test');
        for (const text of [err.message, err.stack ?? '', JSON.stringify(err.toJSON())]) {
          expect(text).not.toContain('s3cret');
        }
        expect(err.cause).toBeDefined();
        await expectCode(home.get(docSpec(), 'x'), 'PS_ERR_STORE_UNAVAILABLE');
      } finally {
        await home.close();
      }
    });

    it('reports rejected credentials as unavailable without the password', async () => {
      const url = new URL(SERVER_URLS.mysql);
      url.username = 'polystore_nobody';
      url.password = 'wrong-pw-123';
      const home = mysqlHome({ uri: url.toString() });
      try {
        const err = await expectCode(home.ready(), 'PS_ERR_STORE_UNAVAILABLE');
        expect(err.message).not.toContain('wrong-pw-123');
        expect(err.message).toContain('polystore_nobody:***@');
      } finally {
        await home.close();
      }
    });
  });
});

describe('mysql home options', () => {
  const invalid = (options: unknown) => {
    try {
      mysqlHome(options as Parameters<typeof mysqlHome>[0]);
    } catch (err) {
      expect(String((err as Error).message)).not.toContain('pw-secret');
      return isPolystoreError(err, 'PS_ERR_INVALID_CONFIG');
    }
    return false;
  };

  it('validates at construction, without connecting and without echoing a password', () => {
    expect(invalid({ uri: 'postgres://u:pw-secret@h/db' })).toBe(true);
    expect(invalid({ uri: 'not a url' })).toBe(true);
    expect(invalid({ uri: 'mysql://u:pw-secret@h/db', colour: 'red' })).toBe(true);
    expect(invalid({ uri: 'mysql://u:pw-secret@h/bad-name' })).toBe(true);
    expect(invalid({ uri: 'mysql://u:pw-secret@h/' })).toBe(true);
    expect(invalid({ uri: 'mysql://u:pw-secret@h/db', database: 'x; drop' })).toBe(true);
    expect(invalid({ uri: 'mysql://h/db', pool: { execute() {}, getConnection() {} } })).toBe(true);
    expect(invalid({ pool: {} })).toBe(true);
    expect(invalid({ uri: 'mysql://u:pw-secret@h/db' })).toBe(false);
    expect(invalid({ uri: 'mariadb://h:3306/db', database: 'other' })).toBe(false);
  });

  it('falls back to POLYSTORE_MYSQL_URL, and needs a server when it is unset', () => {
    const saved = process.env.POLYSTORE_MYSQL_URL;
    try {
      delete process.env.POLYSTORE_MYSQL_URL;
      expect(invalid({})).toBe(true);
      process.env.POLYSTORE_MYSQL_URL = 'mysql://u:pw-secret@h/db';
      expect(invalid({})).toBe(false);
    } finally {
      if (saved === undefined) delete process.env.POLYSTORE_MYSQL_URL;
      else process.env.POLYSTORE_MYSQL_URL = saved;
    }
  });
});
