import { spawn } from 'node:child_process';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { seededRandom } from '../../chaos/random.js';
import { kuzuStore } from '../../src/adapters/kuzu/index.js';
import { KuzuSession } from '../../src/adapters/kuzu/kuzu-session.js';
import type { GraphStore } from '../../src/contracts/graph-store.js';
import { isPolystoreError } from '../../src/errors/index.js';
import { type HomeEvent, OWNERSHIP_SCHEMA } from '../contracts/graph-ownership-records.js';
import { type GraphSnapshot, projectLive, readSnapshot } from '../contracts/graph-projection.js';
import { type CrashBatch, crashSchedule } from '../support/kuzu-crash-schedule.js';
import { tempDir } from '../support/temp-dir.js';

const WRITER = new URL('../fixtures/kuzu-crash-writer.ts', import.meta.url).pathname;
const SCOPES = ['items', 'purchases'] as const;

/** What the store must hold after the first `count` batches: the graph of the newest versions, and those versions. */
function expectedAfter(schedule: readonly CrashBatch[], count: number) {
  const newest = new Map<string, HomeEvent>();
  for (const batch of schedule.slice(0, count)) {
    for (const event of batch.events) newest.set(`${event.scope}/${event.key}`, event);
  }
  const held = [...newest.values()];
  const snapshot = projectLive(
    OWNERSHIP_SCHEMA,
    held.flatMap((e) => (e.value ? [{ scope: e.scope, key: e.key, fragment: e.value }] : [])),
  );
  const versions = Object.fromEntries(
    SCOPES.map((scope) => [
      scope,
      held
        .filter((e) => e.scope === scope)
        .map((e) => `${e.key}@${e.version}${e.value === null ? '-' : ''}`)
        .sort(),
    ]),
  );
  return { snapshot, versions };
}

async function readState(store: GraphStore): Promise<{ snapshot: GraphSnapshot; versions: Record<string, string[]> }> {
  const versions: Record<string, string[]> = {};
  for (const scope of SCOPES) {
    versions[scope] = (await store.listVersions(scope))
      .map((entry) => `${entry.key}@${entry.version}${entry.deleted ? '-' : ''}`)
      .sort();
  }
  return { snapshot: await readSnapshot(store, OWNERSHIP_SCHEMA), versions };
}

/** Runs the writer from batch `start`, SIGKILLs it `delayMs` after its first ack (or lets it finish); the last ack seen. */
async function runWriter(path: string, seed: number, writes: number, start: number, delayMs: number | null) {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', WRITER, path, String(seed), String(writes), String(start)],
    {
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let acked = start - 1;
  let stderr = '';
  let killTimer: NodeJS.Timeout | undefined;
  child.stdout.on('data', (chunk: Buffer) => {
    for (const match of chunk.toString().matchAll(/acked (\d+)/g)) acked = Math.max(acked, Number(match[1]));
    if (delayMs !== null && killTimer === undefined) killTimer = setTimeout(() => child.kill('SIGKILL'), delayMs);
  });
  child.stderr.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-4000);
  });
  const exit = await new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on('exit', (code, signal) => resolve({ code, signal })),
  );
  clearTimeout(killTimer);
  if (exit.code !== 0 && exit.signal !== 'SIGKILL') throw new Error(`the writer failed (${exit.code}): ${stderr}`);
  return { acked, killed: exit.signal === 'SIGKILL' };
}

describe('kuzu store under SIGKILL', () => {
  it('holds exactly the batches of a prefix of its applies, graph and versions alike, after every kill', async () => {
    const dir = await tempDir('polystore-kuzu-crash-');
    const path = join(dir.path, 'graph.kuzu');
    const seed = 20261204;
    const writes = 500;
    const schedule = crashSchedule(seed, writes);
    const random = seededRandom(seed);
    let next = 0;
    let kills = 0;
    try {
      while (next < schedule.length) {
        const killing = kills < 8;
        const { acked, killed } = await runWriter(path, seed, writes, next, killing ? Math.floor(random() * 60) : null);
        if (killed) kills++;
        const store = kuzuStore({ path });
        try {
          await store.ensureSchema(OWNERSHIP_SCHEMA);
          const state = await readState(store);
          // Every acknowledged batch is there; a batch in flight is there whole or not at all.
          let held: number | undefined;
          for (let count = acked + 1; count <= schedule.length && held === undefined; count++) {
            const expected = expectedAfter(schedule, count);
            if (JSON.stringify(expected) === JSON.stringify(state)) held = count;
          }
          if (held === undefined) expect(state).toEqual(expectedAfter(schedule, acked + 1));
          next = held!;
        } finally {
          await store.close();
        }
      }
      expect(kills).toBe(8);
    } finally {
      await dir.cleanup();
    }
  }, 240_000);
});

describe('kuzu store bookkeeping', () => {
  const changes = crashSchedule(7, 60);

  it('rolls the staged bookkeeping back when the graph transaction fails, and every retry applies whole', async () => {
    // Kuzu 0.11 keeps state after a ROLLBACK that broke later transactions ("Write-write conflict of updating
    // the same row", properties on the wrong nodes) until the store reopened its database after a failure.
    const dir = await tempDir('polystore-kuzu-books-');
    const path = join(dir.path, 'graph.kuzu');
    const store = kuzuStore({ path });
    const run = KuzuSession.prototype.run;
    let failing = false;
    // The engine fails at the commit-sequence statement, after every graph write of the batch.
    KuzuSession.prototype.run = function (this: KuzuSession, cypher, params) {
      if (failing && cypher.includes('SET c.seq')) return Promise.reject(new Error('injected engine failure'));
      return run.call(this, cypher, params);
    };
    try {
      await store.ensureSchema(OWNERSHIP_SCHEMA);
      for (const [i, batch] of changes.entries()) {
        if (i % 3 === 1) {
          const before = await readState(store);
          failing = true;
          const error = await store.applyIfNewer(batch.scope, batch.changes).catch((err: unknown) => err);
          failing = false;
          expect(isPolystoreError(error, 'PS_ERR_STORE_QUERY')).toBe(true);
          expect(await readState(store)).toEqual(before);
        }
        await store.applyIfNewer(batch.scope, batch.changes);
        expect(await readState(store)).toEqual(expectedAfter(changes, i + 1));
      }
    } finally {
      KuzuSession.prototype.run = run;
      await store.close();
      await dir.cleanup();
    }
  }, 60_000);

  it('refuses a graph whose bookkeeping file is gone, and starts a new graph afresh beside an old file', async () => {
    const dir = await tempDir('polystore-kuzu-books-');
    const path = join(dir.path, 'graph.kuzu');
    try {
      let store = kuzuStore({ path });
      await store.ensureSchema(OWNERSHIP_SCHEMA);
      for (const batch of changes.slice(0, 3)) await store.applyIfNewer(batch.scope, batch.changes);
      await store.close();

      // The graph without its ledger: refused, naming the file and the fix.
      await rm(`${path}.psledger`);
      await rm(`${path}.psledger-lock`, { force: true });
      store = kuzuStore({ path });
      const error = await store.ready().catch((err: unknown) => err);
      await store.close();
      expect(isPolystoreError(error, 'PS_ERR_STORE_UNAVAILABLE')).toBe(true);
      expect(String((error as Error).message)).toContain('.psledger');
      expect((error as Error & { fix?: string }).fix).toContain('check --repair');

      // A new graph beside a ledger of an old one (the database file removed, its .psledger kept): the old
      // entries are dropped, not believed.
      const other = join(dir.path, 'other.kuzu');
      store = kuzuStore({ path: other });
      await store.ensureSchema(OWNERSHIP_SCHEMA);
      for (const batch of changes.slice(0, 3)) await store.applyIfNewer(batch.scope, batch.changes);
      await store.close();
      await rm(other);
      await rm(`${other}.wal`, { force: true });
      store = kuzuStore({ path: other });
      await store.ensureSchema(OWNERSHIP_SCHEMA);
      expect(await readState(store)).toEqual(expectedAfter(changes, 0));
      await store.applyIfNewer(changes[0]!.scope, changes[0]!.changes);
      expect(await readState(store)).toEqual(expectedAfter(changes, 1));
      await store.close();
    } finally {
      await dir.cleanup();
    }
  });
});
