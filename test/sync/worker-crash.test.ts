import { type ChildProcess, spawn } from 'node:child_process';
import { afterAll, describe, expect, it } from 'vitest';
import { createShop } from '../../examples/ecommerce/shop.js';
import { silentLogger } from '../../src/index.js';
import { tempDir } from '../support/temp-dir.js';

const WORKER = new URL('../fixtures/shop-worker.ts', import.meta.url).pathname;

function startWorker(
  dataDir: string,
  args: string[],
): {
  child: ChildProcess;
  lines: string[];
  waitFor: (match: (line: string) => boolean) => Promise<string>;
  exited: Promise<number | null>;
} {
  const child = spawn(process.execPath, ['--import', 'tsx', WORKER, '--data-dir', dataDir, ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: string[] = [];
  const listeners: (() => void)[] = [];
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  child.stdout!.on('data', (chunk: Buffer) => {
    lines.push(...chunk.toString().split('\n').filter(Boolean));
    for (const listener of listeners) listener();
  });
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return {
    child,
    lines,
    exited,
    waitFor: (match) =>
      new Promise((resolve, reject) => {
        const check = () => {
          const line = lines.find(match);
          if (line) resolve(line);
        };
        listeners.push(check);
        check();
        exited.then((code) =>
          reject(new Error(`worker exited (${code}) before the expected line; stderr: ${stderr.slice(-2000)}`)),
        );
      }),
  };
}

const lastWrite = (lines: string[]) =>
  Math.max(0, ...lines.filter((l) => l.startsWith('wrote ')).map((l) => Number(l.slice(6))));

describe('a real worker process killed with SIGKILL mid-run', () => {
  const dirs: (() => Promise<void>)[] = [];
  afterAll(async () => {
    for (const cleanup of dirs) await cleanup();
  });

  it('loses nothing: after restarts every view matches the home id by id and version by version', async () => {
    const dir = await tempDir('polystore-crash-');
    dirs.push(dir.cleanup);

    // Two kills at different points, while writes commit and projectors apply.
    let from = 0;
    for (const killAfter of [140, 420]) {
      const worker = startWorker(dir.path, ['--from', String(from)]);
      await worker.waitFor((line) => line.startsWith('wrote ') && Number(line.slice(6)) >= killAfter);
      worker.child.kill('SIGKILL');
      expect(await worker.exited).toBeNull();
      from = Math.max(0, lastWrite(worker.lines) - 20);
    }
    const finisher = startWorker(dir.path, ['--from', String(from)]);
    await finisher.waitFor((line) => line === 'done');
    expect(await finisher.exited).toBe(0);

    const db = createShop({ dataDir: dir.path, logger: silentLogger, sync: { autoStart: false } });
    await db.ready();
    try {
      const drift = await db.check();
      expect(drift.map((d) => d.view).sort()).toEqual([
        'orders_analytics',
        'orders_graph',
        'products_cache',
        'products_graph',
        'products_search',
        'shipments_analytics',
        'users_cache',
      ]);
      for (const view of drift)
        expect({ view: view.view, missing: view.missing, stale: view.stale, extra: view.extra }).toEqual({
          view: view.view,
          missing: 0,
          stale: 0,
          extra: 0,
        });
      expect(drift.find((d) => d.view === 'orders_analytics')!.checked).toBe(400);
      expect(await db.sync.deadLetters()).toEqual([]);
      const [{ orders }] = (await db
        .analytics('analytics')
        .query('SELECT count(DISTINCT order_id) AS orders FROM sales')) as [{ orders: number }];
      expect(orders).toBeGreaterThan(300);
    } finally {
      await db.close();
    }
  }, 240_000);
});
