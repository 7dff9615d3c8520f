import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { Pool } from 'pg';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { postgresHome } from '../../src/adapters/postgres/index.js';
import {
  type CdcSlotOptions,
  cdcSlotStatus,
  createCdcSlot,
  dropCdcSlot,
  type PostgresCdcRelay,
  postgresCdcRelay,
} from '../../src/adapters/postgres-cdc/index.js';
import { epochMillis } from '../../src/adapters/postgres-cdc/outbox-decoder.js';
import type { ChangeEvent } from '../../src/contracts/change-event.js';
import type { NewDeadLetter } from '../../src/contracts/dead-letter.js';
import type { EventPublisher } from '../../src/contracts/event-log.js';
import type { EntityTableSpec, HomeStore } from '../../src/contracts/home-store.js';
import type { LogPosition } from '../../src/contracts/log-position.js';
import { isPolystoreError, PolystoreError } from '../../src/errors/index.js';
import { silentLogger } from '../../src/runtime/logger.js';
import { describeWithServer, SERVER_URLS } from '../support/servers.js';

const URL = SERVER_URLS.postgres;
const PASSWORD = `pw-${randomUUID()}`;
const DOWN_URL = `postgres://root:${PASSWORD}@127.0.0.1:1/test`;

/** A broker stand-in: records what it is given; told to, it fails the next N publishes. */
class SinkPublisher implements EventPublisher {
  readonly events: ChangeEvent[] = [];
  readonly receivedAt: number[] = [];
  readonly batchSizes: number[] = [];
  calls = 0;
  failures = 0;
  failNext = 0;
  delayMs = 0;

  async publish(events: readonly ChangeEvent[], _settled?: string | null): Promise<void> {
    this.calls++;
    if (this.delayMs > 0) await sleep(this.delayMs);
    if (this.failNext > 0) {
      this.failNext--;
      this.failures++;
      throw new Error('broker unavailable');
    }
    const now = performance.now();
    this.batchSizes.push(events.length);
    for (const event of events) {
      this.order.push({ position: event.position, watermark: false });
      this.events.push(event);
      this.receivedAt.push(now);
    }
  }

  readonly watermarks: string[] = [];
  /** Events and watermarks in the order they reached the "broker". */
  readonly order: { position: string; watermark: boolean }[] = [];

  async publishWatermark(settled: string): Promise<void> {
    this.watermarks.push(settled);
    this.order.push({ position: settled, watermark: true });
  }

  eventIds(): Set<string> {
    return new Set(this.events.map((e) => e.eventId));
  }
}

async function failure(promise: Promise<unknown>): Promise<PolystoreError> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!isPolystoreError(err)) throw new Error(`expected a PolystoreError, got ${String(err)}`);
  return err;
}

async function until(what: string, check: () => boolean | Promise<boolean>, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
    await sleep(25);
  }
}

function byPosition(events: readonly ChangeEvent[]): ChangeEvent[] {
  return [...events].sort((a, b) => (a.position < b.position ? -1 : a.position > b.position ? 1 : 0));
}

// Synchronous output: vitest may swallow console logging of a suite that is skipped or fails.
function report(line: string): void {
  process.stdout.write(`[postgres-cdc] ${line}\n`);
}

describe('postgres CDC options', () => {
  it('validates names and options before connecting, never echoing the connection string', async () => {
    const base = { connectionString: DOWN_URL, slot: 'ps_slot', publication: 'ps_pub' };
    const cases: [CdcSlotOptions, string][] = [
      [{ ...base, slot: 'Upper_Case' }, 'slot'],
      [{ ...base, slot: 'dash-ed' }, 'slot'],
      [{ ...base, slot: 'x'.repeat(64) }, 'slot'],
      [{ ...base, publication: 'pub; DROP TABLE x' }, 'publication'],
      [{ ...base, schema: 'bad schema' }, 'schema'],
      [{ ...base, connectionString: `mysql://root:${PASSWORD}@db/test` }, 'connectionString'],
      [{ ...base, colour: 'red' } as CdcSlotOptions, 'colour'],
    ];
    for (const [options, field] of cases) {
      for (const call of [createCdcSlot, dropCdcSlot, cdcSlotStatus]) {
        const err = await failure(call(options));
        expect(err.code).toBe('PS_ERR_INVALID_CONFIG');
        expect(err.field).toBe(field);
        expect(err.message).not.toContain(PASSWORD);
      }
    }
    const publisher = new SinkPublisher();
    for (const heartbeatMs of [0, 1.5, 3_600_000]) {
      expect(() => postgresCdcRelay({ ...base, publisher, heartbeatMs })).toThrow(/heartbeatMs/);
    }
    expect(() => postgresCdcRelay({ ...base, publisher: {} as EventPublisher })).toThrow(/publisher/);
    expect(() => postgresCdcRelay({ ...base, publisher, batchSize: 0 })).toThrow(/batchSize/);
    for (const retry of [{ maxAttempts: 0 }, { baseDelayMs: -1 }, { maxDelayMs: Number.NaN }]) {
      expect(() => postgresCdcRelay({ ...base, publisher, retry })).toThrow(
        expect.objectContaining({ code: 'PS_ERR_INVALID_CONFIG', field: expect.stringMatching(/^retry\./) }),
      );
    }
  });

  it('connects to nothing when constructed; a server down at start is PS_ERR_STORE_UNAVAILABLE, password redacted', async () => {
    const target = { connectionString: DOWN_URL, slot: 'ps_slot', publication: 'ps_pub' };
    const relay = postgresCdcRelay({ ...target, publisher: new SinkPublisher(), logger: silentLogger });
    expect(relay.stats()).toEqual({
      mode: 'cdc',
      published: 0,
      deadLettered: 0,
      lastLsn: null,
      retainedWalBytes: null,
      failures: 0,
    });
    const attempts = [
      () => relay.start(),
      () => createCdcSlot(target),
      () => cdcSlotStatus(target),
      () => dropCdcSlot(target),
    ];
    for (const attempt of attempts) {
      const err = await failure(attempt());
      expect(err.code).toBe('PS_ERR_STORE_UNAVAILABLE');
      expect(err.message).not.toContain(PASSWORD);
      expect(err.message).toContain('root:***@127.0.0.1:1');
    }
    await relay.stop(); // never started: a no-op
  });

  it('decodes committed_at text to the floor of its epoch milliseconds, whatever the offset', () => {
    expect(epochMillis('2024-05-01 10:00:00.123999+00')).toBe(Date.UTC(2024, 4, 1, 10, 0, 0, 123));
    expect(epochMillis('2024-05-01 15:30:00.5+05:30')).toBe(Date.UTC(2024, 4, 1, 10, 0, 0, 500));
    expect(epochMillis('2024-05-01 06:00:00-04')).toBe(Date.UTC(2024, 4, 1, 10, 0, 0, 0));
    expect(epochMillis('1969-12-31 23:59:59.9995+00')).toBe(-1);
    expect(() => epochMillis('Wed May 01 10:00:00 2024 UTC')).toThrow(/DateStyle/);
  });
});

await describeWithServer('postgres', 'postgres CDC relay', () => {
  const admin = new Pool({ connectionString: URL, max: 3 });
  admin.on('error', () => undefined);
  const cleanups: (() => Promise<unknown>)[] = [];
  const slots = new Set<string>();

  afterEach(async () => {
    // In reverse: relays stop before their slot is dropped, slots before their schema.
    for (const cleanup of cleanups.splice(0).reverse()) {
      await cleanup().catch((err: unknown) => report(`cleanup failed: ${String(err)}`));
    }
  });

  afterAll(async () => {
    // A slot left behind retains WAL forever on a shared server: whatever a failed cleanup missed goes here.
    for (const slot of slots) {
      await admin
        .query(
          `SELECT pg_terminate_backend(active_pid) FROM pg_replication_slots WHERE slot_name = $1 AND active_pid IS NOT NULL`,
          [slot],
        )
        .catch(() => undefined);
      await sleep(100);
      await admin
        .query('SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE slot_name = $1', [slot])
        .catch((err: unknown) => report(`could not drop slot ${slot}: ${String(err)}`));
    }
    await admin.end();
  });

  interface Fixture {
    readonly home: HomeStore;
    readonly spec: EntityTableSpec;
    readonly schema: string;
    readonly target: CdcSlotOptions & { readonly schema: string };
  }

  /** A fresh schema with the home's tables, and a fresh slot and publication on its outbox; all dropped after the test. */
  async function fixture(): Promise<Fixture> {
    const id = randomUUID().replaceAll('-', '').slice(0, 16);
    const schema = `test_${id}`;
    const target = { connectionString: URL, schema, slot: `ps_cdc_${id}`, publication: `ps_pub_${id}` };
    const home = postgresHome({ connectionString: URL, schema });
    cleanups.push(async () => {
      await home.close();
      await admin.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
    });
    const spec: EntityTableSpec = { entity: 'notes', table: 'notes', storage: 'document', columns: [] };
    await home.ensureSchema([spec]);
    slots.add(target.slot);
    cleanups.push(async () => {
      // Even when a test failed with its relay still streaming.
      await admin.query(
        `SELECT pg_terminate_backend(active_pid) FROM pg_replication_slots WHERE slot_name = $1 AND active_pid IS NOT NULL`,
        [target.slot],
      );
      await dropCdcSlot(target);
      slots.delete(target.slot);
    });
    await createCdcSlot(target);
    return { home, spec, schema, target };
  }

  function relayOf(f: Fixture, publisher: EventPublisher, heartbeatMs = 10_000): PostgresCdcRelay {
    const relay = postgresCdcRelay({ ...f.target, publisher, heartbeatMs, logger: silentLogger });
    cleanups.push(() => relay.stop());
    return relay;
  }

  /** One transaction creating `keys` (row and outbox event each); returns the events' positions. */
  async function create(f: Fixture, keys: readonly string[]): Promise<LogPosition[]> {
    return f.home.transaction(async (tx) => {
      const positions: LogPosition[] = [];
      for (const key of keys) {
        const payload = { id: key, note: `note ${key}`, tags: ['a', 'b'], at: '2024-05-01T10:00:00.000Z' };
        const version = await tx.insert(f.spec, key, payload);
        positions.push(await tx.appendOutbox({ entity: 'notes', key, version, op: 'create', payload }));
      }
      return positions;
    });
  }

  async function createEach(f: Fixture, keys: readonly string[]): Promise<void> {
    for (const key of keys) await create(f, [key]);
  }

  async function slotLsnAtLeast(slot: string, lsn: string): Promise<boolean> {
    const { rows } = await admin.query<{ ok: boolean }>(
      'SELECT pg_wal_lsn_diff(confirmed_flush_lsn, $2::pg_lsn) >= 0 AS ok FROM pg_replication_slots WHERE slot_name = $1',
      [slot, lsn],
    );
    return rows[0]?.ok === true;
  }

  /**
   * The outbox as the polling reader returns it, once it holds `count` events: the reader
   * holds back events newer than the oldest transaction running anywhere on the server.
   */
  async function settledOutbox(f: Fixture, count: number): Promise<ChangeEvent[]> {
    let events: ChangeEvent[] = [];
    await until(`the outbox shows ${count} settled events`, async () => {
      events = await f.home.readOutbox(null, 100_000);
      return events.length >= count;
    });
    return events;
  }

  /** Outbox inserts the (inactive) slot would still send: what was never confirmed. */
  async function pendingChanges(f: Fixture): Promise<number> {
    const { rows } = await admin.query<{ n: string }>(
      `SELECT count(*) AS n FROM pg_logical_slot_peek_binary_changes($1, NULL, NULL,
         'proto_version', '1', 'publication_names', $2) WHERE get_byte(data, 0) = ascii('I')`,
      [f.target.slot, f.target.publication],
    );
    return Number(rows[0]!.n);
  }

  async function currentLsn(): Promise<string> {
    return (await admin.query<{ lsn: string }>('SELECT pg_current_wal_lsn()::text AS lsn')).rows[0]!.lsn;
  }

  /** WAL that no publication covers: rows in a table outside the outbox. */
  async function noise(schema: string, rows: number): Promise<void> {
    await admin.query(`CREATE TABLE IF NOT EXISTS "${schema}".noise (id serial PRIMARY KEY, filler text)`);
    await admin.query(`INSERT INTO "${schema}".noise (filler) SELECT repeat('x', 200) FROM generate_series(1, $1)`, [
      rows,
    ]);
  }

  it('publishes events in commit order, as the polling reader reads them, and acknowledges them', async () => {
    const f = await fixture();
    const sink = new SinkPublisher();
    const relay = relayOf(f, sink);
    await relay.start();

    const commitOrder: string[] = [];
    for (const key of ['a1', 'a2', 'a3']) {
      await create(f, [key]);
      commitOrder.push(key);
    }
    await create(f, ['b1', 'b2', 'b3']);
    commitOrder.push('b1', 'b2', 'b3');
    await f.home.transaction(async (tx) => {
      const payload = { id: 'a1', note: 'edited' };
      const version = await tx.update(f.spec, 'a1', payload, 1);
      await tx.appendOutbox({ entity: 'notes', key: 'a1', version, op: 'update', payload });
      const deleted = await tx.delete(f.spec, 'a2');
      await tx.appendOutbox({ entity: 'notes', key: 'a2', version: deleted, op: 'delete', payload: null });
    });
    commitOrder.push('a1', 'a2');
    // `late` gets the older transaction id but commits after `early`.
    let appended!: () => void;
    let release!: () => void;
    const lateAppended = new Promise<void>((resolve) => {
      appended = resolve;
    });
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    const late = f.home.transaction(async (tx) => {
      await tx.appendOutbox({ entity: 'notes', key: 'late', version: 1, op: 'create', payload: { id: 'late' } });
      appended();
      await gate;
    });
    await lateAppended;
    await f.home.transaction((tx) =>
      tx.appendOutbox({ entity: 'notes', key: 'early', version: 1, op: 'create', payload: { id: 'early' } }),
    );
    release();
    await late;
    commitOrder.push('early', 'late');

    const polled = await settledOutbox(f, commitOrder.length);
    expect(polled).toHaveLength(commitOrder.length);
    await until('every event is published', () => sink.events.length >= polled.length);
    await sleep(200);
    expect(sink.events.map((e) => e.key)).toEqual(commitOrder);
    expect(byPosition(sink.events)).toEqual(polled);
    expect(sink.eventIds().size).toBe(polled.length);
    // Commit order is not position order once transactions overlap.
    const early = sink.events.findIndex((e) => e.key === 'early');
    expect(sink.events[early]!.position > sink.events[early + 1]!.position).toBe(true);

    const lastLsn = relay.stats().lastLsn!;
    expect(relay.stats().published).toBe(polled.length);
    await until('the server has the acknowledgement', () => slotLsnAtLeast(f.target.slot, lastLsn));
  });

  it('acknowledges nothing while publishing fails; a restarted relay delivers it all', async () => {
    const f = await fixture();
    const failing = new SinkPublisher();
    failing.failNext = Number.POSITIVE_INFINITY;
    const first = relayOf(f, failing);
    await first.start();
    await createEach(f, ['k1', 'k2', 'k3']);
    await create(f, ['k4', 'k5']);
    await until('the publisher has failed a few times', () => failing.failures >= 3);
    expect(first.stats()).toMatchObject({ published: 0 });
    expect(first.stats().failures).toBeGreaterThanOrEqual(3);
    const stopped = Date.now();
    await first.stop(); // interrupts the retry backoff
    expect(Date.now() - stopped).toBeLessThan(5_000);

    // The slot still holds every change: nothing was confirmed.
    expect(await pendingChanges(f)).toBeGreaterThanOrEqual(5);

    const sink = new SinkPublisher();
    const second = relayOf(f, sink);
    await second.start();
    const polled = await settledOutbox(f, 5);
    await until('the events are redelivered', () => sink.events.length >= polled.length);
    expect(byPosition(sink.events)).toEqual(polled);
  });

  it('retries a failing publish in place and delivers once it succeeds', async () => {
    const f = await fixture();
    const sink = new SinkPublisher();
    sink.failNext = 3;
    const relay = relayOf(f, sink);
    await relay.start();
    await createEach(f, ['k1', 'k2']);
    await until('the events are published', () => sink.events.length >= 2);
    expect(sink.failures).toBe(3);
    expect(relay.stats()).toMatchObject({ published: 2, failures: 3 });
    expect(byPosition(sink.events)).toEqual(await settledOutbox(f, 2));
  });

  it('resumes after a restart from the confirmed position: nothing lost, nothing acknowledged sent again', async () => {
    const f = await fixture();
    const firstSink = new SinkPublisher();
    const first = relayOf(f, firstSink);
    await first.start();
    const batch1 = Array.from({ length: 10 }, (_, i) => `one${i}`);
    await createEach(f, batch1);
    await until('the first batch is published', () => firstSink.events.length >= batch1.length);
    await first.stop();
    // stop() finished the publish and acknowledged it before closing.
    expect((await cdcSlotStatus(f.target)).confirmedFlushLsn).toBe(first.stats().lastLsn);

    const batch2 = Array.from({ length: 10 }, (_, i) => `two${i}`);
    await createEach(f, batch2.slice(0, 5));
    await create(f, batch2.slice(5));
    const secondSink = new SinkPublisher();
    const second = relayOf(f, secondSink);
    await second.start();
    await until('the second batch is published', () => secondSink.events.length >= batch2.length);
    await sleep(300);
    expect(secondSink.events.map((e) => e.key)).toEqual(batch2);
    const all = await settledOutbox(f, batch1.length + batch2.length);
    expect(byPosition([...firstSink.events, ...secondSink.events])).toEqual(all);
  });

  it('publishes a large transaction in bounded batches and confirms it only at its commit', async () => {
    const f = await fixture();
    const slow = new SinkPublisher();
    slow.delayMs = 20;
    const first = postgresCdcRelay({ ...f.target, publisher: slow, batchSize: 50, logger: silentLogger });
    cleanups.push(() => first.stop());
    await first.start();
    const keys = Array.from({ length: 1000 }, (_, i) => `big${String(i).padStart(4, '0')}`);
    // One statement, so the transaction is open for milliseconds: a long one anywhere on the
    // server holds back the polling reader of every other test running meanwhile.
    await admin.query(
      `INSERT INTO "${f.schema}"."_ps_outbox" (entity, key, version, op, payload)
       SELECT 'notes', k, 1, 'create', jsonb_build_object('id', k)
       FROM unnest($1::text[]) WITH ORDINALITY AS t(k, n) ORDER BY n`,
      [keys],
    );
    await until('part of the transaction is published', () => slow.events.length >= 200);
    await first.stop();
    expect(slow.events.length).toBeLessThan(keys.length);
    expect(Math.max(...slow.batchSizes)).toBeLessThanOrEqual(50);
    expect(slow.events.map((e) => e.key)).toEqual(keys.slice(0, slow.events.length));
    // Published in part, so not confirmed: the slot still holds the whole transaction.
    expect(await pendingChanges(f)).toBeGreaterThanOrEqual(keys.length);

    const sink = new SinkPublisher();
    const second = relayOf(f, sink);
    await second.start();
    await until('the transaction is published again', () => sink.events.length >= keys.length);
    expect(sink.events.map((e) => e.key)).toEqual(keys);
    expect(sink.events).toEqual(await settledOutbox(f, keys.length));
    await until('its commit is confirmed', () => slotLsnAtLeast(f.target.slot, second.stats().lastLsn!));
    await second.stop();
    expect(await pendingChanges(f)).toBe(0);
  });

  it('survives the server terminating its replication connection, without losing an event', async () => {
    const f = await fixture();
    const sink = new SinkPublisher();
    const relay = relayOf(f, sink, 200);
    await relay.start();
    await createEach(f, ['before1', 'before2']);
    await until('the first events are published', () => sink.events.length >= 2);

    let writing = true;
    let written = 0;
    // Single-statement transactions: the least time holding a transaction id, which would hold
    // back the polling reader of other suites running meanwhile.
    const writer = (async () => {
      while (writing) {
        const key = `during${written++}`;
        await admin.query(
          `INSERT INTO "${f.schema}"."_ps_outbox" (entity, key, version, op, payload)
           VALUES ('notes', $1, 1, 'create', jsonb_build_object('id', $1::text))`,
          [key],
        );
        await sleep(5);
      }
    })();
    for (let kill = 0; kill < 3; kill++) {
      await sleep(150);
      await until('a walsender streams from the slot', async () => (await cdcSlotStatus(f.target)).active);
      const { rows } = await admin.query<{ killed: boolean }>(
        'SELECT pg_terminate_backend(active_pid) AS killed FROM pg_replication_slots WHERE slot_name = $1 AND active_pid IS NOT NULL',
        [f.target.slot],
      );
      expect(rows[0]?.killed).toBe(true);
    }
    await sleep(200);
    writing = false;
    await writer;
    await createEach(f, ['after1', 'after2']);

    const all = await settledOutbox(f, written + 4);
    expect(all.length).toBe(written + 4);
    await until('every event is published', () => all.every((e) => sink.eventIds().has(e.eventId)), 30_000);
    expect(relay.stats().failures).toBeGreaterThanOrEqual(3);
    // Duplicates are allowed (unacknowledged events come again), gaps are not.
    const firstOf = new Map<string, ChangeEvent>();
    for (const event of sink.events) if (!firstOf.has(event.eventId)) firstOf.set(event.eventId, event);
    expect(byPosition([...firstOf.values()])).toEqual(all);
  });

  it('keeps an idle slot advancing with heartbeats while other tables write WAL', async () => {
    const f = await fixture();
    const sink = new SinkPublisher();
    const relay = relayOf(f, sink, 200);
    await relay.start();
    const before = await currentLsn();
    await noise(f.schema, 4_000);
    const after = await currentLsn();
    const generated = Number(
      (await admin.query<{ n: string }>('SELECT pg_wal_lsn_diff($1, $2)::text AS n', [after, before])).rows[0]!.n,
    );
    expect(generated).toBeGreaterThan(500_000);
    await until('the slot is confirmed past the unrelated WAL', () => slotLsnAtLeast(f.target.slot, after));
    expect(sink.events).toEqual([]);
    // restart_lsn follows once the decoder meets a running-transactions record with no older
    // transaction still open (a checkpoint writes one). Other test files share this server and
    // may hold a transaction open at that instant, so the checkpoint is repeated until it lands.
    let checkpointAt = 0;
    await until(
      'the slot no longer retains the unrelated WAL',
      async () => {
        if (Date.now() - checkpointAt > 1_000) {
          checkpointAt = Date.now();
          await admin.query('CHECKPOINT');
        }
        const { rows } = await admin.query<{ ok: boolean }>(
          'SELECT pg_wal_lsn_diff(restart_lsn, $2::pg_lsn) >= 0 AS ok FROM pg_replication_slots WHERE slot_name = $1',
          [f.target.slot, after],
        );
        return rows[0]?.ok === true;
      },
      60_000,
    );
    // The relay measures the same thing itself (what `polystore status` prints).
    expect(await relay.retainedWalBytes()).toBeLessThan(
      Number(
        (await admin.query<{ n: string }>('SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), $1)::text AS n', [before]))
          .rows[0]!.n,
      ),
    );
    await until('a heartbeat measured the retained WAL', () => relay.stats().retainedWalBytes !== null);
  });

  it('publishes watermarks that never cover a transaction still open, nor an event not yet published', async () => {
    const f = await fixture();
    const sink = new SinkPublisher();
    const relay = relayOf(f, sink);
    await relay.start();
    await createEach(f, ['w1', 'w2']);
    // An older transaction stays open while a newer one commits.
    let appended!: (position: LogPosition) => void;
    let release!: () => void;
    const oldPosition = new Promise<LogPosition>((resolve) => {
      appended = resolve;
    });
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    const old = f.home.transaction(async (tx) => {
      appended(
        await tx.appendOutbox({ entity: 'notes', key: 'old', version: 1, op: 'create', payload: { id: 'old' } }),
      );
      await gate;
    });
    const held = await oldPosition;
    const [newer] = await create(f, ['newer']);
    await relay.settle();
    await until('the newer event is published', () => sink.events.some((e) => e.key === 'newer'));
    await relay.settle();
    await until('a watermark after it', () => sink.watermarks.length > 0);
    await sleep(200);
    expect(newer! > held).toBe(true);
    expect(sink.watermarks.every((w) => w < held)).toBe(true);
    release();
    await old;
    // settle() works from any process: a separate relay object that does not stream.
    const bystander = postgresCdcRelay({ ...f.target, publisher: new SinkPublisher(), logger: silentLogger });
    cleanups.push(() => bystander.stop());
    await bystander.settle();
    await until('a watermark covering everything', () => sink.watermarks.some((w) => w >= newer!));
    // Every watermark comes after every event it covers.
    const published: string[] = [];
    for (const entry of sink.order) {
      if (!entry.watermark) published.push(entry.position);
      else for (const e of sink.events) if (e.position <= entry.position) expect(published).toContain(e.position);
    }
  });

  it('dead-letters an event the broker keeps refusing, after retry.maxAttempts, and goes on', async () => {
    const f = await fixture();
    const sink = new SinkPublisher();
    const refused = new Set(['poison']);
    const picky: EventPublisher = {
      async publish(events, settled) {
        if (events.some((e) => refused.has(e.key))) {
          throw new PolystoreError('PS_ERR_STORE_QUERY', 'the broker refused a message', { fix: 'none' });
        }
        await sink.publish(events, settled);
      },
      publishWatermark: (settled) => sink.publishWatermark(settled),
    };
    const letters: NewDeadLetter[] = [];
    const relay = postgresCdcRelay({
      ...f.target,
      publisher: picky,
      logger: silentLogger,
      retry: { maxAttempts: 2, baseDelayMs: 1, maxDelayMs: 5 },
      deadLetters: { add: async (letter) => letters.push(letter) },
    });
    cleanups.push(() => relay.stop());
    await relay.start();
    await create(f, ['ok1', 'poison', 'ok2']);
    await createEach(f, ['ok3']);
    await until('the events after the poison one are published', () => sink.events.some((e) => e.key === 'ok3'));
    expect(sink.events.map((e) => e.key)).toEqual(['ok1', 'ok2', 'ok3']);
    expect(letters).toEqual([
      expect.objectContaining({
        consumer: `cdc_${f.target.slot}`,
        attempts: 2,
        event: expect.objectContaining({ key: 'poison' }),
      }),
    ]);
    expect(relay.stats()).toMatchObject({ published: 3, deadLettered: 1 });
  });

  it('writes heartbeat messages to the WAL and confirms past them', async () => {
    const f = await fixture();
    // A second slot on the same publication, read with peek only, shows what reached the WAL.
    const observer = `${f.target.slot}_obs`;
    slots.add(observer);
    cleanups.push(async () => {
      await admin.query('SELECT pg_drop_replication_slot($1)', [observer]);
      slots.delete(observer);
    });
    await admin.query(`SELECT pg_create_logical_replication_slot($1, 'pgoutput')`, [observer]);
    const relay = relayOf(f, new SinkPublisher(), 100);
    await relay.start();
    const heartbeats = async () => {
      const { rows } = await admin.query<{ n: string }>(
        `SELECT count(*) AS n FROM pg_logical_slot_peek_binary_changes($1, NULL, NULL,
           'proto_version', '1', 'publication_names', $2, 'messages', 'true')
         WHERE get_byte(data, 0) = ascii('M') AND position('polystore.watermark'::bytea IN data) > 0`,
        [observer, f.target.publication],
      );
      return Number(rows[0]!.n);
    };
    await until('three heartbeats are in the WAL', async () => (await heartbeats()) >= 3);
    const past = await currentLsn();
    await until('the slot is confirmed past them', () => slotLsnAtLeast(f.target.slot, past));
    expect(relay.stats().lastLsn).not.toBeNull();
  });

  it('reports the WAL a slot retains while no relay consumes it, and whether one streams', async () => {
    const f = await fixture();
    const idle = await cdcSlotStatus(f.target);
    expect(idle).toMatchObject({ exists: true, active: false });
    expect(idle.confirmedFlushLsn).toMatch(/^[0-9A-F]+\/[0-9A-F]+$/);
    const before = await currentLsn();
    await noise(f.schema, 1_000);
    const after = await currentLsn();
    const generated = Number(
      (await admin.query<{ n: string }>('SELECT pg_wal_lsn_diff($1, $2)::text AS n', [after, before])).rows[0]!.n,
    );
    const grown = await cdcSlotStatus(f.target);
    expect(grown.retainedWalBytes).toBeGreaterThanOrEqual(generated);
    expect(grown.confirmedFlushLsn).toBe(idle.confirmedFlushLsn);

    const relay = relayOf(f, new SinkPublisher());
    expect(await relay.retainedWalBytes()).toBeGreaterThanOrEqual(generated);
    await relay.start();
    expect((await cdcSlotStatus(f.target)).active).toBe(true);
    await relay.stop();
    expect((await cdcSlotStatus(f.target)).active).toBe(false);
  });

  it('creates and drops the slot and publication explicitly and idempotently', async () => {
    const f = await fixture();
    const again = await createCdcSlot(f.target);
    expect(again).toMatchObject({ exists: true, active: false });
    const { rows: pubs } = await admin.query(
      `SELECT p.pubinsert, p.pubupdate, p.pubdelete, t.schemaname, t.tablename
       FROM pg_publication p JOIN pg_publication_tables t USING (pubname) WHERE p.pubname = $1`,
      [f.target.publication],
    );
    expect(pubs).toEqual([
      { pubinsert: true, pubupdate: false, pubdelete: false, schemaname: f.schema, tablename: '_ps_outbox' },
    ]);
    const { rows: slotRows } = await admin.query(
      'SELECT plugin, slot_type FROM pg_replication_slots WHERE slot_name = $1',
      [f.target.slot],
    );
    expect(slotRows).toEqual([{ plugin: 'pgoutput', slot_type: 'logical' }]);

    await dropCdcSlot(f.target);
    await dropCdcSlot(f.target);
    expect(await cdcSlotStatus(f.target)).toEqual({
      exists: false,
      active: false,
      confirmedFlushLsn: null,
      retainedWalBytes: 0,
    });
    const { rows: left } = await admin.query('SELECT 1 FROM pg_publication WHERE pubname = $1', [f.target.publication]);
    expect(left).toEqual([]);

    const missing = await failure(relayOf(f, new SinkPublisher()).start());
    expect(missing.code).toBe('PS_ERR_INVALID_CONFIG');
    expect(missing.message).toContain('createCdcSlot');
    const noOutbox = await failure(createCdcSlot({ ...f.target, schema: `${f.schema}_absent` }));
    expect(noOutbox.code).toBe('PS_ERR_INVALID_CONFIG');
    expect(noOutbox.message).toContain('ensureSchema');
  });

  it.runIf(process.env.POLYSTORE_CDC_BENCH)(
    'measures commit-to-publish latency and burst throughput',
    async () => {
      const f = await fixture();
      const sink = new SinkPublisher();
      const relay = relayOf(f, sink);
      await relay.start();

      // Latency from the moment COMMIT is sent (the end of the transaction callback) to the publish call.
      const commitSent = new Map<string, number>();
      for (let i = 0; i < 1000; i++) {
        const key = `lat${i}`;
        await f.home.transaction(async (tx) => {
          const payload = { id: key, note: 'latency' };
          const version = await tx.insert(f.spec, key, payload);
          await tx.appendOutbox({ entity: 'notes', key, version, op: 'create', payload });
          commitSent.set(key, performance.now());
        });
      }
      await until('the latency run is published', () => sink.events.length >= 1000, 60_000);
      const latencies = sink.events.map((e, i) => sink.receivedAt[i]! - commitSent.get(e.key)!).sort((a, b) => a - b);
      const pct = (p: number) => latencies[Math.min(latencies.length - 1, Math.floor((p / 100) * latencies.length))]!;
      report(
        `commit-to-publish over 1000 single-row transactions: p50 ${pct(50).toFixed(2)} ms, ` +
          `p99 ${pct(99).toFixed(2)} ms, max ${latencies.at(-1)!.toFixed(2)} ms`,
      );

      // One transaction of 10k events: from its commit to the last publish.
      let base = sink.events.length;
      let committed = performance.now();
      await admin.query(
        `INSERT INTO "${f.schema}"."_ps_outbox" (entity, key, version, op, payload)
         SELECT 'notes', 'bulk' || g, 1, 'create', jsonb_build_object('id', 'bulk' || g, 'n', g)
         FROM generate_series(1, 10000) g`,
      );
      committed = performance.now();
      await until('the bulk transaction is published', () => sink.events.length >= base + 10_000, 120_000);
      report(
        `one 10k-event transaction: ${(10_000 / ((sink.receivedAt.at(-1)! - committed) / 1000)).toFixed(0)} events/s after its commit`,
      );

      // A live burst: 10k events from 10 concurrent writers, 10 events per transaction, through the home.
      base = sink.events.length;
      const started = performance.now();
      await Promise.all(
        Array.from({ length: 10 }, async (_, w) => {
          for (let t = 0; t < 100; t++)
            await create(
              f,
              Array.from({ length: 10 }, (_, i) => `burst${w}_${t}_${i}`),
            );
        }),
      );
      committed = performance.now();
      await until('the burst is published', () => sink.events.length >= base + 10_000, 120_000);
      const last = sink.receivedAt.at(-1)!;
      report(
        `live burst of 10k events in 1000 transactions: written in ${(committed - started).toFixed(0)} ms ` +
          `(${(10_000 / ((committed - started) / 1000)).toFixed(0)} events/s), last published ${(last - committed).toFixed(1)} ms after the last commit`,
      );

      // A backlog: 10k single-row transactions committed while no relay runs, then drained.
      await relay.stop();
      await Promise.all(
        Array.from({ length: 10 }, async (_, w) => {
          for (let t = 0; t < 1000; t++) await create(f, [`backlog${w}_${t}`]);
        }),
      );
      const drainSink = new SinkPublisher();
      const drain = relayOf(f, drainSink);
      const drainStart = performance.now();
      await drain.start();
      await until('the backlog is published', () => drainSink.events.length >= 10_000, 120_000);
      const drained = drainSink.receivedAt.at(-1)! - drainStart;
      report(
        `backlog of 10k single-row transactions: drained at ${(drainSink.events.length / (drained / 1000)).toFixed(0)} events/s ` +
          `(start() included), ${drainSink.calls} publish calls`,
      );
    },
    300_000,
  );
});
